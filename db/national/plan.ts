/**
 * The national dataset, planned in memory: every row of every table, with explicit ids, built from a seeded PRNG and a
 * fixed "now" so the same scale always gives the same rows. Nothing here touches a database (write.ts does).
 *
 * This is a bulk load, not a replay of the app's domain functions (db/seed/demo.ts does that, one row at a time): the
 * rows are written the way the domain functions would have written them (the same statuses, JSON shapes, ledger
 * account codes, reason codes and idempotency keys), so every page reads them as its own. The pure rules are reused
 * where they exist (weighted scores, tranche shares, outcome statistics, money allocation). Where the app would
 * have stored a generated file (offer letter PDFs), the file is not made: awards keep their offer terms, so the
 * letter can be rendered again, but have no stored document.
 *
 * The shape: 12 funders; 20 funds (place-based pooled funds drawing on one pot per place per financial year, national
 * single-funder funds and consortium funds with a pot per fund per year); 200 rounds from 2023 to 2026 (most decided,
 * ~10 being assessed, ~10 open); 50,000 organisations with one person each; 200,000 applications; two assessors per
 * assessed bid scoring five criteria (1,000,000 criterion scores); 42,600 awards (40,000 or more of them published
 * grants) of four tranches and three annual impact returns each; the ledger entries all of that implies. Counts scale down with `scale` (never below 1).
 */
import { createHash } from 'node:crypto'
import { OUTCOME_AREAS } from '../../app/domain/budgets/ring-fence.ts'
import { shareTranches } from '../../app/domain/budgets/scheduling.server.ts'
import { REASONS, CONTRIBUTION_BUCKETS, contributionAccountCode, funderSourceCode } from '../../app/domain/budgets/accounts.ts'
import { weightedScoreMilli, type CriterionForScoring } from '../../app/domain/assessment/scoring.ts'
import { referencePrefix } from '../../app/domain/applications/applications.server.ts'
import { offerDeclaration } from '../../app/domain/awards/offer-labels.ts'
import { outcomeSumsOf } from '../../app/domain/returns/returns.server.ts'
import { emptyReturnData, spentOf, type ReturnData } from '../../app/domain/returns/return-form.ts'
import { reminderFrom, returnFormFor } from '../../app/domain/returns/return-schedule.ts'
import { allocateByWeights, formatPence, percentOfPence, scalePence, splitEvenly } from '../../app/lib/money.ts'
import { DEMO_CRITERIA } from '../seed/criteria.ts'
import { THRIVING_GUIDANCE, THRIVING_QUESTIONS } from '../seed/rounds.ts'
import { at, daysBetween, financialYearEnd, financialYearOf, longDate, plusDays, plusMonths, plusYears } from './calendar.ts'
import {
  NATIONAL_APPLICANT_EMAIL,
  NATIONAL_ASSESSOR_EMAIL,
  NATIONAL_FINANCE2_EMAIL,
  NATIONAL_FINANCE_EMAIL,
  NATIONAL_FINANCE_TOTP_SECRET,
  NATIONAL_FUNDER_EMAIL,
  NATIONAL_MANAGER_EMAIL,
  assessorEmail,
  organisationUserEmail,
} from './accounts.ts'
import { ACTIVITIES, FIRST_NAMES, FORMS, LAST_NAMES, ROLES_AT_ORGANISATION, STREETS, TOWNS } from './names.ts'
import { chance, int, mulberry32, shuffle, type Random } from './random.ts'

/**
 * Bump when the rows a scale produces change, so a stored dataset of an older version is regenerated. 3: the
 * maintained summaries (dashboards, bid scores, payment runs, returns, round statistics) are built after the load.
 */
export const NATIONAL_DATASET_VERSION = 3
export const DEFAULT_NOW = '2026-11-21T12:00:00.000Z'

/** Scale 1 sizes (the issue's numbers). Other scales round down, never below 1. */
export const FULL_SCALE = {
  places: 36,
  funders: 12,
  funds: 20,
  rounds: 200,
  organisations: 50_000,
  applications: 200_000,
  criterion_scores: 1_000_000,
  // The issue's 40,000 awards are 40,000 grants in the 360Giving files: about 6% of awards are declined, still
  // awaiting a reply, or inside their 30 days before publication, so 42,600 awards give 40,000 or more published.
  awards: 42_600,
  assessors: 300,
} as const

export const TRANCHES_PER_AWARD = 4
export const RETURNS_PER_AWARD = 3
export const CRITERIA_PER_ROUND = 5
export const ASSESSORS_PER_BID = 2

export function scaledCount(full: number, scale: number): number {
  return Math.max(1, Math.floor(full * scale + 1e-9))
}

export interface PlaceInput {
  id: number
  ods_code: string
  name: string
  region_name: string
}

export interface PlanInput {
  scale: number
  /** ISO instant the dataset treats as now. */
  now: string
  /** One argon2 hash of DEMO_PASSWORD, reused for every person. */
  passwordHash: string
  /** The places in force now (the 2026 ICBs), in id order. */
  places: PlaceInput[]
}

export interface TableRows {
  columns: string[]
  rows: unknown[][]
}

export interface NationalPlan {
  /** In foreign-key order: write them in this order. */
  tables: Map<string, TableRows>
  counts: Record<string, number>
  /** Tables whose ids are given here (their PostgreSQL sequences are set after the load). */
  idTables: string[]
}

/** Receives each row of a streamed table as it is made (SQLite inserts it at once, keeping memory flat). */
export type RowSink = (table: string, columns: readonly string[], row: unknown[]) => void

/** Tables whose rows are changed after they are made (statuses, budgets, posted totals): always kept until the end. */
const KEPT_TABLES = new Set(['funders', 'users', 'rounds', 'applications', 'ledger_accounts'])

class Table {
  readonly rows: unknown[][] = []
  count = 0
  name = ''
  sink: RowSink | undefined
  constructor(readonly columns: string[]) {}
  add(...values: unknown[]): void {
    this.count++
    if (this.sink) this.sink(this.name, this.columns, values)
    else this.rows.push(values)
  }
}

type FundKind = 'pooled' | 'single' | 'consortium'
type RoundPhase = 'decided' | 'assessing' | 'open'
type AppFate = 'assessed' | 'draft' | 'withdrawn' | 'ineligible' | 'submitted'

const FUNDERS: Array<{ name: string; kind: string }> = [
  { name: 'NHS England', kind: 'nhs' },
  { name: 'National Lottery Community Fund', kind: 'lottery' },
  { name: 'Local Government public health partnership', kind: 'council' },
  { name: 'National Academy for Social Prescribing', kind: 'trust' },
  { name: 'Arts Council England', kind: 'arts_council' },
  { name: 'Sport England', kind: 'other' },
  { name: 'The Utley Foundation', kind: 'trust' },
  { name: 'Music for All', kind: 'trust' },
  { name: 'Esmée Fairbairn Foundation', kind: 'trust' },
  { name: 'Paul Hamlyn Foundation', kind: 'trust' },
  { name: 'Natural England', kind: 'other' },
  { name: 'Barrow Cadbury Trust', kind: 'trust' },
]

/** Funder numbers are 1-based positions in FUNDERS. Pooled funds draw on the place pots; the rest on their own. */
const FUNDS: Array<{ name: string; kind: FundKind; funders: number[]; shape: string; summary: string }> = [
  { name: 'Thriving Communities Fund', kind: 'pooled', funders: [1, 2, 3, 4], shape: 'thriving_communities', summary: 'Grants for local partnerships that connect people with creative, nature and physical activity through social prescribing.' },
  { name: 'Creative Health Fund', kind: 'single', funders: [5], shape: 'other', summary: 'Arts Council England grants for creative activity that people are referred to by link workers.' },
  { name: 'Healthy Ageing Partnership Fund', kind: 'consortium', funders: [4, 7, 9], shape: 'other', summary: 'Grants from a consortium of trusts for activity with and for older people.' },
  { name: 'Green Social Prescribing Fund', kind: 'pooled', funders: [1, 2, 3, 11], shape: 'place_based_pot', summary: 'Place-based grants for nature and green-space activity, pooled from NHS, lottery and council money.' },
  { name: 'Active Lives Fund', kind: 'single', funders: [6], shape: 'other', summary: 'Sport England grants for physical activity for people with long-term conditions.' },
  { name: 'Power of Music Fund', kind: 'consortium', funders: [4, 7, 5, 8], shape: 'power_of_music', summary: 'Grants for groups that bring music to people living with dementia.' },
  { name: 'Community Wellbeing Fund', kind: 'pooled', funders: [1, 2, 3, 10], shape: 'place_based_pot', summary: 'Place-based grants for community groups that reduce loneliness, pooled across each integrated care system.' },
  { name: 'Music in Care Fund', kind: 'single', funders: [8], shape: 'other', summary: 'Grants for music in care homes and day centres.' },
  { name: 'Connected Communities Fund', kind: 'consortium', funders: [9, 10, 12], shape: 'other', summary: 'Grants for groups that connect people across generations and cultures.' },
  { name: 'Mental Health in the Community Fund', kind: 'pooled', funders: [1, 2, 3, 9], shape: 'place_based_pot', summary: 'Place-based grants for community mental health support that link workers can refer to.' },
  { name: 'Social Prescribing Innovation Fund', kind: 'single', funders: [4], shape: 'other', summary: 'Grants for new ways of connecting people with community activity.' },
  { name: 'Nature Recovery Wellbeing Fund', kind: 'single', funders: [11], shape: 'other', summary: 'Grants for volunteering in nature recovery for people referred by link workers.' },
  { name: 'Older People’s Friendship Fund', kind: 'consortium', funders: [7, 12], shape: 'other', summary: 'Grants for befriending and lunch clubs for older people.' },
  { name: 'Healthy Communities Fund', kind: 'pooled', funders: [1, 2, 3, 6], shape: 'place_based_pot', summary: 'Place-based grants for physical activity and healthy eating in the community.' },
  { name: 'Dementia Friendly Communities Fund', kind: 'single', funders: [9], shape: 'other', summary: 'Grants for activity that helps people living with dementia stay connected.' },
  { name: 'Youth Wellbeing Fund', kind: 'single', funders: [10], shape: 'other', summary: 'Grants for young adults’ wellbeing through creative and outdoor activity.' },
  { name: 'Arts on Prescription Fund', kind: 'consortium', funders: [5, 10, 4], shape: 'other', summary: 'Grants for arts on prescription programmes run with primary care.' },
  { name: 'Loneliness Action Fund', kind: 'pooled', funders: [1, 2, 3, 12], shape: 'place_based_pot', summary: 'Place-based grants for groups tackling loneliness, pooled from NHS, lottery, council and trust money.' },
  { name: 'Inclusive Sport Fund', kind: 'single', funders: [6], shape: 'other', summary: 'Grants for inclusive sport for disabled people and people with long-term conditions.' },
  { name: 'Cultural Wellbeing Consortium Fund', kind: 'consortium', funders: [5, 8, 12], shape: 'other', summary: 'Grants for museums, libraries and heritage groups working with link workers.' },
]

