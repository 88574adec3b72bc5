import { describe, expect, test } from 'vitest'
import { potOverview } from '../../app/domain/budgets/overview.server.ts'
import { verifyLedger } from '../../app/domain/budgets/ledger.server.ts'
import { findPlaceByOdsCode } from '../../app/domain/places/places.server.ts'
import { db } from '../../app/lib/db.server.ts'
import { createFunder, createPlainUser } from '../../tests/factories/awards.ts'
import { seedPooledBudgets, SOUTH_WEST_LONDON_POT } from './budgets.ts'

describe('pooled budgets demo seed', () => {
  test('makes the South West London pot with three ring-fenced contributors and a national pot, through the ledger', async () => {
    const names = ['NHS South West London Integrated Care Board', 'National Lottery Community Fund', 'London Borough of Merton', 'Arts Council England', 'National Academy for Social Prescribing']
    const funderIdByName = new Map<string, number>()
    for (const name of names) funderIdByName.set(name, (await createFunder(db, name)).id)
    const userIdByEmail = new Map([
      ['manager@example.org', await createPlainUser(db, 'Manager')],
      ['finance@example.org', await createPlainUser(db, 'Finance')],
    ])
    const qwe = (await findPlaceByOdsCode(db, 'QWE', '2026-06-01'))!.id
    const seeded = await db.transaction().execute((trx) =>
      seedPooledBudgets(trx, { userIdByEmail, funderIdByName, placeIdByOds: { QWE: qwe }, managerEmail: 'manager@example.org', financeEmail: 'finance@example.org' }),
    )
    const overview = await potOverview(db, seeded.southWestLondon.id)
    expect(overview.pot).toMatchObject({ name: SOUTH_WEST_LONDON_POT, status: 'open', hostFunderName: 'NHS South West London Integrated Care Board' })
    expect(overview.contributions.map((c) => [c.funderName, c.pledgedPence, c.receivedPence])).toEqual([
      ['NHS South West London Integrated Care Board', 12_000_000, 6_000_000],
      ['National Lottery Community Fund', 8_000_000, 2_000_000],
      ['London Borough of Merton', 4_000_000, 1_000_000],
    ])
    expect(overview.contributions[0].conditionSentences).toEqual(['Only for projects in NHS South West London', 'Health and wellbeing outcomes only', 'Must be spent by 31 March 2027'])
    expect(overview.totals.available).toBe(9_000_000)
    expect((await verifyLedger(db)).ok).toBe(true)
  })
})
