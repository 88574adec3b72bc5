/**
 * The Kysely Database interface: one interface per table, snake_case like the tables, `Generated<>` for columns the
 * database fills in, `T | null` for nullable columns. Times are ISO-8601 UTC text; dates are "YYYY-MM-DD"; money is
 * integer pence (`*_pence`); flags are 0/1; JSON columns hold text the domain parses with zod.
 */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely'

type Id = Generated<number>
type CreatedAt = Generated<string>

export interface PlacesTable {
  id: Id
  kind: Generated<string>
  ods_code: string
  gss_code: string | null
  name: string
  region_name: string
  region_ods_code: string | null
  region_gss_code: string | null
  valid_from: string
  valid_to: string | null
  source: string
  created_at: CreatedAt
}

export interface PlaceLinksTable {
  id: Id
  predecessor_place_id: number
  successor_place_id: number
  transfer: 'whole' | 'part'
  effective_date: string
  created_at: CreatedAt
}

export interface UsersTable {
  id: Id
  email: string
  name: string
  password_hash: string | null
  totp_secret: string | null
  totp_enabled_at: string | null
  password_changed_at: string | null
  anonymised_at: string | null
  created_at: CreatedAt
  updated_at: Generated<string>
}

export interface UserRolesTable {
  id: Id
  user_id: number
  role: string
  funder_id: number | null
  granted_by: number | null
  created_at: CreatedAt
}

export interface SessionsTable {
  id: Id
  token_hash: string
  user_id: number
  expires_at: string
  revoked_at: string | null
  second_factor_at: string | null
  ip: string | null
  user_agent: string | null
  last_seen_at: string | null
  created_at: CreatedAt
}

export interface PasswordResetTokensTable {
  id: Id
  token_hash: string
  user_id: number
  expires_at: string
  used_at: string | null
  created_at: CreatedAt
}

export interface SignInAttemptsTable {
  id: Id
  email: string
  ip: string
  succeeded: number
  created_at: CreatedAt
}

export interface FundersTable {
  id: Id
  name: string
  kind: string
  org_identifier: string | null
  place_id: number | null
  created_at: CreatedAt
}

export interface OrganisationsTable {
  id: Id
  name: string
  legal_type: string
  charity_number: string | null
  company_number: string | null
  address_line_1: string | null
  address_line_2: string | null
  town: string | null
  postcode: string | null
  place_id: number | null
  main_contact_user_id: number | null
  priority_community: Generated<number>
  stripe_account_id: string | null
  created_at: CreatedAt
  updated_at: Generated<string>
}

export interface OrganisationPlacesTable {
  id: Id
  organisation_id: number
  place_id: number
  created_at: CreatedAt
}

export interface MembershipsTable {
  id: Id
  user_id: number
  organisation_id: number
  role: 'member' | 'admin'
  created_at: CreatedAt
}

export interface InvitationsTable {
  id: Id
  organisation_id: number
  email: string
  role: 'member' | 'admin'
  token_hash: string
  invited_by: number
  expires_at: string
  accepted_at: string | null
  created_at: CreatedAt
}

export interface BankAccountsTable {
  id: Id
  organisation_id: number
  account_name: string
  sort_code: string
  account_number: string
  status: 'unverified' | 'verified' | 'rejected' | 'superseded'
  name_mismatch: Generated<number>
  entered_by: number
  verified_by: number | null
  verified_at: string | null
  /** 1 when the organisation already had bank details: a change, the classic fraud route. */
  is_change: Generated<number>
  verification_note: string | null
  rejected_reason: string | null
  superseded_at: string | null
  created_at: CreatedAt
}

export interface FundsTable {
  id: Id
  name: string
  slug: string
  description: Generated<string>
  shape: string
  created_at: CreatedAt
}

export interface FundFundersTable {
  id: Id
  fund_id: number
  funder_id: number
  created_at: CreatedAt
}

