/**
 * Demo rounds, made through the fund manager's domain functions (so the audit trail and every rule apply):
 * - a Thriving-Communities-style round that closed earlier (published, then closed), with the full question set;
 * - this year's Thriving-Communities-style round, COPIED from it (as a manager would), open from today until 12:00
 *   London time four weeks from now: panel-scored, £25,000 to £50,000, 20% match funding (in-kind counts), a
 *   partnership of at least 2 partners, several integrated care boards;
 * - a Power-of-Music-style round open now for 48 hours: first come, first served, 100 grants of £1,000, at most 40%
 *   to one NHS region and at least 20% kept for priority communities, £1,000 or £2,000 a year for 3 years, a short
 *   question set and two eligibility questions.
 *
 * Wiring (db/seed/demo.ts, inside its transaction, after the funds and places exist):
 *   await seedRounds(trx, { managerUserId, fundIdBySlug: { 'thriving-communities': id, 'power-of-music': id },
 *                          placeIdByOds: { QWE: id, QOP: id, QHM: id, QMF: id, QUY: id }, now: new Date() })
 */
import { addWeeks, subDays } from 'date-fns'
import type { Transaction } from 'kysely'
import type { DB } from '../schema.ts'
import { copyRound } from '../../app/domain/funds/copy.server.ts'
import { addQuestion, type QuestionInput } from '../../app/domain/funds/questions.server.ts'
import { RoundRulesSchema } from '../../app/domain/funds/round-rules.ts'
import {
  addEligibilityQuestion,
  closeRound,
  createRound,
  publishRound,
  updateRound,
  type QuestionStage,
  type RoundDetailsInput,
} from '../../app/domain/funds/rounds.server.ts'
import { formatLondon, londonDateTimeToUtc } from '../../app/lib/dates.ts'

export interface SeedRoundsContext {
  managerUserId: number
  fundIdBySlug: Readonly<Record<string, number>>
  placeIdByOds: Readonly<Record<string, number>>
  now: Date
}

export interface SeededRounds {
  thrivingCommunities: { id: number; slug: string }
  powerOfMusic: { id: number; slug: string }
  closedThrivingCommunities: { id: number; slug: string }
}

type SeedQuestion = Omit<QuestionInput, 'helpText' | 'required' | 'config'> & { key: string; helpText?: string; required?: boolean; config?: QuestionInput['config'] }

export const THRIVING_QUESTIONS: SeedQuestion[] = [
  { section: 'About your partnership', key: 'partners', type: 'partners_table', label: 'Your partners', helpText: 'Each partner organisation, its role, and a letter of support.' },
  { section: 'About your partnership', key: 'link_worker_approach', type: 'long_text', label: 'How will your partnership work with social prescribing link workers?', config: { wordLimit: 300 } },
  { section: 'About your partnership', key: 'worked_with_link_workers', type: 'yes_no', label: 'Have any of the partners worked with link workers before?' },
  {
    section: 'About your partnership',
    key: 'link_worker_experience',
    type: 'long_text',
    label: 'Tell us about that work',
    required: false,
    config: { wordLimit: 150, showIf: { questionKey: 'worked_with_link_workers', equals: 'yes' } },
  },
  { section: 'Your project', key: 'project_title', type: 'short_text', label: 'Project title' },
  { section: 'Your project', key: 'project_summary', type: 'long_text', label: 'What will you do, and who will take part?', config: { wordLimit: 500 } },
  { section: 'Your project', key: 'people_taking_part', type: 'number', label: 'About how many people will take part?' },
  { section: 'Your project', key: 'start_date', type: 'date', label: 'When will the project start?' },
  {
    section: 'Your project',
    key: 'activity_type',
    type: 'single_choice',
    label: 'Which best describes the activity?',
    config: { options: ['Arts and culture', 'Nature and green space', 'Sport and physical activity', 'Money and debt advice', 'Something else'] },
  },
  {
    section: 'Your project',
    key: 'communities',
    type: 'multiple_choice',
    label: 'Which communities will the project reach?',
    required: false,
    config: { options: ['Black, Asian and ethnically diverse communities', 'Disabled people', 'Older people', 'People on low incomes', 'Young people'] },
  },
  { section: 'Budget and match funding', key: 'budget', type: 'budget_table', label: 'Project budget', helpText: 'Every cost, and whether it is paid in cash or given in kind.' },
  { section: 'Budget and match funding', key: 'amount_requested', type: 'money', label: 'Amount you are asking for' },
  { section: 'Documents', key: 'governing_document', type: 'file_upload', label: 'Your governing document', helpText: 'Your constitution, articles or trust deed: PDF, Word or an image, up to 10 MB.' },
]

