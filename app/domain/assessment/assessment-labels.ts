/**
 * How an assessor's work and conflicts of interest read to people. Isomorphic: the assessment pages, the panel
 * minutes and the panel pack render these in the browser too. The rules behind them are in conflicts.server.ts and
 * scores.server.ts (docs/decisions/0009-assessment-and-panels.md).
 */

/** The kinds of conflict of interest an assessor can declare (stored in assessments.conflict_type). */
export const CONFLICT_TYPES = ['financial', 'personal_relationship', 'professional_relationship', 'member_or_trustee', 'other'] as const
export type ConflictType = (typeof CONFLICT_TYPES)[number]

export const CONFLICT_TYPE_LABELS: Record<ConflictType, string> = {
  financial: 'Financial',
  personal_relationship: 'Personal relationship',
  professional_relationship: 'Professional relationship',
  member_or_trustee: 'Member or trustee of the organisation',
  other: 'Other',
}

export function conflictTypeLabel(type: string | null | undefined): string {
  return type && type in CONFLICT_TYPE_LABELS ? CONFLICT_TYPE_LABELS[type as ConflictType] : 'Not stated'
}

/** A note is required for these conflict types (there is nothing else to explain them). */
export function conflictNeedsNote(type: ConflictType): boolean {
  return type === 'other'
}

export const ASSESSMENT_STATUSES = ['assigned', 'draft', 'submitted', 'conflict'] as const
export type AssessmentStatus = (typeof ASSESSMENT_STATUSES)[number]

/** What an assessor sees as the state of each bid on their list. */
export const ASSESSOR_STATUS_LABELS: Record<AssessmentStatus, string> = {
  assigned: 'Check for conflicts',
  draft: 'In progress',
  submitted: 'Submitted',
  conflict: 'Conflict declared',
}

/** What a fund manager sees for each assignment. */
export const MANAGER_STATUS_LABELS: Record<AssessmentStatus, string> = {
  assigned: 'Not started (conflict check due)',
  draft: 'Scoring in progress',
  submitted: 'Scores submitted',
  conflict: 'Conflict declared',
}

export function assessorStatusLabel(status: string): string {
  return status in ASSESSOR_STATUS_LABELS ? ASSESSOR_STATUS_LABELS[status as AssessmentStatus] : status
}

export function managerStatusLabel(status: string): string {
  return status in MANAGER_STATUS_LABELS ? MANAGER_STATUS_LABELS[status as AssessmentStatus] : status
}
