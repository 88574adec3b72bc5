/**
 * Funders, funds, rounds and awards for pooled-budget tests, written with raw inserts (the awards area builds awards
 * through its own workflow; these tests only need rows to point at).
 *
 *   const funder = await createFunder(db, 'National Lottery Community Fund')
 *   const { fundId, roundId } = await createRound(db)
 *   const award = await createAward(db, { roundId, amountPence: 500_000 })
 */
import crypto from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import type { DB } from '../../db/schema.ts'
import { addContribution, recordReceipt } from '../../app/domain/budgets/contributions.server.ts'
import { createPot, openPot } from '../../app/domain/budgets/pots.server.ts'
import type { Conditions } from '../../app/domain/budgets/ring-fence.ts'

type AnyDb = Kysely<DB> | Transaction<DB>

const unique = () => crypto.randomBytes(4).toString('hex')

export async function createFunder(db: AnyDb, name = `Test Funder ${unique()}`, kind = 'trust'): Promise<{ id: number; name: string }> {
  const row = await db.insertInto('funders').values({ name, kind }).returning('id').executeTakeFirstOrThrow()
  return { id: row.id, name }
}

export async function createRound(db: AnyDb, options: { fundId?: number; title?: string } = {}): Promise<{ fundId: number; roundId: number }> {
  const fundId =
    options.fundId ??
    (await db.insertInto('funds').values({ name: `Test Fund ${unique()}`, slug: `fund-${unique()}`, shape: 'open_round' }).returning('id').executeTakeFirstOrThrow()).id
  const round = await db
    .insertInto('rounds')
    .values({ fund_id: fundId, title: options.title ?? `Test Round ${unique()}`, slug: `round-${unique()}`, status: 'published' })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { fundId, roundId: round.id }
}

/** An award (with the organisation and application it needs) in the round. */
export async function createAward(db: AnyDb, options: { roundId: number; amountPence?: number; placeId?: number | null }): Promise<{ id: number; reference: string; amountPence: number }> {
  const organisation = await db
    .insertInto('organisations')
    .values({ name: `Test Group ${unique()}`, legal_type: 'unincorporated_group', place_id: options.placeId ?? null })
    .returning('id')
    .executeTakeFirstOrThrow()
  const application = await db
    .insertInto('applications')
    .values({ reference: `APP-${unique()}`, round_id: options.roundId, organisation_id: organisation.id, status: 'approved', title: 'Test project', place_id: options.placeId ?? null })
    .returning('id')
    .executeTakeFirstOrThrow()
  const amountPence = options.amountPence ?? 500_000
  const reference = `AWD-${unique()}`
  const award = await db
    .insertInto('awards')
    .values({ reference, application_id: application.id, round_id: options.roundId, organisation_id: organisation.id, amount_pence: amountPence, status: 'offered' })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { id: award.id, reference, amountPence }
}

/** A user row with no roles (a pool manager, an actor for audit events). */
export async function createPlainUser(db: AnyDb, name = 'Pat Manager'): Promise<number> {
  const now = new Date().toISOString()
  const row = await db.insertInto('users').values({ email: `user-${unique()}@example.org`, name, updated_at: now }).returning('id').executeTakeFirstOrThrow()
  return row.id
}

/**
 * An open pot with contributions, each pledged (one instalment) and, when `receivedPence` is given, received.
 * Built through the domain functions, so the ledger and audit trail are as in the app.
 */
export async function createPotWithContributions(
  db: Kysely<DB>,
  options: {
    placeId?: number | null
    availableBasis?: 'received' | 'pledged'
    yearEndPolicy?: 'carry_forward' | 'return'
    financialYear?: string
    contributions: Array<{ funderName?: string; pledgedPence: number; receivedPence?: number; conditions?: Partial<Conditions>; isInKind?: boolean }>
  },
) {
  const actorId = await createPlainUser(db)
  const host = await createFunder(db)
  return db.transaction().execute(async (trx) => {
    const pot = await createPot(trx, actorId, {
      name: `Test pot ${unique()}`,
      placeId: options.placeId ?? null,
      hostFunderId: host.id,
      poolManagerUserId: actorId,
      financialYear: options.financialYear ?? '2026-27',
      availableBasis: options.availableBasis ?? 'received',
      yearEndPolicy: options.yearEndPolicy ?? 'carry_forward',
    })
    await openPot(trx, actorId, pot.id)
    const contributions = []
    for (const spec of options.contributions) {
      const funder = await createFunder(trx, spec.funderName ? `${spec.funderName} ${unique()}` : undefined)
      const contribution = await addContribution(trx, actorId, {
        potId: pot.id,
        funderId: funder.id,
        pledgedPence: spec.pledgedPence,
        instalments: [{ dueDate: '2026-04-01', amountPence: spec.pledgedPence }],
        conditions: spec.conditions,
        isInKind: spec.isInKind,
      })
      if (spec.receivedPence) {
        await recordReceipt(trx, actorId, {
          contributionId: contribution.id,
          amountPence: spec.receivedPence,
          receivedOn: '2026-04-02',
          reference: 'BACS',
          idempotencyKey: `test-receipt-${contribution.id}`,
          overPledgeReason: spec.receivedPence > spec.pledgedPence ? 'Extra given' : null,
        })
      }
      contributions.push({ ...contribution, funderName: funder.name })
    }
    return { pot, contributions, actorId, hostFunderId: host.id }
  })
}
