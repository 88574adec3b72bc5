/**
 * Every column in db/schema.ts that points at a person (a `*_by` or `*user_id` column, or an email address), and what
 * subject access and erasure do with it. user-references.test.ts reads db/schema.ts and fails when a table gains such
 * a column that is not listed here, so a new feature cannot quietly hold personal data the export leaves out.
 *
 * `section` names where the subject access export shows the rows (a key of SubjectAccessExport); `records` entries
 * are exported by the generic "other records" query with the columns given.
 */

export type ErasureHandling =
  /** The row is removed when the person is erased. */
  | 'deleted'
  /** The row stays, pointing at the anonymised user (their name and email are gone from the users row). */
  | 'kept'
  /** The value is overwritten (an email address or a name). */
  | 'redacted'
  /** Not about a person at all (a column whose name only looks like one). */
  | 'not-personal'

export interface UserReference {
  table: string
  column: string
  /** Where the subject access export shows these rows; null when it does not (not-personal). */
  section: string | null
  erasure: ErasureHandling
  /** For the generic "other records" section: the columns exported (never secrets). */
  records?: { describes: string; columns: readonly string[] }
}

const kept = (table: string, column: string, describes: string, columns: readonly string[]): UserReference => ({
  table,
  column,
  section: 'otherRecords',
  erasure: 'kept',
  records: { describes, columns },
})

/** Rows with a section of their own in the export (read by subject-access.server.ts). */
const DEDICATED: UserReference[] = [
  { table: 'users', column: 'email', section: 'person', erasure: 'redacted' },
  { table: 'user_roles', column: 'user_id', section: 'roles', erasure: 'deleted' },
  { table: 'sessions', column: 'user_id', section: 'sessions', erasure: 'deleted' },
  { table: 'password_reset_tokens', column: 'user_id', section: 'passwordResets', erasure: 'deleted' },
  { table: 'sign_in_attempts', column: 'email', section: 'signInAttempts', erasure: 'deleted' },
  { table: 'organisations', column: 'main_contact_user_id', section: 'memberships', erasure: 'redacted' },
  { table: 'memberships', column: 'user_id', section: 'memberships', erasure: 'deleted' },
  { table: 'invitations', column: 'email', section: 'invitations', erasure: 'deleted' },
  { table: 'invitations', column: 'invited_by', section: 'invitations', erasure: 'kept' },
  { table: 'bank_accounts', column: 'entered_by', section: 'bankAccounts', erasure: 'kept' },
  { table: 'bank_accounts', column: 'verified_by', section: 'bankAccounts', erasure: 'kept' },
  { table: 'applications', column: 'created_by', section: 'applications', erasure: 'kept' },
  { table: 'application_versions', column: 'created_by', section: 'applications', erasure: 'kept' },
  { table: 'assessments', column: 'assessor_user_id', section: 'assessments', erasure: 'kept' },
  { table: 'round_assessors', column: 'user_id', section: 'assessorRoles', erasure: 'kept' },
  { table: 'assessor_places', column: 'user_id', section: 'assessorRoles', erasure: 'deleted' },
  { table: 'panel_attendees', column: 'user_id', section: 'assessorRoles', erasure: 'redacted' },
  { table: 'returns', column: 'submitted_by', section: 'returns', erasure: 'kept' },
  { table: 'return_versions', column: 'submitted_by', section: 'returns', erasure: 'kept' },
  { table: 'documents', column: 'uploaded_by', section: 'documents', erasure: 'kept' },
  { table: 'audit_events', column: 'actor_user_id', section: 'auditEvents', erasure: 'kept' },
  { table: 'outbox_messages', column: 'to_address', section: 'emails', erasure: 'redacted' },
  { table: 'idempotency_keys', column: 'user_id', section: 'otherRecords', erasure: 'kept', records: { describes: 'Requests you made that must not be repeated', columns: ['id', 'scope', 'created_at'] } },
]