export interface RoundsTable {
  id: Id
  fund_id: number
  title: string
  slug: string
  summary: Generated<string>
  guidance: Generated<string>
  status: 'draft' | 'published' | 'closed' | 'decided' | 'archived'
  opens_at: string | null
  closes_at: string | null
  budget_pence: Generated<number>
  min_grant_pence: number | null
  max_grant_pence: number | null
  years: Generated<number>
  stages: Generated<'single' | 'two_stage'>
  allocation_method: Generated<'panel' | 'fcfs'>
  rules: Generated<string>
  copied_from_round_id: number | null
  published_at: string | null
  created_at: CreatedAt
  updated_at: Generated<string>
  /** Assessment settings (migration 2026_11_21_091500); see docs/decisions/0009-assessment-and-panels.md. */
  assessors_per_bid: Generated<number>
  blind_review: Generated<number>
  hide_peer_scores: Generated<number>
  comments_required: Generated<number>
  /** Percentage points of the 0-100 weighted score: a bid whose assessors' totals differ by more is flagged. */
  disagreement_threshold: Generated<number>
  /** The chair's switch: rank by z-scores per assessor as well as by raw scores. */
  normalise_scores: Generated<number>
  /** JSON list of the decline reasons a panel chooses from. */
  decline_reasons: Generated<string>
  decisions_released_at: string | null
  panel_held_on: string | null
  /** Impact returns (migration 2026_11_21_140000): JSON ReturnSchedule, or null for the default. */
  return_schedule: string | null
  /** Awards of this much or less get the short return form; null means the default (£10,000). */
  short_return_max_pence: number | null
  /** SWEMWBS is offered only after a fund manager confirms the licence. */
  swemwbs_enabled: Generated<number>
  swemwbs_licence_confirmed_by: number | null
  swemwbs_licence_confirmed_at: string | null
}

export interface RoundPlacesTable {
  id: Id
  round_id: number
  place_id: number
  created_at: CreatedAt
}

export interface QuestionsTable {
  id: Id
  round_id: number
  stage: Generated<string>
  section: string
  position: number
  key: string
  type: string
  label: string
  help_text: string | null
  required: Generated<number>
  config: Generated<string>
  created_at: CreatedAt
}

export interface CriteriaTable {
  id: Id
  round_id: number
  position: number
  name: string
  guidance: Generated<string>
  weight: Generated<number>
  scale_min: Generated<number>
  scale_max: Generated<number>
  descriptors: Generated<string>
  is_gateway: Generated<number>
  created_at: CreatedAt
}

export interface PotsTable {
  id: Id
  name: string
  place_id: number | null
  host_funder_id: number
  pool_manager_user_id: number | null
  financial_year: string
  status: 'draft' | 'open' | 'closed'
  available_basis: Generated<'received' | 'pledged'>
  year_end_policy: Generated<'carry_forward' | 'return'>
  previous_pot_id: number | null
  closed_at: string | null
  created_at: CreatedAt
}

export interface RoundPotsTable {
  id: Id
  round_id: number
  pot_id: number
  created_at: CreatedAt
}

export interface ContributionsTable {
  id: Id
  pot_id: number
  funder_id: number
  pledged_pence: number
  conditions: Generated<string>
  spend_by: string | null
  is_in_kind: Generated<number>
  carried_from_contribution_id: number | null
  created_at: CreatedAt
}

export interface ContributionReceiptsTable {
  id: Id
  contribution_id: number
  amount_pence: number
  received_on: string
  reference: string
  idempotency_key: string
  over_pledge_reason: string | null
  /** 'manual' (a finance officer), 'stripe' (a public donation), 'carried_forward' (year end). */
  source: Generated<string>
  recorded_by: number | null
  created_at: CreatedAt
}

export interface ContributionInstalmentsTable {
  id: Id
  contribution_id: number
  due_date: string
  amount_pence: number
  created_at: CreatedAt
}

export interface LedgerAccountsTable {
  id: Id
  code: string
  name: string
  kind: string
  normal_balance: 'debit' | 'credit'
  owner_type: string | null
  owner_id: number | null
  currency: Generated<string>
  debits_posted_pence: Generated<number>
  credits_posted_pence: Generated<number>
  created_at: CreatedAt
}