const MUSIC_QUESTIONS: SeedQuestion[] = [
  { section: 'Your group', key: 'group_name', type: 'short_text', label: 'Name of your choir or music group' },
  { section: 'Your group', key: 'members', type: 'number', label: 'How many people come to your sessions?' },
  { section: 'Your group', key: 'dementia_support', type: 'long_text', label: 'How does your group support people living with dementia?', config: { wordLimit: 200 } },
  { section: 'Your grant', key: 'amount_per_year', type: 'single_choice', label: 'How much a year are you applying for?', config: { options: ['£1,000', '£2,000'] } },
]

export async function addQuestions(trx: Transaction<DB>, actor: number, roundId: number, stage: QuestionStage, questions: SeedQuestion[]): Promise<void> {
  for (const q of questions) {
    await addQuestion(trx, actor, { roundId, stage, helpText: null, required: true, config: {}, ...q })
  }
}

/** 12:00 London time on the London calendar day of `instant`. */
function middayLondon(instant: Date): string {
  return londonDateTimeToUtc(formatLondon(instant, 'yyyy-MM-dd'), '12:00')
}

function fundId(ctx: SeedRoundsContext, slug: string): number {
  const id = ctx.fundIdBySlug[slug]
  if (!id) throw new Error(`Demo seed: no fund with slug ${slug}`)
  return id
}

export const THRIVING_TYPES = ['registered_charity', 'cio', 'cic', 'community_benefit_society', 'cooperative_society'] as const

export const THRIVING_GUIDANCE = `This round funds place-based partnerships of local voluntary organisations that work with social prescribing link workers to connect people with creative, cultural, nature and physical activity.

The lead applicant must be a registered charity, CIO, community interest company, or co-operative or community benefit society, leading at least two other local organisations.

You must find at least 20% of the project cost from other sources. It can come from NHS partners, councils, trusts or philanthropy, and in-kind support (staff time, venue hire, materials) counts.`

