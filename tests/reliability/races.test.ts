/**
 * Races: the same thing asked twice, or by many people, at the same moment, through the built server run as
 * production runs it (two worker processes on one database: WEB_CONCURRENCY=2), with real signed-in HTTP requests.
 * On SQLite two processes share one file, so only the database's write lock (BEGIN IMMEDIATE) keeps them apart; on
 * PostgreSQL each worker has its own pool, so row locks do. Each race runs several rounds (RELIABILITY_RACE_ROUNDS,
 * default 5) and must come out exactly the same way every time: one winner, the others a clear 409, never a 5xx, and
 * money moved once.
 *
 * The domain's own tests race the same functions inside one process (app/domain/payments/payment-runs.server.test.ts,
 * app/domain/budgets/commitments.server.test.ts, app/domain/awards/offers.server.test.ts) and 200 first-come-first-served
 * submissions across four processes (app/domain/applications/allocation.concurrency.server.test.ts); these prove the
 * routes in front of them answer a race politely and the outcome is exact end to end.
 */
import crypto from 'node:crypto'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { allocateInOrder, fcfsLimits } from '../../app/domain/applications/allocation.server.ts'
import { createApplicant, createFcfsRound, placesByRegion } from '../../app/domain/applications/fcfs-fixtures.server.ts'
import type { FcfsRules } from '../../app/domain/funds/round-rules.ts'
import { verifyLedger } from '../../app/domain/budgets/ledger.server.ts'
import { db } from '../../app/lib/db.server.ts'
import { verifyAuditChain } from '../../app/lib/audit.server.ts'
import { createAwardScenario } from '../factories/award-decisions.ts'
import { createMember, createOfferReadyAward } from '../factories/offers.ts'
import { createPaymentScenario, type PaymentScenario } from '../factories/payments.ts'
import { createUserWithRole } from '../factories/sessions.ts'
import { recordCheck } from './support/record.ts'
import { isRedirect, postForm, sessionCookie, type Answer } from './support/races-http.ts'
import { startApp, type RunningApp } from './support/server.ts'

const ROUNDS = Math.max(1, Number(process.env.RELIABILITY_RACE_ROUNDS ?? 5))

let app: RunningApp
beforeAll(async () => {
  app = await startApp({ env: { WEB_CONCURRENCY: '2' } })
}, 120_000)
afterAll(async () => {
  await app?.stop()
})

/** Fires every request at once (after every cookie is ready) and waits for all the answers. */
async function together(requests: (() => Promise<Answer>)[]): Promise<Answer[]> {
  return Promise.all(requests.map((r) => r()))
}

/** The names of the conditions that did not hold (empty when the round held). */
function failed(conditions: Record<string, boolean>): string[] {
  return Object.entries(conditions).flatMap(([name, holds]) => (holds ? [] : [name]))
}

const count = (answers: Answer[], test: (a: Answer) => boolean) => answers.filter(test).length
const serverErrors = (answers: Answer[]) => count(answers, (a) => a.status >= 500)

async function auditCount(action: string, entityType: string, entityId: number): Promise<number> {
  const rows = await db.selectFrom('audit_events').select('id').where('action', '=', action).where('entity_type', '=', entityType).where('entity_id', '=', String(entityId)).execute()
  return rows.length
}

async function paidEntries(trancheId: number): Promise<number> {
  const rows = await db.selectFrom('ledger_entries').select('id').where('idempotency_key', 'like', `tranche:${trancheId}:%:paid:%`).execute()
  return rows.length
}