export interface LedgerEntriesTable {
  id: Id
  debit_account_id: number
  credit_account_id: number
  amount_pence: number
  reason_code: string
  memo: string | null
  idempotency_key: string
  reverses_entry_id: number | null
  ref_type: string | null
  ref_id: number | null
  actor_user_id: number | null
  created_at: CreatedAt
}

export interface ApplicationsTable {
  id: Id
  reference: string
  round_id: number
  organisation_id: number
  stage: Generated<'eoi' | 'full'>
  status: string
  title: string
  place_id: number | null
  amount_requested_pence: Generated<number>
  project_cost_pence: Generated<number>
  match_cash_pence: Generated<number>
  match_in_kind_pence: Generated<number>
  answers: Generated<string>
  version: Generated<number>
  eoi_application_id: number | null
  created_by: number | null
  submitted_at: string | null
  decided_at: string | null
  decision_reason: string | null
  created_at: CreatedAt
  updated_at: Generated<string>
  /** Eligibility screening (migration 2026_11_21_074000): automatic result, a fund manager's override and its reason. */
  screening_result: 'eligible' | 'ineligible' | null
  screening_override: 'eligible' | 'ineligible' | null
  screening_reason: string | null
  screened_by: number | null
  screened_at: string | null
  /** First come, first served: arrival number in the round, what the quotas counted, and why it was not allocated. */
  fcfs_position: number | null
  fcfs_region: string | null
  fcfs_priority: number | null
  fcfs_reason: string | null
  /** JSON list of outcome-area codes (app/domain/budgets/ring-fence.ts OUTCOME_AREAS), confirmed by a fund manager. */
  outcome_areas: Generated<string>
  /** Set by the retention job (or an erasure) when the answers were anonymised; the figures stay for statistics. */
  anonymised_at: string | null
}

export interface ApplicationVersionsTable {
  id: Id
  application_id: number
  version: number
  answers: string
  created_by: number | null
  created_at: CreatedAt
}

export interface ApplicationReferenceCountersTable {
  /** "TCF-2026": the fund's prefix and the year. */
  prefix: string
  last_value: number
  created_at: CreatedAt
}

export interface AssessmentsTable {
  id: Id
  application_id: number
  assessor_user_id: number
  status: 'assigned' | 'conflict' | 'draft' | 'submitted'
  conflict_type: string | null
  conflict_note: string | null
  conflict_confirmed_at: string | null
  weighted_score_milli: number | null
  submitted_at: string | null
  created_at: CreatedAt
  assigned_by: number | null
  /** Set when a fund manager recorded the conflict on the assessor's behalf. */
  conflict_recorded_by: number | null
  updated_at: string | null
}

export interface CriterionScoresTable {
  id: Id
  assessment_id: number
  criterion_id: number
  score: number
  comment: Generated<string>
  moderated_score: number | null
  moderation_rationale: string | null
  created_at: CreatedAt
}

export interface RoundAssessorsTable {
  id: Id
  round_id: number
  user_id: number
  is_chair: Generated<number>
  added_by: number | null
  created_at: CreatedAt
}

export interface AssessorPlacesTable {
  id: Id
  user_id: number
  place_id: number
  created_at: CreatedAt
}

/** Each bid's scores as the panel's ranked list reads them, kept by their writers (rebuildBidScoreSummaries). */
export interface BidScoreSummariesTable {
  application_id: number
  round_id: number
  /** Submitted assessments with a weighted total, and those totals' sum, lowest and highest (milli-points). */
  submitted_count: number
  weighted_total_milli: number | null
  weighted_lowest_milli: number | null
  weighted_highest_milli: number | null
  /** Criteria the chair has moderated on the bid. */
  moderated_criteria: number
  /** The weighted total of the moderated per-criterion scores; null while a weighted criterion has no score. */
  moderated_total_milli: number | null
  gateway_failed: number
}

