/**
 * Helpers for tests of funds and rounds (not used by the app): a fund with a funder, and rounds made through the
 * real domain functions. Other areas' tests may use them to get an open round to apply to:
 *
 *   const round = await createOpenRound(db, { now })            // published, open for 14 days, one question
 */
import crypto from 'node:crypto'
import type { Kysely } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { createFund, createFunder } from './funds.server.ts'
import { addQuestion } from './questions.server.ts'
import { RoundRulesSchema } from './round-rules.ts'
import { createRound, publishRound, updateRound, type RoundDetailsInput, type Round } from './rounds.server.ts'

const DAY = 24 * 60 * 60 * 1000

export async function createTestFund(db: Kysely<DB>, options: { name?: string } = {}) {
  const suffix = crypto.randomBytes(3).toString('hex')
  return db.transaction().execute(async (trx) => {
    const funder = await createFunder(trx, null, { name: `Test Funder ${suffix}`, kind: 'trust', orgIdentifier: null, placeId: null })
    const fund = await createFund(trx, null, {
      name: options.name ?? `Test Fund ${suffix}`,
      slug: `test-fund-${suffix}`,
      description: 'A fund for tests.',
      shape: 'other',
      funderIds: [funder.id],
    })
    return { fund, funder }
  })
}

/** Details for a complete panel round open from `now - 1 day` for `days` days. */
export function readyDetails(now: Date, overrides: Partial<RoundDetailsInput> = {}): RoundDetailsInput {
  return {
    title: 'Test Round',
    summary: 'Grants for community groups.',
    guidance: 'Read this first.',
    opensAt: new Date(now.getTime() - DAY).toISOString(),
    closesAt: new Date(now.getTime() + 14 * DAY).toISOString(),
    budgetPence: 10_000_000,
    minGrantPence: 100_000,
    maxGrantPence: 500_000,
    stages: 'single',
    allocationMethod: 'panel',
    rules: RoundRulesSchema.parse({}),
    placeIds: [],
    ...overrides,
  }
}

/** A draft round with complete details and one question in the full application. */
export async function createReadyDraft(db: Kysely<DB>, options: { now?: Date; fundId?: number; details?: Partial<RoundDetailsInput> } = {}): Promise<Round> {
  const now = options.now ?? new Date()
  const fundId = options.fundId ?? (await createTestFund(db)).fund.id
  return db.transaction().execute(async (trx) => {
    const draft = await createRound(trx, null, { fundId, title: options.details?.title ?? 'Test Round' })
    const round = await updateRound(trx, null, draft.id, readyDetails(now, options.details))
    await addQuestion(trx, null, { roundId: round.id, stage: 'full', section: 'Your project', type: 'short_text', label: 'Project title', helpText: null, required: true, config: {} })
    if (round.stages === 'two_stage') {
      await addQuestion(trx, null, { roundId: round.id, stage: 'eoi', section: 'Your idea', type: 'short_text', label: 'Your idea in a sentence', helpText: null, required: true, config: {} })
    }
    return round
  })
}

/** A published round, open at `now` (from a day before to 14 days after, unless the details say otherwise). */
export async function createOpenRound(db: Kysely<DB>, options: { now?: Date; fundId?: number; details?: Partial<RoundDetailsInput> } = {}): Promise<Round> {
  const now = options.now ?? new Date()
  const draft = await createReadyDraft(db, { ...options, now })
  return db.transaction().execute((trx) => publishRound(trx, null, draft.id, now))
}
