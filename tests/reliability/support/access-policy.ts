/**
 * The route policy table: for every route file in app/routes and each of its loader and action, who may use it.
 * tests/reliability/access-matrix.test.ts calls each one as nobody and as a person holding exactly each role, and
 * fails when the answer differs from this table, when a route file has no entry here, or when an entry names a route
 * that does not exist. A new route is therefore classified here before it can land.
 *
 * Who may:
 * - 'public': anyone, signed in or not;
 * - 'signed-in': any signed-in person (the page then shows them their own things);
 * - 'the invited person': only the person an invitation is addressed to (nobody in the matrix: its invitation is
 *   for a stranger, so everyone signed in is refused with a 403);
 * - a Permission from app/lib/policy.ts: the roles whose POLICY has it (params are the acting person's own
 *   organisation's things, so `:own` permissions are tested on data they own; other organisations' data is the
 *   cross-tenant part of the test);
 * - { anyOf }: the roles holding any of those permissions;
 * - { members, or, assigned }: members of the organisation the thing belongs to (applicant, organisation admin), the
 *   roles holding any of `or`, and with `assigned` the assessors assigned to the bid, for pages that scope by
 *   membership instead of a permission. These hide what a person may not see behind a 404, not a 403 (files and
 *   letters whose very existence is private); anonymous people are sent to sign in.
 *
 * `writes` marks a loader that records something when read (an audited export); every other page read must change
 * nothing. `acts` marks an action that does its work on an empty form, because its GET page is the confirmation (withdraw,
 * release decisions, close the year) or it saves what it is given (autosave). The matrix runs those after every other
 * case and says why the change does not matter; every other action must leave the database as it was.
 */
import type { Permission, Role } from '../../../app/lib/policy.ts'
import { POLICY } from '../../../app/lib/policy.ts'
import type { AccessWorld, Actor } from './access-world.ts'

export type Who =
  | 'public'
  | 'signed-in'
  | 'the invited person'
  | Permission
  | { anyOf: readonly Permission[] }
  | { members: true; or: readonly Permission[]; assigned?: true }

export interface RoutePolicy {
  loader?: Who
  action?: Who
  /** Parameters other than the defaults (access-world.ts defaultParams), e.g. a draft for the pages that edit one. */
  params?: (w: AccessWorld, actor: Actor) => Record<string, number | string>
  /** Query string for both methods. */
  search?: (w: AccessWorld) => string
  /** The action does its work on an empty form: why that does not matter to the cases after it. */
  acts?: string
  /** The loader writes when read by someone allowed (an audited export, starting an enrolment): what it writes. */
  writes?: string
  /** A minimal form for the action when an empty one would not reach the permission check's consequences. */
  body?: Record<string, string>
  /** Environment the route needs to exist at all. */
  env?: Record<string, string>
}

const MEMBERS: readonly Role[] = ['applicant', 'organisation_admin']
/** Those who read every award and payment: fund managers and finance officers. */
const AWARD_READERS: readonly Permission[] = ['issue:award:any', 'prepare:payment-run:any']

/** How a signed-in person who may not is refused: 404 for the membership-scoped pages, 403 for the rest. */
export function refusalOf(who: Who): 'denied' | 'hidden' {
  return typeof who === 'object' && 'members' in who ? 'hidden' : 'denied'
}

/** Whether an actor may, by the table. */
export function mayAccess(who: Who, actor: Actor): boolean {
  if (who === 'public') return true
  if (actor === 'anonymous') return false
  if (who === 'signed-in') return true
  if (who === 'the invited person') return false
  if (typeof who === 'string') return POLICY[actor].includes(who)
  if ('members' in who) return MEMBERS.includes(actor) || who.or.some((p) => POLICY[actor].includes(p)) || (!!who.assigned && POLICY[actor].includes('read:application:assigned'))
  return who.anyOf.some((p) => POLICY[actor].includes(p))
}

const draftA = (w: AccessWorld) => ({ applicationId: w.draftA })

