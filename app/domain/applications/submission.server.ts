/**
 * From a finished draft to a submitted bid, and what can happen to it afterwards from the applicant's side: the
 * "check your answers" problems, submitting (deadline enforced here, on the server), withdrawing before a decision,
 * and the fund manager reopening a submitted bid for changes, which starts a new version and keeps the old ones.
 *
 * Versions: `applications.version` is the version being written. Submitting writes that version's answers to
 * application_versions; reopening moves to the next version number.
 */
import type { Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { allocateFirstComeFirstServed, type FcfsOutcome } from '~/domain/applications/allocation.server.ts'
import { enqueueEmail } from '~/domain/messages/outbox.server.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import { formatDeadline } from '~/lib/dates.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, DomainError } from '~/lib/errors.ts'
import { formatPence } from '~/lib/money.ts'
import { answerProblem, hasAnswer, isVisible, missingAnswerMessage, partnerRows } from './answers.ts'
import {
  amountQuestion,
  assertCanChange,
  budgetOf,
  getApplication,
  getApplicationForMember,
  type Actor,
  type ApplicationDetail,
} from './applications.server.ts'
import { refreshRoundStats } from '~/domain/stats/round-counts.server.ts'

export interface ApplicationProblem {
  message: string
  /** Where to fix it: the section page (with the question's anchor). */
  href: string
}

function sectionHref(application: ApplicationDetail, questionKey: string): string {
  const section = application.sections.find((s) => s.questions.some((q) => q.key === questionKey))
  return `/applications/${application.id}/sections/${section?.number ?? 1}#${questionKey}`
}

/** Everything that stops the application being submitted, in the order of the form. Empty when it is ready. */
export function applicationProblems(application: ApplicationDetail): ApplicationProblem[] {
  const problems: ApplicationProblem[] = []
  const { answers, round } = application
  for (const q of application.questions) {
    if (!isVisible(q, answers)) continue
    if (q.required && !hasAnswer(q, answers[q.key])) problems.push({ message: missingAnswerMessage(q), href: sectionHref(application, q.key) })
    const problem = answerProblem(q, answers[q.key])
    if (problem) problems.push({ message: problem, href: sectionHref(application, q.key) })
  }
  if (application.stage === 'eoi') return problems

  const amountQ = amountQuestion(application.questions)
  const amount = amountQ ? answers[amountQ.key] : undefined
  if (amountQ && typeof amount === 'number') {
    const href = sectionHref(application, amountQ.key)
    const multiYear = round.rules.multiYear
    if (multiYear) {
      if (!multiYear.amountsPerYearPence.includes(amount)) {
        const choices = multiYear.amountsPerYearPence.map((p) => formatPence(p, { pence: 'auto' }))
        problems.push({ message: `The amount a year must be ${choices.join(' or ')}`, href })
      }
    } else {
      if (round.minGrantPence !== null && amount < round.minGrantPence) {
        problems.push({ message: `The amount you ask for must be at least ${formatPence(round.minGrantPence, { pence: 'auto' })}`, href })
      }
      if (round.maxGrantPence !== null && amount > round.maxGrantPence) {
        problems.push({ message: `The amount you ask for must be no more than ${formatPence(round.maxGrantPence, { pence: 'auto' })}`, href })
      }
    }
  }

  const budgetQ = application.questions.find((q) => q.type === 'budget_table')
  const budget = budgetOf(round, application.questions, answers)
  if (budgetQ && budget && budget.projectCostPence > 0) {
    const href = sectionHref(application, budgetQ.key)
    if (budget.requestExceedsCash) {
      problems.push({ message: `You ask for ${formatPence(budget.amountRequestedPence)}, more than the ${formatPence(budget.cashPence)} of cash costs in your budget`, href })
    }
    const rule = round.rules.matchFunding
    if (rule && !budget.meetsMatchFunding) {
      problems.push({
        message:
          `Match funding must be at least ${rule.percentOfProjectCost}% of the project cost; yours is ${budget.matchPercent}%` +
          (rule.inKindCounts ? '' : ' (in-kind support does not count in this round)'),
        href,
      })
    }
  }

  const partnership = round.rules.partnership
  const partnersQ = application.questions.find((q) => q.type === 'partners_table')
  if (partnership && partnersQ) {
    const count = partnerRows(answers[partnersQ.key]).length
    if (count < partnership.minimumPartners) {
      problems.push({
        message: `A partnership bid needs at least ${partnership.minimumPartners} partner organisation${partnership.minimumPartners === 1 ? '' : 's'}; you have listed ${count}`,
        href: sectionHref(application, partnersQ.key),
      })
    }
  }
  return problems
}