/** The panel chair's moderated score for one criterion of one bid; assessors' raw scores are kept unchanged. */
export interface ModerationsTable {
  id: Id
  application_id: number
  criterion_id: number
  score: number
  rationale: string
  moderated_by: number
  updated_at: Generated<string>
  created_at: CreatedAt
}

/** Optional fairness limits per place for a round's optimiser: at least / at most this much to the place. */
export interface RoundPlaceLimitsTable {
  id: Id
  round_id: number
  place_id: number
  min_pence: number | null
  max_pence: number | null
  created_at: CreatedAt
}

export interface OptimiserRunsTable {
  id: Id
  round_id: number
  status: 'proposed' | 'accepted' | 'superseded' | 'infeasible'
  /** JSON: the exact input the solver saw (bids, scores, amounts, funding sources, limits). */
  inputs: string
  inputs_sha256: string
  /** JSON arrays of application ids. */
  selected: Generated<string>
  greedy_selected: Generated<string>
  /** JSON list of plain-English sentences. */
  explanation: Generated<string>
  total_score_milli: Generated<number>
  total_pence: Generated<number>
  solve_ms: Generated<number>
  created_by: number
  accepted_by: number | null
  accepted_at: string | null
  created_at: CreatedAt
}

export interface PanelDecisionsTable {
  id: Id
  application_id: number
  round_id: number
  status: 'recommended' | 'reserve' | 'declined'
  /** The amount the panel recommends (may differ from the request); null for reserve and declined. */
  amount_pence: number | null
  rationale: Generated<string>
  /** One of the round's decline_reasons. */
  decline_reason: string | null
  /** Free text sent to the applicant with the decision. */
  feedback: string | null
  optimiser_run_id: number | null
  /** What the optimiser proposed for this bid; differs from status when the chair overrode it. */
  proposed_status: string | null
  override_reason: string | null
  decided_by: number
  decided_at: string
  released_at: string | null
  created_at: CreatedAt
}

export interface PanelAttendeesTable {
  id: Id
  round_id: number
  user_id: number | null
  name: string
  role: string
  created_at: CreatedAt
}

export interface AwardsTable {
  id: Id
  reference: string
  application_id: number
  round_id: number
  organisation_id: number
  amount_pence: number
  status: string
  conditions: Generated<string>
  offer_document_id: number | null
  offer_sha256: string | null
  accepted_at: string | null
  accepted_name: string | null
  accepted_role: string | null
  declined_at: string | null
  published_at: string | null
  planned_start: string | null
  planned_end: string | null
  offered_at: string | null
  offered_by: number | null
  /** JSON: the merge fields the offer letter was made from (OfferTerms in app/domain/awards). */
  offer_terms: string | null
  accepted_by: number | null
  accepted_declaration: string | null
  acceptance_document_id: number | null
  acceptance_sha256: string | null
  declined_by: number | null
  declined_reason: string | null
  /** 'single' | 'instalments' | 'yearly' */
  schedule_kind: string | null
  /** JSON array of outcome areas confirmed when the award was made; null for awards made before it was kept. */
  outcome_areas: string | null
  /** Who marked the award for publication as 360Giving open data (published_at says when). */
  published_by: number | null
  created_at: CreatedAt
  updated_at: Generated<string>
}

export interface AwardCommitmentsTable {
  id: Id
  award_id: number
  contribution_id: number
  amount_pence: number
  override_reason: string | null
  released_at: string | null
  release_reason: string | null
  created_at: CreatedAt
}

/** What each award adds to place_figures: one row per award and contribution with an active commitment (maintained). */
export interface AwardFiguresTable {
  award_id: number
  contribution_id: number
  pot_id: number
  funder_id: number
  /** The award's application's place, 0 when none is recorded. */
  place_key: number
  committed_pence: number
  paid_pence: number
  match_cash_pence: number
  match_in_kind_pence: number
}

/** The dashboards' figures per place for each contribution, pot and funder (maintained; see place-figures.server.ts). */
export interface PlaceFiguresTable {
  scope: 'contribution' | 'pot' | 'funder'
  scope_id: number
  place_key: number
  awards: number
  committed_pence: number
  paid_pence: number
  match_cash_pence: number
  match_in_kind_pence: number
}