const ROUND_QUESTIONS = THRIVING_QUESTIONS.filter((q) => q.section !== 'About your partnership' && q.type !== 'file_upload')
const DECLINE_REASONS = [
  'Not enough evidence of local need',
  'No clear referral route from social prescribing link workers',
  'Scored below other bids for the money available',
]
const DECLINE_FEEDBACK = 'The panel liked the plan but it scored below other bids for the money available. We would welcome a new bid in a future round.'
const RECOMMEND_RATIONALE = 'Scored well on local need and on its partnership with link workers; the panel funds the amount asked for.'
const RESERVE_RATIONALE = 'A good bid just below the line: on the reserve list if money becomes available.'
const INELIGIBLE_REASON = 'Not eligible: the organisation type or area is outside what this round funds.'
const SUMMARIES = [
  'Weekly sessions for people referred by social prescribing link workers, run with our local partners.',
  'A friendly group that meets twice a week, with transport for people who cannot get there on their own.',
  'Outdoor sessions in local green spaces, with a volunteer buddy for each new member.',
  'Creative workshops led by local artists, ending in a public exhibition made by the group.',
]
const ACTIVITY_TYPES = ['Arts and culture', 'Nature and green space', 'Sport and physical activity', 'Money and debt advice', 'Something else']
const COMMUNITIES = ['Black, Asian and ethnically diverse communities', 'Disabled people', 'Older people', 'People on low incomes', 'Young people']
const LEGAL_TYPES = ['registered_charity', 'cio', 'cic', 'community_benefit_society', 'cooperative_society', 'company_limited_by_guarantee', 'unincorporated_group'] as const
const SCORE_COMMENTS = {
  high: 'Strong: specific local evidence and partners who have confirmed their part.',
  mid: 'Adequate; some detail is missing, such as how people will be followed up.',
  low: 'Weak: little evidence is given and the plan relies on partners who have not confirmed.',
  gateway: 'A safeguarding policy for adults at risk is in place, reviewed this year, with a named lead.',
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const shortPlaceName = (name: string) => name.replace(/^NHS /, '').replace(/ Integrated Care Board$/, '')
const slugify = (text: string) =>
  text
    .toLowerCase()
    .replace(/[’']/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')

/** Splits `total` into `parts` near-equal whole counts (largest remainder). */
function spread(total: number, parts: number): number[] {
  if (parts <= 0) return []
  return allocateByWeights(total, Array.from({ length: parts }, () => 1))
}

/**
 * Plans the dataset. With `sink`, rows of tables that never change after they are made go straight to it and only
 * the kept tables (KEPT_TABLES) come back in `tables`; without, every table comes back.
 */
export function planNationalDataset(input: PlanInput, sink?: RowSink): NationalPlan {
  const random: Random = mulberry32(0x2026_0008 ^ Math.round(input.scale * 1_000_000))
  const now = input.now
  const today = now.slice(0, 10)
  const S = input.scale
  const n = {
    places: Math.min(input.places.length, scaledCount(FULL_SCALE.places, S)),
    funders: scaledCount(FULL_SCALE.funders, S),
    funds: scaledCount(FULL_SCALE.funds, S),
    rounds: scaledCount(FULL_SCALE.rounds, S),
    organisations: scaledCount(FULL_SCALE.organisations, S),
    applications: scaledCount(FULL_SCALE.applications, S),
    scores: scaledCount(FULL_SCALE.criterion_scores, S),
    awards: scaledCount(FULL_SCALE.awards, S),
    assessors: Math.max(ASSESSORS_PER_BID + 1, scaledCount(FULL_SCALE.assessors, S)),
  }
  const places = input.places.slice(0, n.places)

  const t = {
    funders: new Table(['id', 'name', 'kind', 'org_identifier', 'place_id', 'created_at']),
    users: new Table(['id', 'email', 'name', 'password_hash', 'totp_secret', 'totp_enabled_at', 'password_changed_at', 'created_at', 'updated_at']),
    user_roles: new Table(['id', 'user_id', 'role', 'funder_id', 'granted_by', 'created_at']),
    organisations: new Table(['id', 'name', 'legal_type', 'charity_number', 'company_number', 'address_line_1', 'address_line_2', 'town', 'postcode', 'place_id', 'main_contact_user_id', 'priority_community', 'created_at', 'updated_at']),
    organisation_places: new Table(['id', 'organisation_id', 'place_id', 'created_at']),
    memberships: new Table(['id', 'user_id', 'organisation_id', 'role', 'created_at']),
    bank_accounts: new Table(['id', 'organisation_id', 'account_name', 'sort_code', 'account_number', 'status', 'name_mismatch', 'entered_by', 'verified_by', 'verified_at', 'is_change', 'verification_note', 'created_at']),
    funds: new Table(['id', 'name', 'slug', 'description', 'shape', 'created_at']),
    fund_funders: new Table(['id', 'fund_id', 'funder_id', 'created_at']),
    rounds: new Table([
      'id', 'fund_id', 'title', 'slug', 'summary', 'guidance', 'status', 'opens_at', 'closes_at', 'budget_pence', 'min_grant_pence', 'max_grant_pence', 'years',
      'stages', 'allocation_method', 'rules', 'published_at', 'created_at', 'updated_at', 'assessors_per_bid', 'blind_review', 'hide_peer_scores',
      'comments_required', 'disagreement_threshold', 'normalise_scores', 'decline_reasons', 'decisions_released_at', 'panel_held_on',
    ]),
    round_places: new Table(['id', 'round_id', 'place_id', 'created_at']),
    questions: new Table(['id', 'round_id', 'stage', 'section', 'position', 'key', 'type', 'label', 'help_text', 'required', 'config', 'created_at']),
    criteria: new Table(['id', 'round_id', 'position', 'name', 'guidance', 'weight', 'scale_min', 'scale_max', 'descriptors', 'is_gateway', 'created_at']),
    pots: new Table(['id', 'name', 'place_id', 'host_funder_id', 'pool_manager_user_id', 'financial_year', 'status', 'available_basis', 'year_end_policy', 'created_at']),
    round_pots: new Table(['id', 'round_id', 'pot_id', 'created_at']),
    contributions: new Table(['id', 'pot_id', 'funder_id', 'pledged_pence', 'conditions', 'spend_by', 'is_in_kind', 'created_at']),
    contribution_instalments: new Table(['id', 'contribution_id', 'due_date', 'amount_pence', 'created_at']),
    contribution_receipts: new Table(['id', 'contribution_id', 'amount_pence', 'received_on', 'reference', 'idempotency_key', 'source', 'recorded_by', 'created_at']),
    ledger_accounts: new Table(['id', 'code', 'name', 'kind', 'normal_balance', 'owner_type', 'owner_id', 'debits_posted_pence', 'credits_posted_pence', 'created_at']),
    applications: new Table([
      'id', 'reference', 'round_id', 'organisation_id', 'stage', 'status', 'title', 'place_id', 'amount_requested_pence', 'project_cost_pence', 'match_cash_pence',
      'match_in_kind_pence', 'answers', 'version', 'created_by', 'submitted_at', 'decided_at', 'decision_reason', 'screening_result', 'screening_reason',
      'screened_by', 'screened_at', 'outcome_areas', 'created_at', 'updated_at',
    ]),
    application_versions: new Table(['id', 'application_id', 'version', 'answers', 'created_by', 'created_at']),
    application_reference_counters: new Table(['prefix', 'last_value', 'created_at']),
    round_assessors: new Table(['id', 'round_id', 'user_id', 'is_chair', 'added_by', 'created_at']),
    assessments: new Table(['id', 'application_id', 'assessor_user_id', 'status', 'conflict_confirmed_at', 'weighted_score_milli', 'submitted_at', 'assigned_by', 'created_at', 'updated_at']),
    criterion_scores: new Table(['id', 'assessment_id', 'criterion_id', 'score', 'comment', 'created_at']),
    panel_decisions: new Table(['id', 'application_id', 'round_id', 'status', 'amount_pence', 'rationale', 'decline_reason', 'feedback', 'decided_by', 'decided_at', 'released_at', 'created_at']),
    panel_attendees: new Table(['id', 'round_id', 'user_id', 'name', 'role', 'created_at']),
    awards: new Table([
      'id', 'reference', 'application_id', 'round_id', 'organisation_id', 'amount_pence', 'status', 'conditions', 'accepted_at', 'accepted_name', 'accepted_role',
      'declined_at', 'published_at', 'planned_start', 'planned_end', 'offered_at', 'offered_by', 'offer_terms', 'accepted_by', 'accepted_declaration',
      'declined_by', 'declined_reason', 'schedule_kind', 'outcome_areas', 'published_by', 'created_at', 'updated_at',
    ]),
    award_commitments: new Table(['id', 'award_id', 'contribution_id', 'amount_pence', 'released_at', 'release_reason', 'created_at']),
    payment_runs: new Table(['id', 'reference', 'rail', 'status', 'total_pence', 'created_by', 'approved_by', 'approved_at', 'idempotency_key', 'needs_approval', 'threshold_pence', 'submitted_at', 'exported_at', 'exported_by', 'file_sha256', 'created_at']),
    tranches: new Table(['id', 'award_id', 'sequence', 'amount_pence', 'due_date', 'gate', 'status', 'payment_run_id', 'bank_account_id', 'sent_at', 'paid_at', 'cancelled_at', 'created_at', 'updated_at']),
    tranche_parts: new Table(['id', 'tranche_id', 'contribution_id', 'amount_pence', 'created_at']),
    returns: new Table([
      'id', 'award_id', 'kind', 'period_label', 'due_date', 'status', 'version', 'data', 'people_reached', 'submitted_at', 'reviewed_by', 'reviewed_at', 'form',
      'sessions_delivered', 'spent_pence', 'match_funding_pence', 'submitted_by', 'created_at', 'updated_at', 'reminded_due_at', 'reminded_overdue_at',
    ]),
    return_versions: new Table(['id', 'return_id', 'version', 'data', 'submitted_by', 'submitted_at', 'review_outcome', 'reviewed_by', 'reviewed_at', 'created_at']),
    return_counts: new Table(['id', 'return_id', 'dimension', 'category', 'count', 'created_at']),
    return_outcomes: new Table(['id', 'return_id', 'measure', 'basis', 'n', 'mean_before', 'mean_after', 'sum_change', 'sum_sq_change', 'created_at']),
    ledger_entries: new Table(['id', 'debit_account_id', 'credit_account_id', 'amount_pence', 'reason_code', 'memo', 'idempotency_key', 'ref_type', 'ref_id', 'actor_user_id', 'created_at']),
  }
  for (const [name, table] of Object.entries(t)) {
    table.name = name
    table.sink = KEPT_TABLES.has(name) ? undefined : sink
  }
  const ids: Record<string, number> = {}
  const nextId = (table: string) => (ids[table] = (ids[table] ?? 0) + 1)
  const start = '2023-03-01'
  const startAt = at(start, '09:00')

  // ------------------------------------------------------------------ people
  const personName = (i: number) => `${FIRST_NAMES[i % FIRST_NAMES.length]} ${LAST_NAMES[Math.floor(i / FIRST_NAMES.length) % LAST_NAMES.length]}`
  const addUser = (email: string, name: string, totp = false) => {
    const id = nextId('users')
    t.users.add(id, email, name, input.passwordHash, totp ? NATIONAL_FINANCE_TOTP_SECRET : null, totp ? startAt : null, startAt, startAt, startAt)
    return id
  }
  const addRole = (userId: number, role: string, funderId: number | null = null) => t.user_roles.add(nextId('user_roles'), userId, role, funderId, null, startAt)
  const managerId = addUser(NATIONAL_MANAGER_EMAIL, 'Helen Carter')
  const financeId = addUser(NATIONAL_FINANCE_EMAIL, 'Sam Rowe', true)
  const finance2Id = addUser(NATIONAL_FINANCE2_EMAIL, 'Jo Lee', true)
  const funderViewerId = addUser(NATIONAL_FUNDER_EMAIL, 'Nadia Hussain')
  const wellKnownAssessorId = addUser(NATIONAL_ASSESSOR_EMAIL, 'Priya Patel')
  const applicantId = addUser(NATIONAL_APPLICANT_EMAIL, 'Amira Khan')
  addRole(managerId, 'fund_manager')
  addRole(financeId, 'finance_officer')
  addRole(finance2Id, 'finance_officer')
  addRole(wellKnownAssessorId, 'assessor')
  const assessorIds: number[] = []
  const chairIds: number[] = []
  for (let i = 1; i <= n.assessors; i++) {
    const id = addUser(assessorEmail(i), personName(i * 7 + 3))
    addRole(id, 'assessor')
    assessorIds.push(id)
    if (i % 10 === 1) {
      addRole(id, 'panel_chair')
      chairIds.push(id)
    }
  }
  const nameOfUser = new Map<number, string>()
  for (const row of t.users.rows) nameOfUser.set(row[0] as number, row[2] as string)

  // ------------------------------------------------------------------ funders and funds
  const funderIds: number[] = []
  for (let i = 0; i < n.funders; i++) {
    const f = FUNDERS[i % FUNDERS.length]!
    const id = nextId('funders')
    t.funders.add(id, i < FUNDERS.length ? f.name : `${f.name} ${Math.floor(i / FUNDERS.length) + 1}`, f.kind, null, null, startAt)
    funderIds.push(id)
  }
  const funderName = (id: number) => t.funders.rows[id - 1]![1] as string
  addRole(funderViewerId, 'funder_viewer', funderIds[0]!)
  const funderNo = (k: number) => funderIds[(k - 1) % funderIds.length]!

  interface Fund {
    id: number
    name: string
    kind: FundKind
    funders: number[]
  }
  const funds: Fund[] = []
  for (let i = 0; i < n.funds; i++) {
    const def = FUNDS[i % FUNDS.length]!
    const id = nextId('funds')
    const name = i < FUNDS.length ? def.name : `${def.name} ${Math.floor(i / FUNDS.length) + 1}`
    const fundFunders = [...new Set(def.funders.map(funderNo))]
    // A pooled fund needs more than one funder to pool; with one funder in the dataset it is a single-funder fund.
    const kind: FundKind = def.kind !== 'single' && fundFunders.length < 2 ? 'single' : def.kind
    t.funds.add(id, name, slugify(name), def.summary, def.shape, startAt)
    for (const f of fundFunders) t.fund_funders.add(nextId('fund_funders'), id, f, startAt)
    funds.push({ id, name, kind, funders: fundFunders })
  }

  // ------------------------------------------------------------------ organisations and their people
  const orgUserId: number[] = [0]
  const orgPlace: number[] = [0]
  const orgName: string[] = ['']
  const orgAddress: string[] = ['']
  const orgsByPlace = new Map<number, number[]>(places.map((p) => [p.id, []]))
  const nameOrder = shuffle(mulberry32(77), Array.from({ length: TOWNS.length * ACTIVITIES.length * FORMS.length }, (_, i) => i))
  for (let k = 1; k <= n.organisations; k++) {
    const code = nameOrder[(k - 1) % nameOrder.length]!
    const town = TOWNS[code % TOWNS.length]!
    const activity = ACTIVITIES[Math.floor(code / TOWNS.length) % ACTIVITIES.length]!
    const form = FORMS[Math.floor(code / (TOWNS.length * ACTIVITIES.length)) % FORMS.length]!
    const round = Math.floor((k - 1) / nameOrder.length)
    const name = `${town} ${activity} ${form}${round > 0 ? ` ${round + 1}` : ''}`
    const legalType = LEGAL_TYPES[k % LEGAL_TYPES.length]!
    const charity = legalType === 'registered_charity' || legalType === 'cio' ? String(1_100_000 + k) : null
    const company = legalType === 'cic' || legalType === 'company_limited_by_guarantee' ? String(10_000_000 + k) : null
    const place = places[(k - 1) % places.length]!
    const userId = addUser(organisationUserEmail(k), personName(k))
    const createdAt = at(plusDays(start, k % 400), '11:00')
    const street = `${(k % 120) + 1} ${STREETS[k % STREETS.length]}`
    const postcode = `${String.fromCharCode(65 + (k % 26))}${String.fromCharCode(65 + ((k >> 3) % 26))}${(k % 9) + 1} ${(k % 8) + 1}${String.fromCharCode(65 + ((k >> 5) % 26))}${String.fromCharCode(65 + ((k >> 7) % 26))}`
    t.organisations.add(k, name, legalType, charity, company, street, null, town, postcode, place.id, userId, k % 5 === 0 ? 1 : 0, createdAt, createdAt)
    t.organisation_places.add(k, k, place.id, createdAt)
    t.memberships.add(nextId('memberships'), userId, k, 'admin', createdAt)
    orgUserId.push(userId)
    orgPlace.push(place.id)
    orgName.push(name)
    orgAddress.push(`${street}, ${town}, ${postcode}`)
    orgsByPlace.get(place.id)!.push(k)
  }
  ids.organisations = n.organisations
  ids.organisation_places = n.organisations
  t.memberships.add(nextId('memberships'), applicantId, 1, 'member', at(plusDays(start, 30), '11:00'))

  // ------------------------------------------------------------------ rounds: when, which fund, which places
  const nOpen = Math.floor(n.rounds * 0.05)
  const nAssessing = Math.floor(n.rounds * 0.05)
  const nDecided = n.rounds - nOpen - nAssessing
  interface Round {
    id: number
    fund: Fund
    phase: RoundPhase
    title: string
    opens: string
    closes: string
    decided: string | null
    placeIds: number[]
    potByPlace: Map<number, number>
    financialYear: string
    criteria: CriterionForScoring[]
    panel: number[]
    chairId: number
    apps: number[]
    prefix: string
  }
  const rounds: Round[] = []
  const lastDecidedClose = plusDays(today, -70)
  const firstClose = '2023-05-15'
  const decidedSpan = daysBetween(firstClose, lastDecidedClose)
  for (let i = 0; i < n.rounds; i++) {
    const phase: RoundPhase = i < nDecided ? 'decided' : i < nDecided + nAssessing ? 'assessing' : 'open'
    let closes: string
    let opens: string
    if (phase === 'decided') {
      closes = plusDays(firstClose, Math.round((decidedSpan * (i + 0.5)) / nDecided))
      opens = plusDays(closes, -42)
    } else if (phase === 'assessing') {
      const j = i - nDecided
      closes = plusDays(today, -45 + Math.round((38 * j) / Math.max(1, nAssessing - 1)))
      opens = plusDays(closes, -42)
    } else {
      const j = i - nDecided - nAssessing
      opens = plusDays(today, -30 + Math.round((28 * j) / Math.max(1, nOpen - 1)))
      closes = plusDays(today, 10 + 7 * j)
    }
    const decided = phase === 'decided' ? plusDays(closes, 56) : null
    const fund = funds[i % funds.length]!
    // Money for rounds not yet decided comes from this year's pots.
    const decisionYear = financialYearOf(decided ?? plusDays(closes, 56))
    const financialYear = decisionYear > financialYearOf(today) ? financialYearOf(today) : decisionYear
    const season = Number(opens.slice(5, 7)) >= 9 ? 'autumn' : Number(opens.slice(5, 7)) >= 5 ? 'summer' : 'spring'
    const title = `${fund.name}: ${season} ${opens.slice(0, 4)} round ${i + 1}`
    let placeIds: number[] = []
    if (fund.kind === 'pooled') {
      const count = Math.min(places.length, 6 + (i % 7))
      const first = (i * 7) % places.length
      placeIds = Array.from({ length: count }, (_, j) => places[(first + j) % places.length]!.id)
    }
    rounds.push({
      id: i + 1,
      fund,
      phase,
      title,
      opens,
      closes,
      decided,
      placeIds,
      potByPlace: new Map(),
      financialYear,
      criteria: [],
      panel: [],
      chairId: chairIds[i % chairIds.length] ?? assessorIds[0]!,
      apps: [],
      prefix: referencePrefix(fund.name),
    })
  }

  // ------------------------------------------------------------------ pots and contributions (amounts settled later)
  interface Contribution {
    id: number
    potId: number
    funderId: number
    weight: number
    conditions: Record<string, unknown>
    spendBy: string | null
    committedPence: number
  }
  interface Pot {
    id: number
    name: string
    financialYear: string
    contributions: Contribution[]
  }
  const pots: Pot[] = []
  const potIndex = new Map<string, Pot>()
  const financialYears = [...new Set(rounds.map((r) => r.financialYear))].sort()
  const addPot = (key: string, name: string, placeId: number | null, hostFunderId: number, financialYear: string, parts: Array<{ funderId: number; weight: number; conditions: Record<string, unknown> }>) => {
    const id = nextId('pots')
    const createdAt = at(`${financialYear.slice(0, 4)}-03-01`, '09:00')
    t.pots.add(id, `${name} ${financialYear}`, placeId, hostFunderId, managerId, financialYear, 'open', 'received', placeId === null ? 'carry_forward' : 'return', createdAt)
    const pot: Pot = { id, name: `${name} ${financialYear}`, financialYear, contributions: [] }
    const seen = new Set<number>()
    for (const part of parts) {
      if (seen.has(part.funderId)) continue
      seen.add(part.funderId)
      const conditions = { placeIds: null, outcomeAreas: null, fundIds: null, roundIds: null, spendBy: null, maxSharePercent: null, ...part.conditions }
      pot.contributions.push({ id: nextId('contributions'), potId: id, funderId: part.funderId, weight: part.weight, conditions, spendBy: (conditions.spendBy as string | null) ?? null, committedPence: 0 })
    }
    pots.push(pot)
    potIndex.set(key, pot)
    return pot
  }
  const hasPooled = funds.some((f) => f.kind === 'pooled')
  for (const fy of financialYears) {
    if (hasPooled) {
      for (const [pi, place] of places.entries()) {
        const trusts = [funderNo(4), funderNo(9), funderNo(10)].slice(0, pi % 3)
        addPot(`place:${place.id}:${fy}`, `${shortPlaceName(place.name)} shared investment pot`, place.id, funderNo(1), fy, [
          { funderId: funderNo(1), weight: 40, conditions: { placeIds: [place.id], outcomeAreas: ['health_and_wellbeing'], spendBy: financialYearEnd(fy) } },
          { funderId: funderNo(2), weight: 30, conditions: { maxSharePercent: 50 } },
          { funderId: funderNo(3), weight: 20, conditions: { placeIds: [place.id] } },
          ...trusts.map((f) => ({ funderId: f, weight: 10, conditions: {} })),
        ])
      }
    }
    for (const fund of funds.filter((f) => f.kind !== 'pooled')) {
      const parts = fund.funders.map((f, j) => ({ funderId: f, weight: fund.funders.length - j + 1, conditions: fund.kind === 'single' ? { fundIds: [fund.id] } : {} }))
      addPot(`fund:${fund.id}:${fy}`, fund.kind === 'single' ? `${fund.name} pot` : `${fund.name} consortium pot`, null, fund.funders[0]!, fy, parts)
    }
  }
  for (const r of rounds) {
    const linked: Pot[] = []
    if (r.fund.kind === 'pooled') {
      for (const placeId of r.placeIds) {
        const pot = potIndex.get(`place:${placeId}:${r.financialYear}`)!
        r.potByPlace.set(placeId, pot.id)
        linked.push(pot)
      }
    } else linked.push(potIndex.get(`fund:${r.fund.id}:${r.financialYear}`)!)
    for (const pot of linked) t.round_pots.add(nextId('round_pots'), r.id, pot.id, at(plusDays(r.opens, -14)))
  }
  const potById = new Map(pots.map((p) => [p.id, p]))
  const potOfApp = (r: Round, placeId: number) => potById.get(r.fund.kind === 'pooled' ? r.potByPlace.get(placeId)! : potIndex.get(`fund:${r.fund.id}:${r.financialYear}`)!.id)!

  // ------------------------------------------------------------------ round rows, questions, criteria, panels
  const minGrant = 500_000
  const maxGrant = 5_000_000
  for (const r of rounds) {
    const created = at(plusDays(r.opens, -21))
    const opensAt = at(r.opens, '09:00')
    const closesAt = at(r.closes, '12:00')
    r.criteria = DEMO_CRITERIA.map((c) => ({ id: nextId('criteria'), name: c.name, weight: c.isGateway ? 0 : c.weight, scaleMin: c.scaleMin, scaleMax: c.scaleMax, isGateway: c.isGateway }))
    DEMO_CRITERIA.forEach((c, j) => {
      const crit = r.criteria[j]!
      t.criteria.add(crit.id, r.id, j + 1, c.name, c.guidance, crit.weight, c.scaleMin, c.scaleMax, JSON.stringify(c.descriptors), c.isGateway ? 1 : 0, created)
    })
    ROUND_QUESTIONS.forEach((q, j) => {
      t.questions.add(nextId('questions'), r.id, 'full', q.section, j + 1, q.key, q.type, q.label, q.helpText ?? null, q.required === false ? 0 : 1, JSON.stringify(q.config ?? {}), created)
    })
    for (const placeId of r.placeIds) t.round_places.add(nextId('round_places'), r.id, placeId, created)
    // A panel of eight assessors and a chair; the well-known assessor sits on the panels of the rounds being assessed.
    const panel = Array.from({ length: Math.min(8, assessorIds.length) }, (_, j) => assessorIds[(r.id * 5 + j) % assessorIds.length]!)
    if (r.phase === 'assessing' && r.id - nDecided <= 2) panel[0] = wellKnownAssessorId
    r.panel = [...new Set(panel)]
    if (r.phase !== 'open') {
      for (const userId of r.panel) t.round_assessors.add(nextId('round_assessors'), r.id, userId, 0, managerId, at(plusDays(r.closes, 1)))
      if (!r.panel.includes(r.chairId)) t.round_assessors.add(nextId('round_assessors'), r.id, r.chairId, 1, managerId, at(plusDays(r.closes, 1)))
    }
    const rules = {
      matchFunding: { percentOfProjectCost: 20, inKindCounts: true },
      partnership: null,
      eligibleOrganisationTypes: [...LEGAL_TYPES],
      multiYear: null,
      eligibilityQuestions: [],
      fcfs: null,
    }
    const released = r.decided ? at(r.decided, '12:00') : null
    t.rounds.add(
      r.id, r.fund.id, r.title, slugify(r.title), r.fund.kind === 'pooled' ? `${FUNDS[(r.fund.id - 1) % FUNDS.length]!.summary} Paid from each place's shared investment pot.` : FUNDS[(r.fund.id - 1) % FUNDS.length]!.summary,
      THRIVING_GUIDANCE, r.phase === 'open' ? 'published' : 'closed', opensAt, closesAt, 0, minGrant, maxGrant, 3, 'single', 'panel', JSON.stringify(rules),
      opensAt, created, released ?? closesAt, ASSESSORS_PER_BID, 0, 1, 1, 20, 0, JSON.stringify(DECLINE_REASONS), released, r.decided ? plusDays(r.decided, -3) : null,
    )
  }

  // ------------------------------------------------------------------ applications: how many, and what became of each
  const appsPerRound = spread(n.applications, n.rounds)
  // In-assessment rounds: every bid submitted, two assessments each; 40% submitted, 20% draft (all five scores saved), 40% not started.
  const assessingStatus = (k: number): 'submitted' | 'draft' | 'assigned' => (k % 5 < 2 ? 'submitted' : k % 5 === 2 ? 'draft' : 'assigned')
  let assessingScores = 0
  rounds.forEach((r, i) => {
    if (r.phase !== 'assessing') return
    for (let k = 0; k < appsPerRound[i]! * ASSESSORS_PER_BID; k++) if (assessingStatus(k) !== 'assigned') assessingScores += CRITERIA_PER_ROUND
  })
  // Decided rounds: enough assessed bids (two full assessments each) for the scores to come to exactly n.scores.
  const decidedRounds = rounds.filter((r) => r.phase === 'decided')
  const decidedApps = decidedRounds.map((r) => appsPerRound[r.id - 1]!)
  const perBid = CRITERIA_PER_ROUND * ASSESSORS_PER_BID
  const remainingScores = Math.max(0, n.scores - assessingScores)
  const wantAssessed = Math.min(Math.floor(remainingScores / perBid), decidedApps.reduce((a, b) => a + b, 0))
  const assessedPerRound = allocateCapped(wantAssessed, decidedApps)
  // One extra assessment of five scores, if the total needs it, goes to a bid in front of a decided panel (a third assessor).
  const extraAssessment = remainingScores - wantAssessed * perBid >= CRITERIA_PER_ROUND && wantAssessed > 0
  const awardsPerRound = allocateCapped(Math.min(n.awards, wantAssessed), assessedPerRound)

  interface App {
    id: number
    round: Round
    org: number
    placeId: number
    amount: number
    quality: number
    /** Organisation 1's bids whose outcome the well-known applicant account needs. */
    forced: 'award' | 'decline' | null
    fate: AppFate
    reference: string
    outcomeAreas: string[]
    title: string
    submitted: string | null
    answers: string
  }
  const apps: App[] = []
  const counters = new Map<string, number>()
  const nationalOrgs = Array.from({ length: n.organisations }, (_, i) => i + 1)
  rounds.forEach((r, i) => {
    const count = appsPerRound[i]!
    const eligible = r.fund.kind === 'pooled' ? r.placeIds.flatMap((p) => orgsByPlace.get(p) ?? []) : nationalOrgs
    const offset = int(random, 0, Math.max(0, eligible.length - 1))
    const ri = decidedRounds.indexOf(r)
    const assessed = ri >= 0 ? assessedPerRound[ri]! : 0
    for (let k = 0; k < count; k++) {
      const org = eligible.length ? eligible[(offset + k * 7) % eligible.length]! : 1
      let fate: AppFate
      if (r.phase === 'decided') {
        if (k < assessed) fate = 'assessed'
        else {
          const rest = (k - assessed) % 20
          fate = rest < 9 ? 'draft' : rest < 11 ? 'withdrawn' : 'ineligible'
        }
      } else if (r.phase === 'assessing') fate = 'submitted'
      else fate = k % 5 < 2 ? 'draft' : 'submitted'
      apps.push({ id: 0, round: r, org, placeId: orgPlace[org]!, amount: 500_000 * int(random, 2, 10), quality: random(), forced: null, fate, reference: '', outcomeAreas: [], title: '', submitted: null, answers: '' })
    }
  })
  // Organisation 1 (the well-known applicant's): a draft and a submitted bid in open rounds, a bid being assessed, an
  // award from a national round decided about 16 months ago (paid, with a return waiting for review), and a declined bid.
  const org1Award = decidedRounds.filter((r) => r.fund.kind !== 'pooled' && r.decided! <= plusDays(today, -420)).at(-1) ?? decidedRounds.find((r) => r.fund.kind !== 'pooled')
  const claim = (r: Round | undefined, pickApp: (a: App) => boolean, change: (a: App) => void) => {
    if (!r) return
    const a = apps.find((x) => x.round === r && x.org !== 1 && pickApp(x))
    if (!a) return
    a.org = 1
    a.placeId = orgPlace[1]!
    change(a)
  }
  const openRounds = rounds.filter((r) => r.phase === 'open' && (r.fund.kind !== 'pooled' || r.placeIds.includes(orgPlace[1]!)))
  claim(openRounds[0], (a) => a.fate === 'draft', () => {})
  claim(openRounds[1] ?? openRounds[0], (a) => a.fate === 'submitted', () => {})
  claim(rounds.find((r) => r.phase === 'assessing' && r.fund.kind !== 'pooled'), () => true, () => {})
  claim(org1Award, (a) => a.fate === 'assessed', (a) => (a.forced = 'award'))
  claim(decidedRounds.find((r) => r.fund.kind !== 'pooled' && r !== org1Award), (a) => a.fate === 'assessed', (a) => (a.forced = 'decline'))

  apps.forEach((a, i) => (a.id = i + 1))
  for (const a of apps) {
    const r = a.round
    a.round.apps.push(a.id)
    const startedOn = plusDays(r.opens, (a.id * 13) % Math.max(1, daysBetween(r.opens, r.closes) - 5))
    const year = Number(startedOn.slice(0, 4))
    const key = `${r.prefix}-${year}`
    const value = (counters.get(key) ?? 0) + 1
    counters.set(key, value)
    a.reference = `${key}-${String(value).padStart(5, '0')}`
    const areas = new Set(['health_and_wellbeing', OUTCOME_AREAS[(a.id * 3) % OUTCOME_AREAS.length]!, OUTCOME_AREAS[(a.id * 5 + 1) % OUTCOME_AREAS.length]!])
    a.outcomeAreas = [...areas].sort()
    a.title = `${ACTIVITIES[a.id % ACTIVITIES.length]}: ${['weekly sessions', 'a year of connection', 'growing together', 'open doors', 'stronger together'][a.id % 5]} in ${orgName[a.org]!.split(' ')[0]}`
    const cash = percentOfPence(a.amount, 10)
    const inKind = percentOfPence(a.amount, 15)
    const answers = {
      project_title: a.title,
      project_summary: SUMMARIES[a.id % SUMMARIES.length],
      people_taking_part: 20 + (a.id % 80),
      start_date: plusDays(r.closes, 90),
      activity_type: ACTIVITY_TYPES[a.id % ACTIVITY_TYPES.length],
      communities: [COMMUNITIES[a.id % COMMUNITIES.length]],
      budget: [
        { category: 'Staff and freelance fees', description: 'Session leaders and artists', amountPence: a.amount + cash, kind: 'cash' },
        { category: 'Venue hire', description: 'Community hall, given free by the council', amountPence: inKind, kind: 'in_kind' },
      ],
      amount_requested: a.amount,
    }
    a.answers = JSON.stringify(answers)
    const createdAt = at(startedOn, '10:30')
    a.submitted = a.fate === 'draft' ? null : at(plusDays(startedOn, Math.min(10, Math.max(0, daysBetween(startedOn, r.closes) - 1))), '15:00')
    const decidedAt = r.decided ? at(r.decided, '12:00') : null
    let status = 'submitted'
    let decidedIso: string | null = null
    let reason: string | null = null
    let screening: [string | null, string | null, number | null, string | null] = [null, null, null, null]
    if (a.fate === 'draft') status = 'draft'
    else if (a.fate === 'withdrawn') status = 'withdrawn'
    else if (a.fate === 'ineligible') {
      status = 'unsuccessful'
      decidedIso = at(plusDays(r.closes, 7), '12:00')
      reason = INELIGIBLE_REASON
      screening = ['ineligible', INELIGIBLE_REASON, managerId, decidedIso]
    } else if (a.fate === 'assessed') {
      status = 'pending-decision'
      decidedIso = decidedAt
    }
    const updated = decidedIso ?? a.submitted ?? createdAt
    t.applications.add(
      a.id, a.reference, r.id, a.org, 'full', status, a.title, a.placeId, a.amount, a.amount + cash + inKind, cash, inKind, a.answers, 1,
      orgUserId[a.org], a.submitted, decidedIso, reason, ...screening, JSON.stringify(a.outcomeAreas), createdAt, updated,
    )
    if (a.submitted) t.application_versions.add(nextId('application_versions'), a.id, 1, a.answers, orgUserId[a.org], a.submitted)
  }
  ids.applications = apps.length
  for (const [prefix, value] of [...counters.entries()].sort()) t.application_reference_counters.add(prefix, value, at(`${prefix.slice(-4)}-01-01`, '09:00'))

  // ------------------------------------------------------------------ assessments and scores
  const scoreFor = (c: CriterionForScoring, quality: number, nudge: number) => {
    if (c.isGateway) return 1
    const raw = c.scaleMin + Math.min(1, Math.max(0, quality)) * (c.scaleMax - c.scaleMin) + nudge * ((c.scaleMax - c.scaleMin) / 8)
    return Math.min(c.scaleMax, Math.max(c.scaleMin, Math.round(raw)))
  }
  const commentFor = (c: CriterionForScoring, score: number) => {
    if (c.isGateway) return SCORE_COMMENTS.gateway
    const share = (score - c.scaleMin) / (c.scaleMax - c.scaleMin)
    return share >= 0.75 ? SCORE_COMMENTS.high : share >= 0.45 ? SCORE_COMMENTS.mid : SCORE_COMMENTS.low
  }
  const meanScore = new Map<number, number>()
  let extraLeft = extraAssessment ? 1 : 0
  const addAssessment = (a: App, assessorId: number, status: 'submitted' | 'draft' | 'assigned', nudge: number, when: string): number | null => {
    const id = nextId('assessments')
    let weighted: number | null = null
    if (status !== 'assigned') {
      const scores = new Map<number, number>()
      for (const c of a.round.criteria) {
        const score = scoreFor(c, a.quality, nudge)
        scores.set(c.id, score)
        t.criterion_scores.add(nextId('criterion_scores'), id, c.id, score, commentFor(c, score), when)
      }
      weighted = weightedScoreMilli(a.round.criteria, scores)
    }
    const confirmed = status === 'assigned' ? null : when
    t.assessments.add(id, a.id, assessorId, status, confirmed, status === 'submitted' ? weighted : null, status === 'submitted' ? when : null, managerId, at(plusDays(a.round.closes, 1)), status === 'assigned' ? null : when)
    return status === 'submitted' ? weighted : null
  }
  for (const r of rounds) {
    if (r.phase === 'open') continue
    let k = 0
    for (const appId of r.apps) {
      const a = apps[appId - 1]!
      if (a.fate !== 'assessed' && a.fate !== 'submitted') continue
      const pair = [r.panel[k % r.panel.length]!, r.panel[(k + 1) % r.panel.length]!]
      const totals: number[] = []
      pair.forEach((assessorId, j) => {
        const status = r.phase === 'decided' ? 'submitted' : assessingStatus(k * ASSESSORS_PER_BID + j)
        const when = at(plusDays(r.closes, 7 + ((k + j) % 30)), '14:00')
        const w = addAssessment(a, assessorId, status, j === 0 ? 0.5 : -0.5, when)
        if (w !== null) totals.push(w)
      })
      if (r.phase === 'decided' && extraLeft > 0 && r.panel.length > 2) {
        extraLeft--
        const w = addAssessment(a, r.panel[(k + 2) % r.panel.length]!, 'submitted', 0, at(plusDays(r.closes, 20), '14:00'))
        if (w !== null) totals.push(w)
      }
      if (totals.length) meanScore.set(a.id, totals.reduce((s, x) => s + x, 0) / totals.length)
      k++
    }
  }

  // ------------------------------------------------------------------ panel decisions and awards
  interface Award {
    id: number
    app: App
    status: 'offered' | 'accepted' | 'completed' | 'declined'
    offered: string
    accepted: string | null
    declined: string | null
    startDate: string
    commitments: Array<{ id: number; contributionId: number; amountPence: number }>
    potName: string
  }
  const awards: Award[] = []
  decidedRounds.forEach((r, ri) => {
    const assessed = r.apps.map((id) => apps[id - 1]!).filter((a) => a.fate === 'assessed')
    const rankOf = (a: App) => (a.forced === 'award' ? 1e9 : a.forced === 'decline' ? -1 : (meanScore.get(a.id) ?? 0))
    const ranked = [...assessed].sort((x, y) => rankOf(y) - rankOf(x) || x.id - y.id)
    const awardCount = awardsPerRound[ri]!
    const reserveCount = Math.floor(assessed.length * 0.05)
    ranked.forEach((a, rank) => {
      const decision = rank < awardCount ? 'recommended' : rank < awardCount + reserveCount ? 'reserve' : 'declined'
      const decidedAt = at(plusDays(r.decided!, -3), '16:00')
      const releasedAt = at(r.decided!, '12:00')
      const declineReason = decision === 'declined' ? DECLINE_REASONS[a.id % DECLINE_REASONS.length]! : null
      const rationale = decision === 'recommended' ? RECOMMEND_RATIONALE : decision === 'reserve' ? RESERVE_RATIONALE : 'Scored below the bids the panel funded.'
      t.panel_decisions.add(nextId('panel_decisions'), a.id, r.id, decision, decision === 'recommended' ? a.amount : null, rationale, declineReason, decision === 'declined' ? DECLINE_FEEDBACK : null, r.chairId, decidedAt, releasedAt, decidedAt)
      const appRow = t.applications.rows[a.id - 1]!
      appRow[5] = decision === 'recommended' ? 'successful' : decision === 'reserve' ? 'reserve' : 'unsuccessful'
      appRow[17] = decision === 'declined' ? [declineReason, DECLINE_FEEDBACK].join(' — ') : rationale
      if (decision === 'recommended') awards.push({ id: 0, app: a, status: 'offered', offered: '', accepted: null, declined: null, startDate: '', commitments: [], potName: '' })
    })
    const attendees = [
      { userId: r.chairId, role: 'Chair' },
      { userId: managerId, role: 'Fund manager (not voting)' },
      ...r.panel.slice(0, 2).map((userId) => ({ userId, role: 'Assessor' })),
    ]
    const names = new Set<string>()
    for (const x of attendees) {
      const name = nameOfUser.get(x.userId)!
      if (names.has(name)) continue
      names.add(name)
      t.panel_attendees.add(nextId('panel_attendees'), r.id, x.userId, name, x.role, at(plusDays(r.decided!, -3), '17:00'))
    }
  })
  // Round budgets: what was awarded and a little more.
  const awardedByRound = new Map<number, number>()
  for (const aw of awards) awardedByRound.set(aw.app.round.id, (awardedByRound.get(aw.app.round.id) ?? 0) + aw.app.amount)
  for (const r of rounds) {
    const row = t.rounds.rows[r.id - 1]!
    row[9] = Math.max(10_000_000, Math.ceil(((awardedByRound.get(r.id) ?? 0) * 1.1) / 1_000_000) * 1_000_000)
  }

  // Each award's fate by date: offered 7 days after the decisions, accepted 5-25 days later (if that has happened), a
  // few declined, paid in four tranches (on acceptance, then 9, 18 and 27 months after the start).
  const trancheRows: Array<{ id: number; award: Award; sequence: number; amountPence: number; dueDate: string; status: string; payOn: string | null }> = []
  awards.forEach((aw, i) => {
    aw.id = i + 1
    const r = aw.app.round
    aw.offered = plusDays(r.decided!, 7)
    aw.startDate = plusDays(r.decided!, 28)
    const forceAccept = aw.app.org === 1 && r === org1Award
    const replyOn = plusDays(aw.offered, int(random, 5, 25))
    if (!forceAccept && chance(random, 0.03) && replyOn <= today) {
      aw.status = 'declined'
      aw.declined = replyOn
    } else if (replyOn <= today) {
      aw.status = 'accepted'
      aw.accepted = replyOn
    }
  })

  // Commitments: split across the pot's contributions by their weights (ring-fences respected: every bid is in the
  // pot's place and works for health and wellbeing; the lottery's share is at most 50%).
  for (const aw of awards) {
    const pot = potOfApp(aw.app.round, aw.app.placeId)
    aw.potName = pot.name
    const parts = allocateByWeights(aw.app.amount, pot.contributions.map((c) => c.weight))
    pot.contributions.forEach((c, j) => {
      const amountPence = parts[j]!
      if (amountPence <= 0) return
      aw.commitments.push({ id: nextId('award_commitments'), contributionId: c.id, amountPence })
      // Declined offers held their money until they were declined, so the pledge covers them too.
      c.committedPence += amountPence
    })
  }

  // ------------------------------------------------------------------ contributions: pledges and receipts cover every commitment
  const contributionById = new Map<number, Contribution>()
  const pledged = new Map<number, number>()
  const receiptsOf = new Map<number, Array<{ id: number; amountPence: number; receivedOn: string; reference: string }>>()
  const accountOf = new Map<string, number>()
  const accountTotals: Array<{ debits: number; credits: number }> = [{ debits: 0, credits: 0 }]
  const addAccount = (code: string, name: string, kind: string, normal: 'debit' | 'credit', ownerType: string, ownerId: number, createdAt: string) => {
    const id = nextId('ledger_accounts')
    t.ledger_accounts.add(id, code, name, kind, normal, ownerType, ownerId, 0, 0, createdAt)
    accountOf.set(code, id)
    accountTotals.push({ debits: 0, credits: 0 })
    return id
  }
  const entry = (debit: string, credit: string, amountPence: number, reason: string, key: string, memo: string | null, ref: [string, number], actor: number | null, createdAt: string) => {
    if (amountPence <= 0) return
    const d = accountOf.get(debit)!
    const c = accountOf.get(credit)!
    t.ledger_entries.add(nextId('ledger_entries'), d, c, amountPence, reason, memo, key, ref[0], ref[1], actor, createdAt)
    accountTotals[d]!.debits += amountPence
    accountTotals[c]!.credits += amountPence
  }
  for (const f of funderIds) addAccount(funderSourceCode(f), `${funderName(f)}: pledges`, 'funder_source', 'debit', 'funder', f, startAt)
  for (const pot of pots) {
    const fyStart = `${pot.financialYear.slice(0, 4)}-04-01`
    const fyEnd = financialYearEnd(pot.financialYear)
    const createdAt = at(plusDays(fyStart, -20), '10:00')
    const currentYear = today >= fyStart && today <= fyEnd
    for (const c of pot.contributions) {
      contributionById.set(c.id, c)
      const base = 5_000_000 * c.weight
      const pledge = Math.max(base, roundUpTo(scalePence(c.committedPence, 115, 100), 100_000))
      pledged.set(c.id, pledge)
      t.contributions.add(c.id, pot.id, c.funderId, pledge, JSON.stringify(c.conditions), c.spendBy, 0, createdAt)
      // Two instalments: April and October. In the current year the first already covers every commitment.
      const first = currentYear ? Math.min(pledge, Math.max(half(pledge), roundUpTo(c.committedPence, 100))) : half(pledge)
      const instalments = [
        { due: fyStart, amount: first },
        { due: `${pot.financialYear.slice(0, 4)}-10-01`, amount: pledge - first },
      ].filter((x) => x.amount > 0)
      const receipts: Array<{ id: number; amountPence: number; receivedOn: string; reference: string }> = []
      instalments.forEach((x, j) => {
        t.contribution_instalments.add(nextId('contribution_instalments'), c.id, x.due, x.amount, createdAt)
        const receivedOn = plusDays(x.due, 2)
        if (receivedOn <= today) {
          const reference = `${funderName(c.funderId).split(' ').map((w) => w[0]).join('').toUpperCase()} ${pot.financialYear} ${j + 1}`
          receipts.push({ id: nextId('contribution_receipts'), amountPence: x.amount, receivedOn, reference })
        }
      })
      receiptsOf.set(c.id, receipts)
      const received = receipts.reduce((s, x) => s + x.amountPence, 0)
      if (received < c.committedPence) throw new Error(`national dataset: contribution ${c.id} would be over-committed`)
      const name = funderName(c.funderId)
      for (const bucket of CONTRIBUTION_BUCKETS) addAccount(contributionAccountCode(c.id, bucket), `${name} contribution #${c.id}: ${bucket}`, `contribution_${bucket}`, 'credit', 'contribution', c.id, createdAt)
      entry(funderSourceCode(c.funderId), contributionAccountCode(c.id, 'outstanding'), pledge, REASONS.pledged, `contribution:${c.id}:pledged`, `${name} pledged to ${pot.name}`, ['contribution', c.id], managerId, createdAt)
      for (const x of receipts) {
        t.contribution_receipts.add(x.id, c.id, x.amountPence, x.receivedOn, x.reference, `national:receipt:${c.id}:${x.reference}`, 'manual', financeId, at(x.receivedOn, '11:00'))
        entry(contributionAccountCode(c.id, 'outstanding'), contributionAccountCode(c.id, 'available'), x.amountPence, REASONS.received, `receipt:${x.id}:received`, `${name}: ${x.reference}`, ['contribution_receipt', x.id], financeId, at(x.receivedOn, '11:00'))
      }
    }
  }

  // ------------------------------------------------------------------ bank accounts (verified) for organisations with accepted awards
  const bankAccountOf = new Map<number, number>()
  for (const aw of awards) {
    if (aw.status !== 'accepted' || bankAccountOf.has(aw.app.org)) continue
    const org = aw.app.org
    const id = nextId('bank_accounts')
    const enteredAt = at(plusDays(aw.accepted!, 1), '10:00')
    t.bank_accounts.add(id, org, orgName[org], String(200_000 + (org % 700_000)).padStart(6, '0'), String(10_000_000 + org * 7).slice(-8), 'verified', 0, orgUserId[org], financeId, at(plusDays(aw.accepted!, 2), '15:00'), 0, 'Matches the bank statement header the group sent; confirmed by phone on the number we hold.', enteredAt)
    bankAccountOf.set(org, id)
  }

  // ------------------------------------------------------------------ award rows, tranches, parts, payments, ledger
  const runOf = new Map<string, { id: number; total: number; paidOn: string }>()
  for (const aw of awards) {
    const a = aw.app
    const r = a.round
    const org = a.org
    const createdAt = at(r.decided!, '14:00')
    const amounts = spread(a.amount, TRANCHES_PER_AWARD)
    const dues = [aw.startDate, plusMonths(aw.startDate, 9), plusMonths(aw.startDate, 18), plusMonths(aw.startDate, 27)]
    const plannedEnd = plusYears(aw.startDate, 3)
    const tranches = amounts.map((amountPence, j) => {
      const id = nextId('tranches')
      let status = aw.status === 'declined' ? 'cancelled' : aw.status === 'offered' ? 'offered' : 'scheduled'
      let payOn: string | null = null
      if (aw.status === 'accepted') {
        const due = dues[j]!
        const ready = due > aw.accepted! ? due : aw.accepted!
        const candidate = plusDays(ready, 3)
        if (plusDays(candidate, 7) <= today) {
          status = 'paid'
          payOn = candidate
        }
      }
      const row = { id, award: aw, sequence: j + 1, amountPence, dueDate: dues[j]!, status, payOn }
      trancheRows.push(row)
      return row
    })
    if (aw.status === 'accepted' && tranches.every((x) => x.status === 'paid')) aw.status = 'completed'
    // Offer terms: the merge fields of the letter, as issueOffer stores them.
    const offerTerms = {
      awardId: aw.id,
      awardReference: `${a.reference}-AWD`,
      applicationReference: a.reference,
      organisationId: org,
      organisationName: orgName[org],
      organisationAddress: orgAddress[org],
      projectTitle: a.title,
      fundName: r.fund.name,
      roundId: r.id,
      roundTitle: r.title,
      amountPence: a.amount,
      amount: formatPence(a.amount),
      offerDate: aw.offered,
      offerDateText: longDate(aw.offered),
      respondBy: plusDays(aw.offered, 28),
      respondByText: longDate(plusDays(aw.offered, 28)),
      scheduleKind: 'instalments',
      scheduleSummary: `The grant is paid in ${TRANCHES_PER_AWARD} instalments.`,
      offerUrl: `http://localhost:3000/awards/${aw.id}`,
      tranches: tranches.map((x) => ({
        sequence: x.sequence,
        amountPence: x.amountPence,
        amount: formatPence(x.amountPence),
        dueDate: x.dueDate,
        due: longDate(x.dueDate),
        paidWhen: x.sequence === 1 ? 'Once you have accepted this offer' : `On or after ${longDate(x.dueDate)}`,
      })),
      conditions: [],
      funders: aw.commitments.map((c) => ({ funderName: funderName(contributionById.get(c.contributionId)!.funderId), potName: aw.potName, amountPence: c.amountPence, amount: formatPence(c.amountPence) })),
    }
    const lastPaid = tranches.filter((x) => x.payOn).at(-1)?.payOn ?? null
    const acceptedAt = aw.accepted ? at(aw.accepted, '13:00') : null
    const declinedAt = aw.declined ? at(aw.declined, '13:00') : null
    const publishOn = aw.accepted ? plusDays(aw.accepted, 30) : null
    const published = publishOn && publishOn <= today ? at(publishOn, '09:30') : null
    const updatedAt = [lastPaid ? at(lastPaid, '16:00') : null, published, acceptedAt, declinedAt, at(aw.offered, '10:00')].filter((x): x is string => !!x).sort().at(-1)!
    const signer = orgUserId[org]!
    t.awards.add(
      aw.id, `${a.reference}-AWD`, a.id, r.id, org, a.amount, aw.status, '[]', acceptedAt, aw.accepted ? nameOfUser.get(signer) : null,
      aw.accepted ? ROLES_AT_ORGANISATION[org % ROLES_AT_ORGANISATION.length] : null, declinedAt, published, aw.startDate, plannedEnd, at(aw.offered, '10:00'), managerId,
      JSON.stringify(offerTerms), aw.accepted ? signer : null, aw.accepted ? offerDeclaration(orgName[org]!) : null, aw.declined ? signer : null,
      aw.declined ? 'We have found funding for this work elsewhere.' : null, 'instalments', JSON.stringify(a.outcomeAreas), published ? managerId : null, createdAt, updatedAt,
    )
    const awardKey = `national:award:${aw.id}`
    for (const c of aw.commitments) {
      const released = aw.declined ? at(aw.declined, '13:00') : null
      t.award_commitments.add(c.id, aw.id, c.contributionId, c.amountPence, released, released ? 'Offer declined: We have found funding for this work elsewhere.' : null, createdAt)
      entry(contributionAccountCode(c.contributionId, 'available'), contributionAccountCode(c.contributionId, 'committed'), c.amountPence, REASONS.committed, `${awardKey}:${c.contributionId}`, `Award ${a.reference}-AWD`, ['award_commitment', c.id], managerId, createdAt)
    }
    if (aw.declined) {
      for (const c of aw.commitments) {
        entry(contributionAccountCode(c.contributionId, 'committed'), contributionAccountCode(c.contributionId, 'available'), c.amountPence, REASONS.released, `award:${aw.id}:declined:${c.id}`, 'Offer declined: We have found funding for this work elsewhere.', ['award_commitment', c.id], signer, at(aw.declined, '13:00'))
      }
    }
    if (aw.accepted) {
      const parts = shareTranches(
        tranches.map((x) => ({ id: x.id, amountPence: x.amountPence })),
        aw.commitments.map((c) => ({ contributionId: c.contributionId, amountPence: c.amountPence })),
      )
      for (const p of parts) t.tranche_parts.add(nextId('tranche_parts'), p.trancheId, p.contributionId, p.amountPence, acceptedAt)
      for (const c of aw.commitments) {
        entry(contributionAccountCode(c.contributionId, 'committed'), contributionAccountCode(c.contributionId, 'scheduled'), c.amountPence, REASONS.scheduled, `award:${aw.id}:scheduled:${c.id}`, 'Offer accepted: into the payment schedule', ['award_commitment', c.id], signer, acceptedAt!)
      }
      for (const x of tranches) {
        if (!x.payOn) continue
        const runKey = x.payOn.slice(0, 7)
        let run = runOf.get(runKey)
        if (!run) {
          run = { id: 0, total: 0, paidOn: `${runKey}-28` }
          runOf.set(runKey, run)
        }
        run.total += x.amountPence
        for (const p of parts.filter((p) => p.trancheId === x.id).sort((p, q) => p.contributionId - q.contributionId)) {
          entry(contributionAccountCode(p.contributionId, 'scheduled'), contributionAccountCode(p.contributionId, 'paid'), p.amountPence, REASONS.paid, `tranche:${x.id}:0:paid:${p.contributionId}`, null, ['tranche', x.id], financeId, at(x.payOn, '16:00'))
        }
      }
    }
  }
  // Payment runs: one BACS run a month, four eyes, exported and confirmed.
  for (const [month, run] of [...runOf.entries()].sort()) {
    run.id = nextId('payment_runs')
    const made = at(`${month}-01`, '09:00')
    t.payment_runs.add(run.id, `PR-${String(run.id).padStart(5, '0')}`, 'bacs', 'completed', run.total, financeId, finance2Id, at(`${month}-01`, '11:00'), `national:run:${month}`, 1, 500_000, made, at(`${month}-01`, '12:00'), financeId, sha256(`national:run:${month}`), made)
  }
  for (const x of trancheRows) {
    const aw = x.award
    const run = x.payOn ? runOf.get(x.payOn.slice(0, 7))! : null
    const createdAt = at(aw.offered, '09:00')
    const updated = x.payOn ? at(x.payOn, '16:00') : aw.declined ? at(aw.declined, '13:00') : aw.accepted ? at(aw.accepted, '13:00') : createdAt
    t.tranches.add(
      x.id, aw.id, x.sequence, x.amountPence, x.dueDate, x.sequence === 1 ? 'acceptance' : 'date', x.status, run?.id ?? null, run ? bankAccountOf.get(aw.app.org)! : null,
      x.payOn ? at(x.payOn, '12:30') : null, x.payOn, aw.declined ? at(aw.declined, '13:00') : null, createdAt, updated,
    )
  }

  // ------------------------------------------------------------------ impact returns: three annual returns per award
  const org1AwardRow = awards.find((aw) => aw.app.org === 1 && aw.app.round === org1Award)
  for (const aw of awards) {
    const form = returnFormFor(aw.app.amount, null)
    const live = aw.status === 'accepted' || aw.status === 'completed'
    for (let year = 1; year <= RETURNS_PER_AWARD; year++) {
      const id = nextId('returns')
      const due = plusYears(aw.startDate, year)
      const createdAt = at(aw.offered, '09:00')
      let status = 'expected'
      if (live && due <= today) {
        const age = daysBetween(due, today)
        const roll = (aw.id * 31 + year * 17) % 100
        if (age > 60) status = roll < 92 ? 'accepted' : 'expected'
        else status = roll < 50 ? 'submitted' : roll < 80 ? 'accepted' : 'expected'
        if (aw === org1AwardRow && year === 1) status = 'submitted'
      }
      // The reminders the hourly sweep would already have sent (14 days before, and the day after the due date if
      // still not sent), so a server started on the dataset is not busy for minutes sending years of them at once.
      const remindedDueAt = live && reminderFrom(due) <= today ? at(reminderFrom(due), '08:00') : null
      if (status === 'expected') {
        const remindedOverdueAt = live && due < today ? at(plusDays(due, 1), '08:00') : null
        t.returns.add(id, aw.id, 'annual', `Year ${year}`, due, 'expected', 0, '{}', null, null, null, null, form, null, null, null, null, createdAt, createdAt, remindedDueAt, remindedOverdueAt)
        continue
      }
      const data = returnDataFor(aw.app.amount, form, id, random)
      const json = JSON.stringify({ ...data, photos: [] })
      const submittedAt = at(plusDays(due, -5), '15:00')
      const reviewedAt = status === 'accepted' ? at(plusDays(due, 10), '11:00') : null
      const signer = orgUserId[aw.app.org]!
      t.returns.add(
        id, aw.id, 'annual', `Year ${year}`, due, status, 1, json, data.peopleReached, submittedAt, reviewedAt ? managerId : null, reviewedAt, form,
        data.sessionsDelivered, spentOf(data), data.matchFundingPence, signer, createdAt, reviewedAt ?? submittedAt, remindedDueAt, null,
      )
      t.return_versions.add(nextId('return_versions'), id, 1, json, signer, submittedAt, reviewedAt ? 'accepted' : null, reviewedAt ? managerId : null, reviewedAt, submittedAt)
      for (const [category, count] of Object.entries(data.referrals)) t.return_counts.add(nextId('return_counts'), id, 'referral', category, count, submittedAt)
      for (const [dimension, byCategory] of Object.entries(data.demographics)) {
        for (const [category, count] of Object.entries(byCategory ?? {})) t.return_counts.add(nextId('return_counts'), id, dimension, category, count, submittedAt)
      }
      for (const o of outcomeSumsOf(data)) {
        t.return_outcomes.add(nextId('return_outcomes'), id, o.measure, o.basis, o.sums.n, o.sums.meanBefore, o.sums.meanAfter, o.sums.sumChange, o.sums.sumSqChange, submittedAt)
      }
    }
  }

  // Applications still "pending-decision" can only be assessed bids of rounds with no decision rows: none by construction.
  for (const row of t.applications.rows) if (row[5] === 'pending-decision') row[5] = 'submitted'
  for (const [i, totals] of accountTotals.entries()) {
    if (i === 0) continue
    const row = t.ledger_accounts.rows[i - 1]!
    row[7] = totals.debits
    row[8] = totals.credits
  }

  const tables = new Map<string, TableRows>()
  for (const [name, table] of Object.entries(t)) if (!table.sink) tables.set(name, { columns: table.columns, rows: table.rows })
  const counts: Record<string, number> = Object.fromEntries(Object.entries(t).map(([name, table]) => [name, table.count]))
  counts.places = places.length
  return { tables, counts, idTables: Object.keys(t).filter((name) => name !== 'application_reference_counters') }
}

/** Splits `total` across slots in proportion to their sizes, never giving a slot more than its size. */
function allocateCapped(total: number, sizes: number[]): number[] {
  const sum = sizes.reduce((a, b) => a + b, 0)
  if (sum === 0) return sizes.map(() => 0)
  const want = Math.min(total, sum)
  const shares = allocateByWeights(want, sizes)
  let overflow = 0
  const capped = shares.map((s, i) => {
    const c = Math.min(s, sizes[i]!)
    overflow += s - c
    return c
  })
  for (let i = 0; overflow > 0 && i < capped.length; i++) {
    const room = sizes[i]! - capped[i]!
    const add = Math.min(room, overflow)
    capped[i]! += add
    overflow -= add
  }
  return capped
}

/** A return as a group would send it: the short form's figures, or the full form's with demographics and spend. */
function returnDataFor(amountPence: number, form: 'short' | 'full', seed: number, random: Random): ReturnData {
  const people = 20 + (seed % 120)
  const referrals = {
    link_worker: Math.round(people * 0.45),
    health_professional: Math.round(people * 0.2),
    self: Math.round(people * 0.2),
    community: people - Math.round(people * 0.45) - Math.round(people * 0.2) - Math.round(people * 0.2),
  }
  const n = Math.max(5, Math.round(people * 0.6))
  const cohort = (before: number, change: number) => ({ n, meanBefore: before, meanAfter: Math.round((before + change) * 10) / 10, sdChange: 1.2 + (seed % 5) / 10 })
  const data: ReturnData = {
    ...emptyReturnData(),
    peopleReached: people,
    sessionsDelivered: 10 + (seed % 40),
    referrals,
    story: 'More people came each month; several now help run the sessions. Link workers tell us people arrive through the surgery and stay.',
    plans: 'Keep the weekly sessions going and start a second group on Saturdays.',
  }
  const yearSpend = scalePence(amountPence, 1, 3)
  if (form === 'short') {
    data.outcomes = { ucla3: { basis: 'cohort', cohort: { ucla3: cohort(7 + (seed % 2), -1 - (seed % 3) / 10) } } }
    data.spentPence = yearSpend
    return data
  }
  const ageBands = { '50_64': Math.round(people * 0.3), '65_79': Math.round(people * 0.4), '80_plus': Math.round(people * 0.2) }
  data.demographics = { age_band: { ...ageBands, not_known: people - ageBands['50_64'] - ageBands['65_79'] - ageBands['80_plus'] } }
  data.outcomes = {
    ons4: {
      basis: 'cohort',
      cohort: {
        ons4_life_satisfaction: cohort(5, 1.2),
        ons4_worthwhile: cohort(5.5, 1),
        ons4_happy: cohort(5, 1.1),
        ons4_anxious: cohort(6, -1.4),
      },
    },
    ucla3: { basis: 'cohort', cohort: { ucla3: cohort(7, -1.2) } },
  }
  const cash = amountPence + percentOfPence(amountPence, 10)
  data.spendLines = [
    { line: 1, spentPence: scalePence(cash, 1, 3) + int(random, -50, 50) * 100, reason: null },
    { line: 2, spentPence: scalePence(percentOfPence(amountPence, 15), 1, 3), reason: null },
  ]
  data.matchFundingPence = scalePence(percentOfPence(amountPence, 10), 1, 3)
  return data
}

/** `pence` rounded up to a whole number of `step` pence (e.g. to the next £1,000), in integer arithmetic. */
function roundUpTo(pence: number, step: number): number {
  return pence + ((step - (pence % step)) % step)
}

/** The larger half of `pence` (the odd penny goes to it). */
function half(pence: number): number {
  return splitEvenly(pence, 2)[0]!
}
