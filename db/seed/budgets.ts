/**
 * Demo pooled budgets, made through the budgets domain functions (so the ledger, conditions and audit trail are real):
 * - "NHS South West London shared investment pot 2026-27", hosted by NHS South West London ICB, pool manager the
 *   demo fund manager, with three contributors: ring-fenced NHS money (health and wellbeing outcomes only, only in
 *   NHS South West London), the National Lottery Community Fund (at most 50% of any one award) and the London Borough
 *   of Merton; quarterly instalments, some received; opened;
 * - a national pot 2026-27 hosted by the National Academy for Social Prescribing with Arts Council England money,
 *   partly received; opened.
 *
 * Wiring (db/seed/demo.ts, inside its transaction, after users, funders and places exist):
 *   await seedPooledBudgets(trx, {
 *     userIdByEmail: users,                  // Map<email, id>: needs manager@ and finance@ (DEMO_DOMAIN)
 *     funderIdByName: funders,               // Map<name, id>: the four funders named below
 *     placeIdByOds: { QWE: id },
 *     managerEmail: `manager@${DEMO_DOMAIN}`,
 *     financeEmail: `finance@${DEMO_DOMAIN}`,
 *   })
 */
import type { Transaction } from 'kysely'
import type { DB } from '../schema.ts'
import { addContribution, recordReceipt, type InstalmentInput } from '../../app/domain/budgets/contributions.server.ts'
import { createPot, openPot, type Pot } from '../../app/domain/budgets/pots.server.ts'
import type { Conditions } from '../../app/domain/budgets/ring-fence.ts'

export interface SeedPooledBudgetsContext {
  userIdByEmail: ReadonlyMap<string, number>
  funderIdByName: ReadonlyMap<string, number>
  placeIdByOds: Readonly<Record<string, number>>
  managerEmail: string
  financeEmail: string
}

export interface SeededPooledBudgets {
  southWestLondon: Pot
  national: Pot
  contributionIds: Record<'nhs' | 'lottery' | 'merton' | 'arts', number>
}

export const SOUTH_WEST_LONDON_POT = 'NHS South West London shared investment pot 2026-27'
export const NATIONAL_POT = 'National social prescribing pot 2026-27'

const NHS = 'NHS South West London Integrated Care Board'
const LOTTERY = 'National Lottery Community Fund'
const MERTON = 'London Borough of Merton'
const ARTS = 'Arts Council England'
const HOST_NATIONAL = 'National Academy for Social Prescribing'

/** Four equal-ish quarterly instalments from April (the last takes any odd pence). */
function quarterly(totalPence: number): InstalmentInput[] {
  const dates = ['2026-04-01', '2026-07-01', '2026-10-01', '2027-01-04']
  const each = Math.floor(totalPence / 4)
  return dates.map((dueDate, i) => ({ dueDate, amountPence: i === 3 ? totalPence - each * 3 : each }))
}

function need<K, V>(map: ReadonlyMap<K, V>, key: K, what: string): V {
  const value = map.get(key)
  if (value === undefined) throw new Error(`Pooled budgets seed: no ${what} "${String(key)}"`)
  return value
}

export async function seedPooledBudgets(trx: Transaction<DB>, ctx: SeedPooledBudgetsContext): Promise<SeededPooledBudgets> {
  const managerId = need(ctx.userIdByEmail, ctx.managerEmail, 'user')
  const financeId = need(ctx.userIdByEmail, ctx.financeEmail, 'user')
  const funder = (name: string) => need(ctx.funderIdByName, name, 'funder')
  const qwe = ctx.placeIdByOds.QWE
  if (!qwe) throw new Error('Pooled budgets seed: no place QWE')

  const southWestLondon = await createPot(trx, managerId, {
    name: SOUTH_WEST_LONDON_POT,
    placeId: qwe,
    hostFunderId: funder(NHS),
    poolManagerUserId: managerId,
    financialYear: '2026-27',
    availableBasis: 'received',
    yearEndPolicy: 'return',
  })
  const pledge = async (potId: number, funderName: string, pledgedPence: number, conditions: Partial<Conditions>) =>
    addContribution(trx, managerId, { potId, funderId: funder(funderName), pledgedPence, instalments: quarterly(pledgedPence), conditions })
  const nhs = await pledge(southWestLondon.id, NHS, 12_000_000, { outcomeAreas: ['health_and_wellbeing'], placeIds: [qwe], spendBy: '2027-03-31' })
  const lottery = await pledge(southWestLondon.id, LOTTERY, 8_000_000, { maxSharePercent: 50 })
  const merton = await pledge(southWestLondon.id, MERTON, 4_000_000, { placeIds: [qwe] })
  const receive = (contributionId: number, amountPence: number, receivedOn: string, reference: string) =>
    recordReceipt(trx, financeId, { contributionId, amountPence, receivedOn, reference, idempotencyKey: `seed:${contributionId}:${reference}` })
  await receive(nhs.id, 3_000_000, '2026-04-02', 'NHS SWL Q1')
  await receive(nhs.id, 3_000_000, '2026-07-01', 'NHS SWL Q2')
  await receive(lottery.id, 2_000_000, '2026-04-10', 'TNLCF 0426')
  await receive(merton.id, 1_000_000, '2026-04-15', 'LBM POOL Q1')
  await openPot(trx, managerId, southWestLondon.id)

  const national = await createPot(trx, managerId, {
    name: NATIONAL_POT,
    placeId: null,
    hostFunderId: funder(HOST_NATIONAL),
    poolManagerUserId: managerId,
    financialYear: '2026-27',
    availableBasis: 'received',
    yearEndPolicy: 'carry_forward',
  })
  const arts = await pledge(national.id, ARTS, 5_000_000, { outcomeAreas: ['arts_and_culture', 'dementia'] })
  await receive(arts.id, 1_250_000, '2026-04-20', 'ACE 2026 Q1')
  await openPot(trx, managerId, national.id)

  return {
    southWestLondon: { ...southWestLondon, status: 'open' },
    national: { ...national, status: 'open' },
    contributionIds: { nhs: nhs.id, lottery: lottery.id, merton: merton.id, arts: arts.id },
  }
}