describe('payments', () => {
  let s: PaymentScenario
  let preparer: number
  let approvers: [number, number]
  beforeAll(async () => {
    s = await createPaymentScenario(db)
    preparer = (await createUserWithRole(db, 'finance_officer')).id
    approvers = [(await createUserWithRole(db, 'finance_officer')).id, (await createUserWithRole(db, 'finance_officer')).id]
  }, 120_000)

  test('two finance officers approve one payment run at the same moment: one approval, the other told it is already approved', async () => {
    let held = 0
    const problems: string[] = []
    for (let round = 0; round < ROUNDS; round++) {
      const award = await s.acceptedAward({ amountPence: 600_000 })
      const run = await s.run(preparer, award.trancheIds)
      expect(run.status).toBe('awaiting_approval')
      const entriesBefore = (await db.selectFrom('ledger_entries').select('id').execute()).length
      const cookies = await Promise.all(approvers.map(sessionCookie))
      const answers = await together(cookies.map((cookie) => () => postForm(app, `/finance/payment-runs/${run.id}`, cookie, { intent: 'approve' })))
      const row = await db.selectFrom('payment_runs').select(['status', 'approved_by']).where('id', '=', run.id).executeTakeFirstOrThrow()
      const refused = answers.find((a) => a.status === 409)
      const missed = failed({
        'no answer was a 5xx': serverErrors(answers) === 0,
        'exactly one succeeded': count(answers, (a) => isRedirect(a.status)) === 1,
        'the other was told it is already approved': !!refused?.body.includes('This payment run has already been approved.'),
        'the run is approved': row.status === 'approved',
        'by one of the two': approvers.includes(row.approved_by!),
        'one approval in the audit trail': (await auditCount('payment_run.approved', 'payment_run', run.id)) === 1,
        'approval posted nothing to the ledger': (await db.selectFrom('ledger_entries').select('id').execute()).length === entriesBefore,
      })
      if (missed.length === 0) held++
      else problems.push(`round ${round}: ${missed.join('; ')} (answers ${answers.map((a) => a.status).join(', ')})`)
    }
    recordCheck({ area: 'Races', check: 'two finance officers approve one payment run at the same moment', tried: ROUNDS, held })
    expect(problems).toEqual([])
  })

  test('a finance officer’s prepare-run form is sent twice at the same moment (a double click): one run, both answered with it', async () => {
    let held = 0
    const problems: string[] = []
    for (let round = 0; round < ROUNDS; round++) {
      const award = await s.acceptedAward({ amountPence: 100_000 })
      const cookie = await sessionCookie(preparer)
      const form = { rail: 'bacs', scope: 'ticked', trancheIds: String(award.trancheIds[0]), idempotencyKey: crypto.randomUUID() }
      const answers = await together([0, 1].map(() => () => postForm(app, '/finance', cookie, form)))
      const runs = await db.selectFrom('payment_runs').select('id').where('idempotency_key', '=', form.idempotencyKey).execute()
      const tranche = await db.selectFrom('tranches').select(['status', 'payment_run_id']).where('id', '=', award.trancheIds[0]!).executeTakeFirstOrThrow()
      const missed = failed({
        'no answer was a 5xx': serverErrors(answers) === 0,
        'both were sent to the run': answers.every((a) => isRedirect(a.status) && a.location === `/finance/payment-runs/${runs[0]?.id}`),
        'one run was made': runs.length === 1,
        'the payment is in it': tranche.status === 'in_run' && tranche.payment_run_id === runs[0]?.id,
        'one run in the audit trail': runs.length === 1 && (await auditCount('payment_run.prepared', 'payment_run', runs[0]!.id)) === 1,
      })
      if (missed.length === 0) held++
      else problems.push(`round ${round}: ${missed.join('; ')} (answers ${answers.map((a) => `${a.status} ${a.body.slice(0, 200)}`).join(', ')})`)
    }
    recordCheck({ area: 'Races', check: 'a finance officer’s prepare-run form is sent twice at the same moment', tried: ROUNDS, held })
    expect(problems).toEqual([])
  })

  test('two bank statements confirming the same payment are imported at the same moment: it is paid once', async () => {
    let held = 0
    const problems: string[] = []
    for (let round = 0; round < ROUNDS; round++) {
      const award = await s.acceptedAward({ amountPence: 200_000 })
      const run = await s.run(preparer, award.trancheIds)
      const cookies = await Promise.all([preparer, ...approvers].map(sessionCookie))
      const exported = await postForm(app, `/finance/payment-runs/${run.id}/export`, cookies[0]!, { format: 'csv' })
      expect(exported.status).toBe(303)
      const tranche = await db.selectFrom('tranches').select(['id', 'sequence', 'status']).where('id', '=', award.trancheIds[0]!).executeTakeFirstOrThrow()
      const application = await db.selectFrom('applications').select('reference').where('id', '=', award.applicationId).executeTakeFirstOrThrow()
      expect(tranche.status).toBe('sent')
      // Two different files (the bank's daily and weekly statements) that both show the payment leaving.
      const statements = [1, 2].map((n) => {
        const form = new FormData()
        const csv = `Date,Reference,Amount\n21/11/2026,${application.reference}/${tranche.sequence},-2000.00\n${n === 2 ? '22/11/2026,UNRELATED STANDING ORDER,-12.50\n' : ''}`
        form.append('statement', new File([csv], `statement-${round}-${n}.csv`, { type: 'text/csv' }))
        return form
      })
      const answers = await together(approvers.map((_, i) => () => postForm(app, '/finance/statements', cookies[i + 1]!, statements[i]!)))
      const lines = await db.selectFrom('bank_statement_lines').select('status').where('tranche_id', '=', tranche.id).execute()
      const after = await db.selectFrom('tranches').select('status').where('id', '=', tranche.id).executeTakeFirstOrThrow()
      const missed = failed({
        'no answer was a 5xx': serverErrors(answers) === 0,
        'both imports succeeded': count(answers, (a) => isRedirect(a.status)) === 2,
        'the payment is paid': after.status === 'paid',
        'one line matched it': lines.filter((l) => l.status === 'matched').length === 1,
        'the other line found it already paid': lines.filter((l) => l.status === 'already_paid').length === 1,
        'the payment is in the ledger': (await paidEntries(tranche.id)) > 0,
        'posted once for each contributor': (await paidEntries(tranche.id)) === (await db.selectFrom('tranche_parts').select('contribution_id').where('tranche_id', '=', tranche.id).where('amount_pence', '>', 0).execute()).length,
        'one payment in the audit trail': (await auditCount('tranche.paid', 'tranche', tranche.id)) === 1,
      })
      if (missed.length === 0) held++
      else problems.push(`round ${round}: ${missed.join('; ')} (answers ${answers.map((a) => a.status).join(', ')})`)
    }
    const ledger = await verifyLedger(db)
    recordCheck({ area: 'Races', check: 'two finance officers import statements confirming the same payment at the same moment', tried: ROUNDS, held: ledger.ok ? held : 0 })
    expect(problems).toEqual([])
    expect(ledger.problems).toEqual([])
  })
})