/** The pot dashboard's committed and paid per contribution and month (maintained by the ledger; see month-figures.server.ts). */
export interface ContributionMonthsTable {
  contribution_id: number
  /** '2026-11' */
  month: string
  committed_pence: number
  paid_pence: number
}

/**
 * Each contribution's ledger bucket balances and what it has received, in one row (maintained by the ledger's posting
 * and the receipt writers; see contribution-figures.server.ts). No row means all zero.
 */
export interface ContributionFiguresTable {
  contribution_id: number
  outstanding_pence: Generated<number>
  available_pence: Generated<number>
  committed_pence: Generated<number>
  scheduled_pence: Generated<number>
  paid_pence: Generated<number>
  returned_pence: Generated<number>
  received_pence: Generated<number>
}

export interface PaymentRunsTable {
  id: Id
  reference: string
  rail: 'bacs' | 'stripe'
  status: string
  total_pence: Generated<number>
  created_by: number
  approved_by: number | null
  approved_at: string | null
  idempotency_key: string
  needs_approval: Generated<number>
  threshold_pence: number | null
  submitted_at: string | null
  exported_at: string | null
  exported_by: number | null
  file_sha256: string | null
  cancelled_at: string | null
  cancelled_by: number | null
  created_at: CreatedAt
  /** How many payments are in the run, kept by the functions that move them in and out (rebuildRunTrancheCounts). */
  tranche_count: Generated<number>
}

export interface TranchesTable {
  id: Id
  award_id: number
  sequence: number
  amount_pence: number
  due_date: string
  gate: 'acceptance' | 'date' | 'return' | 'condition'
  gate_ref: string | null
  status: string
  payment_run_id: number | null
  bank_account_id: number | null
  sent_at: string | null
  paid_at: string | null
  failure_reason: string | null
  external_ref: string | null
  /** How many times payment has been attempted and failed or been reversed; part of the Stripe idempotency key. */
  attempt: Generated<number>
  failed_at: string | null
  cancelled_at: string | null
  remittance_document_id: number | null
  created_at: CreatedAt
  updated_at: Generated<string>
}

export interface TranchePartsTable {
  id: Id
  tranche_id: number
  contribution_id: number
  amount_pence: number
  created_at: CreatedAt
}

export interface AwardConditionsTable {
  id: Id
  award_id: number
  sequence: number
  text: string
  status: 'outstanding' | 'met' | 'waived'
  evidence_document_id: number | null
  note: string | null
  met_at: string | null
  met_by: number | null
  created_at: CreatedAt
}

export interface AwardVariationsTable {
  id: Id
  award_id: number
  reason: string
  /** JSON: the amount and schedule before. */
  current: string
  /** JSON: the amount and schedule asked for. */
  proposed: string
  status: 'pending' | 'approved' | 'rejected'
  requested_by: number
  decided_by: number | null
  decided_at: string | null
  decision_note: string | null
  idempotency_key: string
  created_at: CreatedAt
}

export interface AwardRepaymentsTable {
  id: Id
  award_id: number
  tranche_id: number | null
  kind: 'repayment' | 'clawback'
  amount_pence: number
  reason: string
  received_on: string
  recorded_by: number
  idempotency_key: string
  created_at: CreatedAt
}

export interface StripeTransfersTable {
  id: Id
  tranche_id: number
  attempt: number
  idempotency_key: string
  destination_account: string
  amount_pence: number
  transfer_id: string | null
  status: 'requested' | 'created' | 'paid' | 'failed' | 'reversed'
  last_error: string | null
  updated_at: Generated<string>
  created_at: CreatedAt
}

export interface BankStatementImportsTable {
  id: Id
  filename: string
  sha256: string
  imported_by: number
  line_count: number
  matched_count: number
  created_at: CreatedAt
}