export class ApplicationIncompleteError extends DomainError {
  readonly problems: ApplicationProblem[]
  constructor(problems: ApplicationProblem[]) {
    super('Your application is not ready to submit yet.', { code: 'application_incomplete', status: 400 })
    this.problems = problems
  }
}

export class DeclarationMissingError extends DomainError {
  constructor() {
    super('Confirm the declaration to submit your application', { code: 'declaration_missing', status: 400, field: 'declaration' })
  }
}

export interface SubmitInput {
  applicationId: number
  declaration: boolean
  now: Date
}

export interface SubmitResult {
  status: string
  reference: string
  /** For a first-come-first-served round, what the submission got, there and then. */
  allocation: { outcome: FcfsOutcome; reason: string | null } | null
}

function allocationSentence(allocation: SubmitResult['allocation']): string {
  if (!allocation) return 'We will let you know the outcome after the round closes and the panel has met.'
  if (allocation.outcome === 'allocated') return 'Good news: a grant has been allocated to you. We will be in touch about the next steps.'
  if (allocation.outcome === 'waitlisted') return `Your application is on the waiting list. ${allocation.reason ?? ''}`.trim()
  return `We could not allocate a grant to this application. ${allocation.reason ?? ''}`.trim()
}

/**
 * Submits the application: refuses after the deadline (409 naming it), without the declaration, or with problems
 * left; writes the version, queues the confirmation email, and in a first-come-first-served round allocates (or
 * wait-lists, or refuses) in the same transaction. An expression of interest becomes 'eoi_submitted'.
 */
export async function submitApplication(trx: Transaction<DB>, actor: Actor & { email: string; name: string }, input: SubmitInput): Promise<SubmitResult> {
  const application = await getApplicationForMember(trx, actor, input.applicationId)
  if (application.status === 'changes_requested' || application.status === 'draft') assertCanChange(application, input.now)
  else throw new ConflictError('This application has already been submitted.', 'application_already_submitted')
  if (!input.declaration) throw new DeclarationMissingError()
  const problems = applicationProblems(application)
  if (problems.length > 0) throw new ApplicationIncompleteError(problems)

  const nowIso = input.now.toISOString()
  const status = application.stage === 'eoi' ? 'eoi_submitted' : 'submitted'
  await trx.updateTable('applications').set({ status, submitted_at: nowIso, updated_at: nowIso }).where('id', '=', application.id).execute()
  await trx
    .insertInto('application_versions')
    .values({ application_id: application.id, version: application.version, answers: JSON.stringify(application.answers), created_by: actor.id, created_at: nowIso })
    .execute()
  await recordAudit(trx, {
    actorUserId: actor.id,
    action: application.stage === 'eoi' ? 'application.eoi_submitted' : 'application.submitted',
    entityType: 'application',
    entityId: application.id,
    after: { reference: application.reference, version: application.version, status },
  })
  let allocation: SubmitResult['allocation'] = null
  if (application.round.allocationMethod === 'fcfs' && application.stage === 'full') {
    const result = await allocateFirstComeFirstServed(trx, { applicationId: application.id, now: input.now, actorUserId: actor.id })
    allocation = { outcome: result.outcome, reason: result.reason }
  }
  await refreshRoundStats(trx, application.round.id)
  await enqueueEmail(trx, {
    template: 'application-submitted',
    to: actor.email,
    data: {
      name: actor.name,
      reference: application.reference,
      organisationName: application.organisationName,
      roundTitle: application.round.title,
      submittedAt: formatDeadline(nowIso),
      outcome: allocationSentence(allocation),
    },
    idempotencyKey: `application-submitted:${application.id}:${application.version}`,
  })
  return { status: allocation?.outcome ?? status, reference: application.reference, allocation }
}