/** Things the person did to records that are not about them: exported as "other records", kept on erasure. */
const RECORDS: UserReference[] = [
  kept('user_roles', 'granted_by', 'Roles you granted', ['id', 'user_id', 'role', 'created_at']),
  kept('rounds', 'swemwbs_licence_confirmed_by', 'SWEMWBS licences you confirmed for a round', ['id', 'title', 'swemwbs_licence_confirmed_at']),
  kept('pots', 'pool_manager_user_id', 'Pots you manage', ['id', 'name', 'financial_year', 'status']),
  kept('contribution_receipts', 'recorded_by', 'Contribution receipts you recorded', ['id', 'contribution_id', 'amount_pence', 'received_on', 'created_at']),
  kept('ledger_entries', 'actor_user_id', 'Ledger entries you caused', ['id', 'reason_code', 'amount_pence', 'created_at']),
  kept('applications', 'screened_by', 'Applications you screened for eligibility', ['id', 'reference', 'screening_override', 'screened_at']),
  kept('assessments', 'assigned_by', 'Assessments you assigned', ['id', 'application_id', 'assessor_user_id', 'created_at']),
  kept('assessments', 'conflict_recorded_by', 'Conflicts of interest you recorded for an assessor', ['id', 'application_id', 'assessor_user_id', 'conflict_type']),
  kept('round_assessors', 'added_by', 'Assessors you added to a round', ['id', 'round_id', 'user_id', 'created_at']),
  kept('moderations', 'moderated_by', 'Scores you moderated', ['id', 'application_id', 'criterion_id', 'score', 'rationale', 'updated_at']),
  kept('optimiser_runs', 'created_by', 'Optimiser runs you started', ['id', 'round_id', 'status', 'created_at']),
  kept('optimiser_runs', 'accepted_by', 'Optimiser runs you accepted', ['id', 'round_id', 'status', 'accepted_at']),
  kept('panel_decisions', 'decided_by', 'Panel decisions you recorded', ['id', 'application_id', 'status', 'decided_at']),
  kept('awards', 'offered_by', 'Grant offers you made', ['id', 'reference', 'status', 'offered_at']),
  kept('awards', 'accepted_by', 'Grant offers you accepted', ['id', 'reference', 'accepted_name', 'accepted_role', 'accepted_declaration', 'accepted_at']),
  kept('awards', 'declined_by', 'Grant offers you declined', ['id', 'reference', 'declined_reason', 'declined_at']),
  kept('awards', 'published_by', 'Awards you published as open data', ['id', 'reference', 'published_at']),
  kept('payment_runs', 'created_by', 'Payment runs you created', ['id', 'reference', 'status', 'created_at']),
  kept('payment_runs', 'approved_by', 'Payment runs you approved', ['id', 'reference', 'status', 'approved_at']),
  kept('payment_runs', 'exported_by', 'Payment runs you exported', ['id', 'reference', 'status', 'exported_at']),
  kept('payment_runs', 'cancelled_by', 'Payment runs you cancelled', ['id', 'reference', 'status', 'cancelled_at']),
  kept('award_conditions', 'met_by', 'Grant conditions you marked met', ['id', 'award_id', 'sequence', 'met_at']),
  kept('award_variations', 'requested_by', 'Grant changes you asked for', ['id', 'award_id', 'status', 'reason', 'created_at']),
  kept('award_variations', 'decided_by', 'Grant changes you decided', ['id', 'award_id', 'status', 'decision_note', 'decided_at']),
  kept('award_repayments', 'recorded_by', 'Repayments you recorded', ['id', 'award_id', 'kind', 'amount_pence', 'received_on']),
  kept('bank_statement_imports', 'imported_by', 'Bank statements you imported', ['id', 'filename', 'line_count', 'created_at']),
  kept('jobs', 'created_by', 'Background jobs you started', ['id', 'kind', 'status', 'created_at']),
  kept('returns', 'reviewed_by', 'Returns you reviewed', ['id', 'award_id', 'period_label', 'status', 'reviewed_at']),
  kept('return_versions', 'reviewed_by', 'Return versions you reviewed', ['id', 'return_id', 'version', 'review_outcome', 'reviewed_at']),
  kept('sroi_models', 'updated_by', 'Social return on investment assumptions you changed', ['id', 'fund_id', 'updated_at']),
]

const NOT_PERSONAL: UserReference[] = [{ table: 'contributions', column: 'spend_by', section: null, erasure: 'not-personal' }]

export const USER_REFERENCES: readonly UserReference[] = [...DEDICATED, ...RECORDS, ...NOT_PERSONAL]

/** The entries the generic "other records" section reads. */
export const OTHER_RECORDS = USER_REFERENCES.filter((r): r is UserReference & { records: NonNullable<UserReference['records']> } => !!r.records)

/** A column name that refers to a person: what the coverage test looks for in db/schema.ts. */
export function looksLikeUserReference(column: string): boolean {
  return /(^|_)user_id$|_by$|^email$|^to_address$/.test(column)
}