describe('pots', () => {
  test('eight awards of £10,000 are made at the same moment from a pot with £60,000 uncommitted: exactly six are committed', async () => {
    const BIDS = 8
    const AMOUNT = 1_000_000
    let held = 0
    const problems: string[] = []
    const manager = (await createUserWithRole(db, 'fund_manager')).id
    for (let round = 0; round < ROUNDS; round++) {
      const scenario = await createAwardScenario(db)
      const bids = []
      for (let i = 0; i < BIDS; i++) bids.push(await scenario.bid({ decisionAmountPence: AMOUNT }))
      const cookie = await sessionCookie(manager)
      const answers = await together(
        bids.map((bid) => () =>
          postForm(app, `/manage/applications/${bid.applicationId}/award`, cookie, {
            amount: '10000',
            potId: String(scenario.potId),
            outcomeAreas: 'health_and_wellbeing',
            splitChoice: 'proposed',
            idempotencyKey: crypto.randomUUID(),
          }),
        ),
      )
      const committed = await db
        .selectFrom('award_commitments')
        .innerJoin('contributions', 'contributions.id', 'award_commitments.contribution_id')
        .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('award_commitments.amount_pence'), eb.lit(0)).as('total'))
        .where('contributions.pot_id', '=', scenario.potId)
        .executeTakeFirstOrThrow()
      const awards = await db.selectFrom('awards').select('id').where('application_id', 'in', bids.map((b) => b.applicationId)).execute()
      const missed = failed({
        'no answer was a 5xx': serverErrors(answers) === 0,
        'six were committed': count(answers, (a) => isRedirect(a.status)) === 6,
        'two were refused with a 409': count(answers, (a) => a.status === 409) === BIDS - 6,
        'six awards exist': awards.length === 6,
        'the pot committed exactly £60,000': Number(committed.total) === 6 * AMOUNT,
      })
      if (missed.length === 0) held++
      else problems.push(`round ${round}: ${missed.join('; ')} (answers ${answers.map((a) => a.status).join(', ')})`)
    }
    const ledger = await verifyLedger(db)
    recordCheck({ area: 'Races', check: 'eight awards committed at the same moment against a pot with room for six', tried: ROUNDS, held: ledger.ok ? held : 0 })
    expect(problems).toEqual([])
    expect(ledger.problems).toEqual([])
  })
})