// ---------------------------------------------------------------- withdrawing

/** Statuses from which an applicant may still withdraw: anything before a decision. */
export const WITHDRAWABLE_STATUSES = ['draft', 'changes_requested', 'submitted', 'eoi_submitted', 'invited', 'waitlisted'] as const

export function canWithdraw(status: string): boolean {
  return (WITHDRAWABLE_STATUSES as readonly string[]).includes(status)
}

export async function withdrawApplication(trx: Transaction<DB>, actor: Actor, input: { applicationId: number; reason: string | null; now: Date }): Promise<void> {
  const application = await getApplicationForMember(trx, actor, input.applicationId)
  if (!canWithdraw(application.status)) throw new ConflictError('This application can no longer be withdrawn: a decision has been made on it.', 'application_not_withdrawable')
  await trx
    .updateTable('applications')
    .set({ status: 'withdrawn', decision_reason: input.reason, updated_at: input.now.toISOString() })
    .where('id', '=', application.id)
    .execute()
  await refreshRoundStats(trx, application.round.id)
  await recordAudit(trx, {
    actorUserId: actor.id,
    action: 'application.withdrawn',
    entityType: 'application',
    entityId: application.id,
    before: { status: application.status },
    after: { status: 'withdrawn', reason: input.reason },
  })
}

// ---------------------------------------------------------------- changes at the fund manager's request

/**
 * Reopens a submitted application for changes, at the fund manager's request: it becomes editable as the next
 * version; the submitted versions stay in the history. The caller has checked the manager's permission.
 */
export async function reopenForChanges(trx: Transaction<DB>, manager: Actor, input: { applicationId: number; reason: string; now?: Date }): Promise<{ version: number }> {
  const application = await getApplication(trx, input.applicationId)
  if (application.status !== 'submitted') throw new ConflictError('Only a submitted application can be reopened for changes.', 'application_not_reopenable')
  const version = application.version + 1
  await trx
    .updateTable('applications')
    .set({ status: 'changes_requested', version, decision_reason: input.reason, updated_at: (input.now ?? new Date()).toISOString() })
    .where('id', '=', application.id)
    .execute()
  await refreshRoundStats(trx, application.round.id)
  await recordAudit(trx, {
    actorUserId: manager.id,
    action: 'application.reopened',
    entityType: 'application',
    entityId: application.id,
    before: { status: application.status, version: application.version },
    after: { status: 'changes_requested', version, reason: input.reason },
  })
  return { version }
}

// ---------------------------------------------------------------- history

export interface ApplicationVersion {
  version: number
  submittedAt: string
  submittedBy: string | null
  answers: Record<string, unknown>
}

/** The submitted versions of an application, newest first (members of its organisation only). */
export async function listVersions(db: Db, actor: Actor, applicationId: number): Promise<ApplicationVersion[]> {
  await getApplicationForMember(db, actor, applicationId)
  const rows = await db
    .selectFrom('application_versions')
    .leftJoin('users', 'users.id', 'application_versions.created_by')
    .select(['application_versions.version', 'application_versions.created_at', 'application_versions.answers', 'users.name'])
    .where('application_versions.application_id', '=', applicationId)
    .orderBy('application_versions.version', 'desc')
    .execute()
  return rows.map((r) => ({ version: r.version, submittedAt: r.created_at, submittedBy: r.name, answers: JSON.parse(r.answers) as Record<string, unknown> }))
}

/** The deadline sentence for a round ("12:00 on Friday 8 January 2027"), or null. */
export function deadlineOf(application: ApplicationDetail): string | null {
  return application.round.closesAt ? formatDeadline(application.round.closesAt) : null
}