export interface BankStatementLinesTable {
  id: Id
  import_id: number
  line_number: number
  posted_on: string | null
  amount_pence: number | null
  reference: string
  description: string
  status: 'matched' | 'unmatched' | 'already_paid' | 'invalid'
  tranche_id: number | null
  note: string | null
  created_at: CreatedAt
}

export interface JobsTable {
  id: Id
  kind: string
  status: 'queued' | 'running' | 'done' | 'failed'
  total: Generated<number>
  done: Generated<number>
  payload: Generated<string>
  result: string | null
  error: string | null
  created_by: number | null
  idempotency_key: string | null
  started_at: string | null
  finished_at: string | null
  updated_at: Generated<string>
  created_at: CreatedAt
}

export interface ReturnsTable {
  id: Id
  award_id: number
  kind: string
  period_label: string
  due_date: string
  status: string
  version: Generated<number>
  data: Generated<string>
  people_reached: number | null
  submitted_at: string | null
  reviewed_by: number | null
  reviewed_at: string | null
  review_comments: string | null
  /** 'short' | 'full' (by the award's size when the schedule was attached). */
  form: string | null
  sessions_delivered: number | null
  spent_pence: number | null
  match_funding_pence: number | null
  submitted_by: number | null
  reminded_due_at: string | null
  reminded_overdue_at: string | null
  created_at: CreatedAt
  updated_at: Generated<string>
}

export interface ReturnVersionsTable {
  id: Id
  return_id: number
  version: number
  /** JSON: the return exactly as submitted. */
  data: string
  submitted_by: number
  submitted_at: string
  review_outcome: 'accepted' | 'changes_requested' | null
  review_comments: string | null
  reviewed_by: number | null
  reviewed_at: string | null
  created_at: CreatedAt
}

export interface ReturnCountsTable {
  id: Id
  return_id: number
  /** 'referral' | 'age_band' | 'sex' | 'ethnicity' | 'disability' | 'first_language' */
  dimension: string
  category: string
  count: number
  created_at: CreatedAt
}

/** Returns of accepted or completed awards by round, status and due date, kept by their writers (rebuildReturnReviewCounts). */
export interface ReturnReviewCountsTable {
  round_id: number
  status: string
  due_date: string
  return_count: number
}

/** Per round, the public /stats counts (received, decided, successful), refreshed by their writers (rebuildRoundStats). */
export interface RoundStatsTable {
  round_id: number
  received: number
  decided: number
  successful: number
}

/** Counts of changes kept by the database's triggers (migration 2026_11_22_170000): 'open_data' for the 360Giving files. */
export interface DataVersionsTable {
  name: string
  version: number
}

export interface ReturnOutcomesTable {
  id: Id
  return_id: number
  /** A measure or scale item code, e.g. 'ons4_anxious', 'ucla3', 'swemwbs'. */
  measure: string
  basis: 'participants' | 'cohort'
  n: number
  mean_before: number
  mean_after: number
  /** Sum and sum of squares of each person's change (after - before): sufficient statistics for roll-ups. */
  sum_change: number
  sum_sq_change: number
  created_at: CreatedAt
}

export interface SroiModelsTable {
  id: Id
  fund_id: number
  /** JSON: the values per outcome, deadweight, attribution and drop-off. */
  inputs: string
  updated_by: number
  updated_at: string
  created_at: CreatedAt
}

export interface DocumentsTable {
  id: Id
  organisation_id: number | null
  owner_type: string
  owner_id: number
  purpose: string
  filename: string
  content_type: string
  size_bytes: number
  storage_key: string
  sha256: string
  uploaded_by: number | null
  created_at: CreatedAt
}

export interface AuditEventsTable {
  id: Id
  occurred_at: string
  actor_user_id: number | null
  action: string
  entity_type: string
  entity_id: string | null
  before: string | null
  after: string | null
  prev_hash: string
  hash: string
}

export interface AuditChainHeadTable {
  id: number
  last_event_id: number | null
  last_hash: string
}

