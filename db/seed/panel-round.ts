/**
 * The demo's panel round: a Thriving-Communities-style "shared investment" round for place-based partnerships that
 * opened 45 days ago and closed 15 days ago, with eight submitted bids (five in NHS South West London, three
 * elsewhere) of £25,000 to £50,000 against a £150,000 budget, drawing on the South West London pot and the national
 * pot. Documents are asked for later, as a condition of the offer, so the bids are complete without uploads.
 * Made through the fund manager's and applicants' domain functions, like the rest of the demo.
 *
 * Wiring (db/seed/demo.ts, after seedRounds and seedPooledBudgets):
 *   const panelRound = await seedPanelRound(trx, { managerUserId, fundId, placeIdByOds, potIds, bids, now })
 */
import { subDays } from 'date-fns'
import type { Transaction } from 'kysely'
import type { DB } from '../schema.ts'
import { linkRoundToPot } from '../../app/domain/budgets/pots.server.ts'
import { RoundRulesSchema } from '../../app/domain/funds/round-rules.ts'
import { closeRound, createRound, publishRound, updateRound } from '../../app/domain/funds/rounds.server.ts'
import { seedApplications, type SeededApplication } from './applications.ts'
import { addQuestions, THRIVING_GUIDANCE, THRIVING_QUESTIONS, THRIVING_TYPES } from './rounds.ts'

export const PANEL_ROUND_TITLE = 'Thriving Communities: shared investment round, autumn 2026'

export interface SeedPanelRoundContext {
  managerUserId: number
  fundId: number
  placeIdByOds: Readonly<Record<string, number>>
  potIds: number[]
  /** Submitted bids, by the email of an admin of the bidding organisation. */
  bids: { email: string; amountPence: number; title: string }[]
  now: Date
}

export async function seedPanelRound(trx: Transaction<DB>, ctx: SeedPanelRoundContext): Promise<{ roundId: number; slug: string; applications: SeededApplication[] }> {
  const actor = ctx.managerUserId
  const opensAt = subDays(ctx.now, 45)
  const closesAt = subDays(ctx.now, 15)
  const round = await createRound(trx, actor, { fundId: ctx.fundId, title: PANEL_ROUND_TITLE })
  await updateRound(trx, actor, round.id, {
    title: PANEL_ROUND_TITLE,
    summary: 'Grants of £25,000 to £50,000 for local partnerships, paid from place-based pots that pool NHS, lottery, council and national money.',
    guidance: `${THRIVING_GUIDANCE}\n\nIf your bid is successful we will ask for your governing document and safeguarding policy before the first payment.`,
    opensAt: opensAt.toISOString(),
    closesAt: closesAt.toISOString(),
    budgetPence: 15_000_000,
    minGrantPence: 2_500_000,
    maxGrantPence: 5_000_000,
    stages: 'single',
    allocationMethod: 'panel',
    rules: RoundRulesSchema.parse({
      matchFunding: { percentOfProjectCost: 20, inKindCounts: true },
      partnership: { leadOrganisationTypes: [...THRIVING_TYPES], minimumPartners: 2 },
      eligibleOrganisationTypes: [...THRIVING_TYPES],
    }),
    placeIds: ['QWE', 'QMF', 'QOP', 'QUY'].map((ods) => ctx.placeIdByOds[ods]).filter((id): id is number => !!id),
  })
  await addQuestions(
    trx,
    actor,
    round.id,
    'full',
    THRIVING_QUESTIONS.filter((q) => q.type !== 'file_upload'),
  )
  await publishRound(trx, actor, round.id, opensAt)
  const applications = await seedApplications(trx, {
    roundId: round.id,
    applicants: ctx.bids.map((b) => ({ email: b.email, submit: true, amountPence: b.amountPence, title: b.title })),
    now: subDays(ctx.now, 20),
  })
  const notSubmitted = applications.filter((a) => a.status !== 'submitted')
  if (notSubmitted.length > 0) throw new Error(`Demo seed: panel bids not submitted: ${notSubmitted.map((a) => a.reference).join(', ')}`)
  await closeRound(trx, actor, round.id, ctx.now)
  for (const potId of ctx.potIds) await linkRoundToPot(trx, actor, { potId, roundId: round.id })
  const slug = (await trx.selectFrom('rounds').select('slug').where('id', '=', round.id).executeTakeFirstOrThrow()).slug
  return { roundId: round.id, slug, applications }
}