export const ROUTE_POLICY: Record<string, RoutePolicy> = {
  // Public pages, files and forms.
  '_index.tsx': { loader: 'public' },
  'bench.floor.tsx': { loader: 'public', env: { COMMONPOT_BENCH: '1' } },
  'data.360giving[.]csv.ts': { loader: 'public' },
  'data.360giving[.]json.ts': { loader: 'public' },
  'forgot-password.tsx': { action: 'public' },
  'funding.$slug.tsx': { loader: 'public' },
  'funding._index.tsx': { loader: 'public' },
  'healthz.ts': { loader: 'public' },
  'places.$placeId.tsx': { loader: 'public' },
  'places._index.tsx': { loader: 'public' },
  'pots.$potId.donate.tsx': { loader: 'public', action: 'public' },
  'reset-password.tsx': { loader: 'public', action: 'public' },
  'signup.tsx': { loader: 'public', action: 'public' },
  'stats.tsx': { loader: 'public' },
  'webhooks.stripe.ts': { action: 'public' },
  'login.tsx': { loader: 'public', action: 'public' },
  'logout.tsx': { loader: 'public', action: 'public', acts: 'signs the person out of the session made for that one request' },
  'invitations.$token.tsx': { loader: 'public', action: 'the invited person' },

  // Anyone signed in: their own account, home, organisations and applications.
  'account._index.tsx': { loader: 'signed-in' },
  'account.data[.]json.ts': { loader: 'signed-in', writes: 'records the export of their own data in the audit log' },
  'account.password.tsx': { loader: 'signed-in', action: 'signed-in' },
  'account.two-factor.tsx': { loader: 'signed-in', action: 'signed-in', writes: 'starts two-factor enrolment (a new secret, audited) for someone without it' },
  'login_.two-factor.tsx': { loader: 'signed-in', action: 'signed-in' },
  'home.tsx': { loader: 'signed-in' },
  'jobs.$jobId.tsx': { loader: 'signed-in' },
  'organisation._index.tsx': { loader: 'signed-in' },
  'organisation.new.tsx': { loader: 'signed-in', action: 'signed-in' },
  'applications._index.tsx': { loader: 'signed-in' },
  'apply.$slug.eligibility.tsx': { loader: 'signed-in', action: 'signed-in' },
  'documents.$documentId.tsx': { loader: { members: true, or: ['read:application:any'], assigned: true } },

  // Applicants: their own organisation's bids, awards, returns and bank details.
  'applications.$applicationId._index.tsx': { loader: 'read:application:own' },
  'applications.$applicationId.check.tsx': { loader: 'read:application:own', action: 'write:application:own', params: draftA },
  'applications.$applicationId.history.tsx': { loader: 'read:application:own' },
  'applications.$applicationId.sections.$sectionNumber.tsx': {
    loader: 'write:application:own',
    action: 'write:application:own',
    params: draftA,
    acts: 'saves an empty first section of A’s draft (answers are saved as given, as the autosave does)',
  },
  'applications.$applicationId.submitted.tsx': { loader: 'read:application:own' },
  'applications.$applicationId.withdraw.tsx': { loader: 'write:application:own', action: 'write:application:own', params: draftA, acts: 'withdraws A’s draft (the GET page is the confirmation); nothing after it uses that draft' },
  'awards._index.tsx': { loader: 'accept:offer:own' },
  'awards.$awardId.tsx': { loader: { members: true, or: ['issue:award:any'] }, action: 'accept:offer:own' },
  'awards.$awardId.letter[.]pdf.ts': { loader: { members: true, or: AWARD_READERS } },
  'awards.$awardId_.conditions.$conditionId.tsx': { loader: 'accept:offer:own', action: 'accept:offer:own' },
  'awards.$awardId_.remittance.$trancheId[.]pdf.ts': { loader: { members: true, or: AWARD_READERS } },
  'awards.$awardId_.returns.$returnId.tsx': { loader: 'write:return:own', action: 'write:return:own', acts: 'saves an empty draft of A’s first return (a draft, not sent)' },
  'awards.$awardId_.variation.tsx': { loader: 'accept:offer:own', action: 'accept:offer:own' },
  'organisation.bank-details.tsx': { loader: 'write:bank-details:own', action: 'write:bank-details:own' },
  'organisation.members.tsx': { loader: 'manage:members:own', action: 'manage:members:own' },
  'organisation.priority.tsx': { loader: 'manage:organisation:own', action: 'manage:organisation:own', search: (w) => `?org=${w.orgA}` },

  // Assessors and the panel.
  'assess._index.tsx': { loader: 'score:application:assigned' },
  'assess.$assessmentId.tsx': { loader: 'read:application:assigned', action: 'score:application:assigned' },
  'panel._index.tsx': { loader: 'decide:application:any' },
  'panel.$roundId._index.tsx': { loader: 'decide:application:any' },
  'panel.$roundId.bids.$applicationId._index.tsx': { loader: { anyOf: ['decide:application:any', 'moderate:score:any'] }, action: 'moderate:score:any' },
  'panel.$roundId.bids.$applicationId.decision.tsx': { loader: 'decide:application:any', action: 'decide:application:any' },
  'panel.$roundId.calibration.tsx': { loader: { anyOf: ['decide:application:any', 'moderate:score:any'] }, action: 'moderate:score:any' },
  'panel.$roundId.minutes.tsx': { loader: 'decide:application:any', action: 'decide:application:any', acts: 'saves an empty list of attendees for the panel round’s minutes' },
  'panel.$roundId.minutes[.]pdf.ts': { loader: 'decide:application:any' },
  'panel.$roundId.money.tsx': { loader: 'decide:application:any' },
  'panel.$roundId.optimiser.tsx': { loader: 'decide:application:any', action: 'decide:application:any' },
  'panel.$roundId.pack[.]pdf.ts': { loader: 'decide:application:any' },
  'panel.$roundId.release.tsx': { loader: 'manage:round:any', action: 'manage:round:any', acts: 'releases the panel round’s decisions (the GET page is the confirmation); no case after it reads them' },

  // Fund management.
  'manage.applications.$applicationId.tsx': { loader: 'read:application:any', action: 'decide:application:any' },
  'manage.applications.$applicationId_.award.tsx': { loader: 'issue:award:any', action: 'issue:award:any' },
  'manage.awards.$awardId.tsx': { loader: 'issue:award:any', action: 'issue:award:any' },
  'manage.awards.$awardId_.offer.tsx': { loader: 'issue:award:any', action: 'issue:award:any' },
  'manage.awards.$awardId_.publish.tsx': { loader: 'publish:grant:any', action: 'publish:grant:any' },
  'manage.awards.$awardId_.variations.tsx': { loader: 'issue:award:any', action: 'issue:award:any' },
  'manage.funds.$fundId.tsx': { loader: 'manage:round:any', action: 'manage:round:any' },
  'manage.funds._index.tsx': { loader: 'manage:round:any', action: 'manage:fund:any' },
  'manage.open-data.tsx': { loader: 'publish:grant:any', action: 'publish:grant:any' },
  'manage.returns.$returnId.tsx': { loader: 'review:return:any', action: 'review:return:any' },
  'manage.returns._index.tsx': { loader: 'review:return:any' },
  'manage.rounds.$roundId._index.tsx': { loader: 'manage:round:any', action: 'manage:round:any' },
  'manage.rounds.$roundId.applications.tsx': {
    loader: 'read:application:any',
    action: 'decide:application:any',
    acts: 'screens the round’s applications not yet screened for eligibility (a button, no fields); screening is not read by the cases after it',
  },
  'manage.rounds.$roundId.applications[.]csv.ts': { loader: 'read:application:any' },
  'manage.rounds.$roundId.assessment.tsx': { loader: 'manage:round:any', action: 'manage:round:any' },
  'manage.rounds.$roundId.assignments.tsx': { loader: 'manage:round:any', action: 'manage:round:any' },
  'manage.rounds.$roundId.close.tsx': { loader: 'manage:round:any', action: 'manage:round:any' },
  'manage.rounds.$roundId.copy.tsx': { loader: 'manage:round:any', action: 'manage:round:any' },
  'manage.rounds.$roundId.criteria.tsx': { loader: 'manage:round:any', action: 'manage:round:any' },
  'manage.rounds.$roundId.criteria_.$criterionId.tsx': { loader: 'manage:round:any', action: 'manage:round:any' },
  'manage.rounds.$roundId.eligibility.tsx': { loader: 'manage:round:any', action: 'manage:round:any' },
  'manage.rounds.$roundId.offers.tsx': { loader: 'issue:award:any', action: 'issue:award:any' },
  'manage.rounds.$roundId.panel.tsx': { loader: 'manage:round:any', action: 'manage:round:any' },
  'manage.rounds.$roundId.publish.tsx': { loader: 'manage:round:any', action: 'manage:round:any' },
  'manage.rounds.$roundId.questions.$questionId.delete.tsx': { loader: 'manage:round:any', action: 'manage:round:any' },
  'manage.rounds.$roundId.questions.$questionId.edit.tsx': { loader: 'manage:round:any', action: 'manage:round:any' },
  'manage.rounds.$roundId.questions._index.tsx': { loader: 'manage:round:any', action: 'manage:round:any' },
  'manage.rounds.$roundId.returns.tsx': { loader: 'manage:round:any', action: 'manage:round:any' },
  'impact._index.tsx': { loader: 'read:report:any' },
  'impact.report[.]pdf.ts': { loader: { anyOf: ['read:report:any', 'read:report:funder'] } },
  'impact.sroi.$fundId.tsx': { loader: 'manage:fund:any', action: 'manage:fund:any' },

  // Pots and contributions.
  'pots._index.tsx': { loader: 'read:pot:any' },
  'pots.new.tsx': { loader: 'manage:pot:any', action: 'manage:pot:any' },
  'pots.$potId._index.tsx': { loader: 'read:pot:any', action: 'manage:pot:any' },
  'pots.$potId.dashboard.tsx': { loader: 'read:pot:any' },
  'pots.$potId.awards.tsx': { loader: 'read:pot:any' },
  'pots.$potId.ledger[.]csv.ts': { loader: 'read:pot:any' },
  'pots.$potId.year-end.tsx': { loader: 'manage:pot:any', action: 'manage:pot:any', acts: 'closes the pot’s year with nothing carried forward (the GET page is the confirmation); no case after it uses the pot' },
  'pots.$potId.contributions.new.tsx': { loader: 'manage:pot:any', action: 'manage:pot:any' },
  'pots.$potId.contributions.$contributionId.tsx': { loader: 'read:pot:any', action: 'record:receipt:any' },
  'pots.$potId.contributions.$contributionId.statement[.]pdf.ts': { loader: { anyOf: ['read:pot:any', 'read:report:funder'] } },

  // Finance.
  'finance._index.tsx': { loader: 'prepare:payment-run:any', action: 'prepare:payment-run:any' },
  'finance.awards.$awardId.repayments.tsx': { loader: 'record:receipt:any', action: 'record:receipt:any' },
  'finance.bank-details._index.tsx': { loader: 'verify:bank-details:any' },
  'finance.bank-details.$bankAccountId.tsx': { loader: 'verify:bank-details:any', action: 'verify:bank-details:any' },
  'finance.organisations.$organisationId.stripe.tsx': { loader: 'verify:bank-details:any', action: 'verify:bank-details:any' },
  'finance.payment-runs._index.tsx': { loader: 'prepare:payment-run:any' },
  'finance.payment-runs.$runId.tsx': { loader: 'prepare:payment-run:any', action: 'prepare:payment-run:any' },
  'finance.payment-runs.$runId_.export.tsx': { loader: 'prepare:payment-run:any', action: 'prepare:payment-run:any' },
  'finance.payment-runs.$runId_.file.ts': { loader: 'prepare:payment-run:any', search: () => '?format=standard18' },
  'finance.payment-runs.$runId_.stripe.tsx': { loader: 'prepare:payment-run:any', action: 'prepare:payment-run:any' },
  'finance.statements._index.tsx': { loader: 'prepare:payment-run:any', action: 'prepare:payment-run:any' },
  'finance.statements.$importId.tsx': { loader: 'prepare:payment-run:any' },

  // Funders.
  'funder._index.tsx': { loader: 'read:report:funder' },
  'funder.contributions.$contributionId.tsx': { loader: 'read:report:funder' },
  'funder.impact.tsx': { loader: 'read:report:funder' },

  // Administration.
  'admin._index.tsx': { loader: 'manage:user:any' },
  'admin.audit.tsx': { loader: 'read:audit:any' },
  'admin.outbox._index.tsx': { loader: 'read:outbox:any' },
  'admin.outbox.$messageId.tsx': { loader: 'read:outbox:any' },
  'admin.payment-settings.tsx': { loader: 'manage:user:any', action: 'manage:user:any' },
  'admin.places.import.tsx': { loader: 'manage:places:any', action: 'manage:places:any' },
  'admin.privacy.tsx': { loader: 'manage:personal-data:any', action: 'manage:personal-data:any' },
  'admin.users._index.tsx': { loader: 'manage:user:any' },
  'admin.users.$userId.tsx': { loader: 'manage:user:any', action: 'manage:user:any' },
  'admin.users.$userId_.data[.]json.ts': { loader: 'manage:personal-data:any', writes: 'records the subject access export in the audit log' },
  'admin.users.$userId_.erase.tsx': { loader: 'manage:personal-data:any', action: 'manage:personal-data:any' },
}