export interface OutboxMessagesTable {
  id: Id
  channel: Generated<string>
  template: string
  to_address: string
  subject: string
  body_text: string
  body_html: string | null
  status: 'pending' | 'sent' | 'failed'
  attempts: Generated<number>
  last_error: string | null
  next_attempt_at: string | null
  sent_at: string | null
  idempotency_key: string | null
  created_at: CreatedAt
}

export interface IdempotencyKeysTable {
  id: Id
  key: string
  scope: string
  user_id: number | null
  response_status: number | null
  response_body: string | null
  created_at: CreatedAt
}

export interface WebhookEventsTable {
  event_id: string
  source: string
  type: string
  received_at: Generated<string>
}

export interface AppMetaTable {
  key: string
  value: string
}

export interface DB {
  places: PlacesTable
  place_links: PlaceLinksTable
  users: UsersTable
  user_roles: UserRolesTable
  sessions: SessionsTable
  password_reset_tokens: PasswordResetTokensTable
  sign_in_attempts: SignInAttemptsTable
  funders: FundersTable
  organisations: OrganisationsTable
  organisation_places: OrganisationPlacesTable
  memberships: MembershipsTable
  invitations: InvitationsTable
  bank_accounts: BankAccountsTable
  funds: FundsTable
  fund_funders: FundFundersTable
  rounds: RoundsTable
  round_places: RoundPlacesTable
  questions: QuestionsTable
  criteria: CriteriaTable
  pots: PotsTable
  round_pots: RoundPotsTable
  contributions: ContributionsTable
  contribution_instalments: ContributionInstalmentsTable
  contribution_receipts: ContributionReceiptsTable
  ledger_accounts: LedgerAccountsTable
  ledger_entries: LedgerEntriesTable
  applications: ApplicationsTable
  application_versions: ApplicationVersionsTable
  application_reference_counters: ApplicationReferenceCountersTable
  assessments: AssessmentsTable
  criterion_scores: CriterionScoresTable
  round_assessors: RoundAssessorsTable
  assessor_places: AssessorPlacesTable
  moderations: ModerationsTable
  bid_score_summaries: BidScoreSummariesTable
  round_place_limits: RoundPlaceLimitsTable
  optimiser_runs: OptimiserRunsTable
  panel_decisions: PanelDecisionsTable
  panel_attendees: PanelAttendeesTable
  awards: AwardsTable
  award_commitments: AwardCommitmentsTable
  award_figures: AwardFiguresTable
  place_figures: PlaceFiguresTable
  contribution_months: ContributionMonthsTable
  contribution_figures: ContributionFiguresTable
  payment_runs: PaymentRunsTable
  tranches: TranchesTable
  tranche_parts: TranchePartsTable
  award_conditions: AwardConditionsTable
  award_variations: AwardVariationsTable
  award_repayments: AwardRepaymentsTable
  stripe_transfers: StripeTransfersTable
  bank_statement_imports: BankStatementImportsTable
  bank_statement_lines: BankStatementLinesTable
  jobs: JobsTable
  returns: ReturnsTable
  return_versions: ReturnVersionsTable
  return_counts: ReturnCountsTable
  return_review_counts: ReturnReviewCountsTable
  round_stats: RoundStatsTable
  data_versions: DataVersionsTable
  return_outcomes: ReturnOutcomesTable
  sroi_models: SroiModelsTable
  documents: DocumentsTable
  audit_events: AuditEventsTable
  audit_chain_head: AuditChainHeadTable
  outbox_messages: OutboxMessagesTable
  idempotency_keys: IdempotencyKeysTable
  webhook_events: WebhookEventsTable
  app_meta: AppMetaTable
}

export type User = Selectable<UsersTable>
export type NewUser = Insertable<UsersTable>
export type UserUpdate = Updateable<UsersTable>
export type Organisation = Selectable<OrganisationsTable>
export type Place = Selectable<PlacesTable>
export type Funder = Selectable<FundersTable>
export type LedgerAccount = Selectable<LedgerAccountsTable>
export type LedgerEntry = Selectable<LedgerEntriesTable>
export type AuditEvent = Selectable<AuditEventsTable>
export type OutboxMessage = Selectable<OutboxMessagesTable>