describe('first come, first served', () => {
  // A small round (three grants, at most one per region): the pilot's 200-submission run is
  // allocation.concurrency.server.test.ts; here every submission goes through the check-your-answers form at once.
  const RULES: FcfsRules = { grantCount: 3, grantAmountPence: 100_000, maxPercentPerRegion: 34, minPercentPriorityCommunity: null }
  const GROUPS = 10

  test('ten groups submit at the same moment for three grants: exactly three allocated in arrival order, the rest wait-listed', async () => {
    let held = 0
    const problems: string[] = []
    const regions = [...(await placesByRegion(db)).values()]
    for (let round = 0; round < ROUNDS; round++) {
      const { roundId } = await createFcfsRound(db, RULES)
      const groups = []
      for (let i = 0; i < GROUPS; i++) {
        const places = regions[i % 4]!
        groups.push(await createApplicant(db, { roundId, placeId: places[(round + i) % places.length]!, amountPence: 100_000 }))
      }
      const cookies = await Promise.all(groups.map((g) => sessionCookie(g.admin.id)))
      const answers = await together(groups.map((g, i) => () => postForm(app, `/applications/${g.applicationId}/check`, cookies[i]!, { declaration: 'on' })))
      const rows = await db.selectFrom('applications').select(['status', 'fcfs_position', 'fcfs_region', 'fcfs_priority']).where('round_id', '=', roundId).orderBy('fcfs_position').execute()
      const replay = allocateInOrder(fcfsLimits(RULES), rows.map((r) => ({ region: r.fcfs_region!, priority: r.fcfs_priority === 1 })))
      const regionsAllocated = rows.filter((r) => r.status === 'allocated').map((r) => r.fcfs_region)
      const missed = failed({
        'no answer was a 5xx': serverErrors(answers) === 0,
        'every submission was answered': count(answers, (a) => isRedirect(a.status)) === GROUPS,
        'three allocated': rows.filter((r) => r.status === 'allocated').length === 3,
        'the rest wait-listed': rows.filter((r) => r.status === 'waitlisted').length === GROUPS - 3,
        'one grant per region': new Set(regionsAllocated).size === 3,
        'arrival numbers 1 to 10, none shared': rows.map((r) => r.fcfs_position).join() === Array.from({ length: GROUPS }, (_, i) => i + 1).join(),
        'the outcomes are a one-at-a-time replay in arrival order': rows.map((r) => r.status).join() === replay.map((d) => d.outcome).join(),
      })
      if (missed.length === 0) held++
      else problems.push(`round ${round}: ${missed.join('; ')} (answers ${answers.map((a) => a.status).join(', ')})`)
    }
    recordCheck({ area: 'Races', check: 'ten groups submit at the same moment to a first-come-first-served round with three grants', tried: ROUNDS, held })
    expect(problems).toEqual([])
  })
})

describe('offers', () => {
  test('two members accept one offer at the same moment: one acceptance, the other told it is already accepted', async () => {
    let held = 0
    const problems: string[] = []
    const scenario = await createAwardScenario(db)
    for (let round = 0; round < ROUNDS; round++) {
      const award = await createOfferReadyAward(db, scenario, { amountPence: 500_000, issue: { dataDir: process.env.DATA_DIR! } })
      const members = [award.memberUserId, await createMember(db, award.organisationId, 'Tess Treasurer')]
      const cookies = await Promise.all(members.map(sessionCookie))
      const answers = await together(
        cookies.map((cookie, i) => () =>
          postForm(app, `/awards/${award.awardId}`, cookie, { intent: 'accept', name: `Member ${i}`, role: 'Trustee', declaration: 'on', idempotencyKey: crypto.randomUUID() }),
        ),
      )
      const row = await db.selectFrom('awards').select(['status', 'accepted_by']).where('id', '=', award.awardId).executeTakeFirstOrThrow()
      const scheduled = await db.selectFrom('tranches').select('status').where('award_id', '=', award.awardId).execute()
      const documents = await db.selectFrom('documents').select('id').where('owner_type', '=', 'award').where('owner_id', '=', award.awardId).where('purpose', '=', 'offer_letter_accepted').execute()
      const refused = answers.find((a) => a.status === 409)
      const missed = failed({
        'no answer was a 5xx': serverErrors(answers) === 0,
        'exactly one succeeded': count(answers, (a) => isRedirect(a.status)) === 1,
        'the other was told it is already accepted': !!refused?.body.includes('This offer was already accepted by'),
        'the award is accepted': row.status === 'accepted',
        'by one of the two': members.includes(row.accepted_by!),
        'the award has tranches': scheduled.length > 0,
        'its money is scheduled': scheduled.every((t) => t.status === 'scheduled'),
        'one accepted letter': documents.length === 1,
        'one acceptance in the audit trail': (await auditCount('award.accepted', 'award', award.awardId)) === 1,
      })
      if (missed.length === 0) held++
      else problems.push(`round ${round}: ${missed.join('; ')} (answers ${answers.map((a) => a.status).join(', ')})`)
    }
    const [ledger, audit] = await Promise.all([verifyLedger(db), verifyAuditChain(db)])
    recordCheck({ area: 'Races', check: 'two members of a group accept one offer at the same moment', tried: ROUNDS, held: ledger.ok && audit.ok ? held : 0 })
    expect(problems).toEqual([])
    expect(ledger.problems).toEqual([])
    expect(audit).toMatchObject({ ok: true })
  })
})
