/**
 * Helpers for applicant-journey tests (not used by the app): a Thriving-Communities-style round made through the
 * rounds domain, with a question of every type the form renders, and an organisation to apply with.
 *
 *   const { round } = await createPartnershipRound(db, { now })
 *   const { organisation, admin } = await createOrganisationWithAdmin(db)
 */
import type { Kysely } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { addQuestion } from '~/domain/funds/questions.server.ts'
import { RoundRulesSchema, type RoundRules } from '~/domain/funds/round-rules.ts'
import { createRound, publishRound, setRoundRules, updateRound, type Round, type RoundDetailsInput } from '~/domain/funds/rounds.server.ts'
import { createTestFund, readyDetails } from '~/domain/funds/test-support.server.ts'

export const TC_RULES: RoundRules = RoundRulesSchema.parse({
  matchFunding: { percentOfProjectCost: 20, inKindCounts: true },
  partnership: { leadOrganisationTypes: ['registered_charity', 'cio', 'cic', 'community_benefit_society', 'cooperative_society', 'unincorporated_group'], minimumPartners: 2 },
  eligibilityQuestions: [
    { key: 'link_workers', label: 'Will you work with social prescribing link workers?', options: ['Yes', 'No'], blockingAnswers: ['No'], reason: 'Projects must work with social prescribing link workers.' },
  ],
})

/** A published, open partnership round (£25,000-£50,000, 20% match funding with in-kind, 2+ partners). */
export async function createPartnershipRound(
  db: Kysely<DB>,
  options: { now?: Date; rules?: Partial<RoundRules>; details?: Partial<RoundDetailsInput>; fundName?: string } = {},
): Promise<Round> {
  const now = options.now ?? new Date()
  const { fund } = await createTestFund(db, { name: options.fundName ?? 'Thriving Communities Fund' })
  return db.transaction().execute(async (trx) => {
    const draft = await createRound(trx, null, { fundId: fund.id, title: 'Thriving Communities 2026' })
    const round = await updateRound(
      trx,
      null,
      draft.id,
      readyDetails(now, { title: 'Thriving Communities 2026', minGrantPence: 2_500_000, maxGrantPence: 5_000_000, rules: { ...TC_RULES, ...options.rules }, ...options.details }),
    )
    await setRoundRules(trx, null, round.id, { ...round.rules, eligibilityQuestions: TC_RULES.eligibilityQuestions })
    const add = (section: string, key: string, type: Parameters<typeof addQuestion>[2]['type'], label: string, required: boolean, config: Parameters<typeof addQuestion>[2]['config'] = {}) =>
      addQuestion(trx, null, { roundId: round.id, stage: 'full', section, key, type, label, helpText: null, required, config })
    await add('Your project', 'project_title', 'short_text', 'Project title', true)
    await add('Your project', 'summary', 'long_text', 'Summary of your project', true, { wordLimit: 50 })
    await add('Your project', 'start_date', 'date', 'When will the project start?', false)
    await add('Your project', 'people', 'number', 'How many people will take part?', false)
    await add('Your project', 'activities', 'multiple_choice', 'Activities', false, { options: ['Arts', 'Sport', 'Nature'] })
    await add('Your project', 'has_venue', 'yes_no', 'Do you have a venue?', true)
    await add('Your project', 'venue_name', 'short_text', 'Name of the venue', true, { showIf: { questionKey: 'has_venue', equals: 'yes' } })
    await add('Money', 'amount_requested', 'money', 'How much are you asking for?', true)
    await add('Money', 'budget', 'budget_table', 'Your budget', true)
    await add('Partnership', 'partners', 'partners_table', 'Your partners', true)
    await add('Partnership', 'reach', 'single_choice', 'Who will you reach?', true, { options: ['Older people', 'Young people', 'Everyone'] })
    await add('Documents', 'plan', 'file_upload', 'Project plan', false)
    if (round.stages === 'two_stage') {
      await addQuestion(trx, null, { roundId: round.id, stage: 'eoi', section: 'Your idea', key: 'project_title', type: 'short_text', label: 'Project title', helpText: null, required: true, config: {} })
    }
    return publishRound(trx, null, round.id, now)
  })
}

/** The smallest real PDF (checked by content): enough for file-type to recognise it. */
export function tinyPdf(): Uint8Array<ArrayBuffer> {
  return new Uint8Array(new TextEncoder().encode('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n'))
}

/** A PNG signature and header: file-type recognises it as image/png. */
export function tinyPng(): Uint8Array<ArrayBuffer> {
  return Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89])
}
