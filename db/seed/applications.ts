/**
 * Demo applications: drafts and submitted bids from the demo organisations to an open round, made through the
 * applicant domain (eligibility check, section saves, submission), so they carry references, versions, audit events
 * and confirmation emails like real ones. Answers are filled in from each question's type, so the seed follows
 * whatever questions the round has; file questions are left empty (no demo files on disk).
 *
 *   await seedApplications(trx, { roundId, applicants: [{ email, submit: true }, { email, submit: false }], now })
 */
import type { Transaction } from 'kysely'
import type { DB } from '../schema.ts'
import { type AnswerValue, type QuestionDef } from '../../app/domain/applications/answers.ts'
import { getApplicationForMember, NotEligibleError, saveSection, startApplication } from '../../app/domain/applications/applications.server.ts'
import { ApplicationIncompleteError, submitApplication } from '../../app/domain/applications/submission.server.ts'
import { getRound } from '../../app/domain/funds/rounds.server.ts'
import { percentOfPence } from '../../app/lib/money.ts'

export interface SeedApplicationsContext {
  roundId: number
  /** Demo applicants by email (an admin of one organisation each): submitted bids, or drafts left half-done. */
  applicants: { email: string; submit: boolean; amountPence?: number; title?: string }[]
  now: Date
}

export interface SeededApplication {
  id: number
  reference: string
  status: string
}

function demoAnswer(q: QuestionDef, amountPence: number, organisationName: string, title?: string): AnswerValue | undefined {
  switch (q.type) {
    case 'short_text':
      return q.key === 'project_title' ? (title ?? `${organisationName}: creative connections`) : 'Yes, as described in our plan'
    case 'long_text':
      return 'Weekly sessions for people referred by social prescribing link workers, run with our local partners.'
    case 'number':
      return 40
    case 'money':
      return amountPence
    case 'date':
      return '2027-04-01'
    case 'single_choice':
      return q.config.options?.[0]
    case 'multiple_choice':
      return q.config.options?.slice(0, 1)
    case 'yes_no':
      return 'yes'
    case 'budget_table':
      // 20% match funding: the cash not asked for plus in-kind support make a quarter of the amount asked for.
      return [
        { category: 'Staff and freelance fees', description: 'Session leaders and artists', amountPence: amountPence + percentOfPence(amountPence, 10), kind: 'cash' },
        { category: 'Venue hire', description: 'Community hall, given free by the council', amountPence: percentOfPence(amountPence, 15), kind: 'in_kind' },
      ]
    case 'partners_table':
      return [
        { name: 'Local library service', role: 'Hosts sessions and promotes them', letter: null },
        { name: 'Primary care network link workers', role: 'Refer participants', letter: null },
        { name: 'Age UK branch', role: 'Transport and befriending', letter: null },
      ]
    case 'file_upload':
      return undefined
  }
}

export async function seedApplications(trx: Transaction<DB>, ctx: SeedApplicationsContext): Promise<SeededApplication[]> {
  const round = await getRound(trx, ctx.roundId)
  const defaultAmountPence = round.rules.multiYear?.amountsPerYearPence[0] ?? round.minGrantPence ?? 2_500_000
  const seeded: SeededApplication[] = []
  for (const applicant of ctx.applicants) {
    const amountPence = applicant.amountPence ?? defaultAmountPence
    const user = await trx.selectFrom('users').select(['id', 'email', 'name']).where('email', '=', applicant.email).executeTakeFirstOrThrow()
    const membership = await trx.selectFrom('memberships').select('organisation_id').where('user_id', '=', user.id).orderBy('id').executeTakeFirstOrThrow()
    const eligibilityAnswers = Object.fromEntries(
      round.rules.eligibilityQuestions.map((q) => [q.key, q.options.find((o) => !q.blockingAnswers.includes(o)) ?? q.options[0]!]),
    )
    let started: { id: number; reference: string }
    try {
      started = await startApplication(trx, user, { roundId: round.id, organisationId: membership.organisation_id, eligibilityAnswers, now: ctx.now })
    } catch (e) {
      // An organisation the round is not for (its type or area) simply has no demo bid.
      if (e instanceof NotEligibleError) continue
      throw e
    }
    const application = await getApplicationForMember(trx, user, started.id)
    const sections = applicant.submit ? application.sections : application.sections.slice(0, 1)
    for (const section of sections) {
      const answers = Object.fromEntries(section.questions.map((q) => [q.key, demoAnswer(q, amountPence, application.organisationName, applicant.title)]))
      await saveSection(trx, user, { applicationId: started.id, sectionNumber: section.number, input: { answers, files: {}, removals: [] }, dataDir: '', now: ctx.now })
    }
    let status = 'draft'
    if (applicant.submit) {
      try {
        status = (await submitApplication(trx, user, { applicationId: started.id, declaration: true, now: ctx.now })).status
      } catch (e) {
        // A round that requires an upload leaves the bid as a complete-but-unsubmitted draft.
        if (!(e instanceof ApplicationIncompleteError)) throw e
      }
    }
    seeded.push({ id: started.id, reference: started.reference, status })
  }
  return seeded
}