export async function seedRounds(trx: Transaction<DB>, ctx: SeedRoundsContext): Promise<SeededRounds> {
  const actor = ctx.managerUserId
  const thrivingFund = fundId(ctx, 'thriving-communities')
  const musicFund = fundId(ctx, 'power-of-music')
  const thrivingRules = RoundRulesSchema.parse({
    matchFunding: { percentOfProjectCost: 20, inKindCounts: true },
    partnership: { leadOrganisationTypes: [...THRIVING_TYPES], minimumPartners: 2 },
    eligibleOrganisationTypes: [...THRIVING_TYPES],
  })
  const thrivingDetails = (title: string, opensAt: string, closesAt: string, placeIds: number[]): RoundDetailsInput => ({
    title,
    summary: 'Grants of £25,000 to £50,000 for local partnerships that connect people with creative, nature and physical activity through social prescribing.',
    guidance: THRIVING_GUIDANCE,
    opensAt,
    closesAt,
    budgetPence: 180_000_000,
    minGrantPence: 2_500_000,
    maxGrantPence: 5_000_000,
    stages: 'single',
    allocationMethod: 'panel',
    rules: thrivingRules,
    placeIds,
  })

  // Last year's round: opened 120 days ago, closed at midday 60 days ago.
  const earlierOpens = middayLondon(subDays(ctx.now, 120))
  const earlierCloses = middayLondon(subDays(ctx.now, 60))
  const earlier = await createRound(trx, actor, { fundId: thrivingFund, title: 'Thriving Communities 2025/26' })
  await updateRound(trx, actor, earlier.id, thrivingDetails(earlier.title, earlierOpens, earlierCloses, []))
  await addQuestions(trx, actor, earlier.id, 'full', THRIVING_QUESTIONS)
  await publishRound(trx, actor, earlier.id, new Date(earlierOpens))
  await closeRound(trx, actor, earlier.id, ctx.now)

  // This year's round, copied from last year's, open from the start of today until midday four weeks from now.
  const opensToday = londonDateTimeToUtc(formatLondon(ctx.now, 'yyyy-MM-dd'), '00:00')
  const thriving = await copyRound(trx, actor, { fromRoundId: earlier.id, title: 'Thriving Communities 2026/27', opensAt: opensToday, closesAt: middayLondon(addWeeks(ctx.now, 4)) })
  const places = ['QWE', 'QOP', 'QHM', 'QMF', 'QUY'].map((ods) => ctx.placeIdByOds[ods]).filter((id): id is number => !!id)
  await updateRound(trx, actor, thriving.id, thrivingDetails(thriving.title, thriving.opensAt!, thriving.closesAt!, places))
  await publishRound(trx, actor, thriving.id, ctx.now)

  // The Power of Music pilot: first come, first served, open now for 48 hours.
  const music = await createRound(trx, actor, { fundId: musicFund, title: 'Power of Music: dementia choirs' })
  await updateRound(trx, actor, music.id, {
    title: music.title,
    summary: '100 grants for groups of 10 or more people that bring music to people living with dementia: £1,000 or £2,000 a year for 3 years, first come, first served.',
    guidance: `Registration is open for 48 hours. Grants are given in the order complete applications arrive, weighted so that no NHS region receives more than 40% of them and at least 20% go to groups led by or mainly serving a priority community.

Grants are paid into a bank account in your group's name, never a personal account.`,
    opensAt: ctx.now.toISOString(),
    closesAt: new Date(ctx.now.getTime() + 48 * 60 * 60 * 1000).toISOString(),
    budgetPence: 60_000_000,
    minGrantPence: 100_000,
    maxGrantPence: 200_000,
    stages: 'single',
    allocationMethod: 'fcfs',
    rules: RoundRulesSchema.parse({
      eligibleOrganisationTypes: ['registered_charity', 'cio', 'cic', 'company_limited_by_guarantee', 'unincorporated_group', 'nhs_body'],
      multiYear: { years: 3, amountsPerYearPence: [100_000, 200_000] },
      fcfs: { grantCount: 100, grantAmountPence: 100_000, maxPercentPerRegion: 40, minPercentPriorityCommunity: 20 },
    }),
    placeIds: [],
  })
  await addEligibilityQuestion(trx, actor, music.id, {
    label: 'Does your group have 10 or more people?',
    options: ['Yes', 'No'],
    blockingAnswers: ['No'],
    reason: 'This fund is for groups of 10 or more people.',
  })
  await addEligibilityQuestion(trx, actor, music.id, {
    label: "Will the grant be paid into a bank account in your group's name?",
    options: ['Yes', 'No'],
    blockingAnswers: ['No'],
    reason: "Grants can only be paid into a bank account in the group's name, not a person's.",
  })
  await addQuestions(trx, actor, music.id, 'full', MUSIC_QUESTIONS)
  await publishRound(trx, actor, music.id, ctx.now)

  return {
    thrivingCommunities: { id: thriving.id, slug: thriving.slug },
    powerOfMusic: { id: music.id, slug: music.slug },
    closedThrivingCommunities: { id: earlier.id, slug: earlier.slug },
  }
}
