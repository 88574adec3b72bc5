/**
 * The panel meeting's record: who attended and when it met (panel_attendees, rounds.panel_held_on), the minutes
 * (attendees, conflicts declared, decisions with their rationale, and every override of the optimiser's proposal with
 * its reason) and the panel pack (cover, ranked summary, each bid's scores and comments, conflicts, budget position).
 * minutesDocumentData and packDocumentData turn them into the values and rows that templates/pdf/panel-minutes.ts and
 * templates/pdf/panel-pack.ts are filled from.
 */
import type { Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import type { PdfData } from '~/lib/pdf.server.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import { isCalendarDate } from '~/lib/calendar-date.ts'
import type { Db } from '~/lib/db.server.ts'
import { DomainError } from '~/lib/errors.ts'
import { formatPence } from '~/lib/money.ts'
import { listConflicts, type DeclaredConflict } from './conflicts.server.ts'
import { getOptimiserRun, latestOptimiserRun, type OptimiserRun } from './decisions.server.ts'
import { decisionLabel, DECISION_LABELS, type DecisionStatus } from './panel-labels.ts'
import { panelRound, panelView, type PanelView } from './panel.server.ts'
import { formatPoints } from './scoring.ts'

export class AttendeesInputError extends DomainError {
  constructor(field: string, message: string) {
    super(message, { code: 'attendees_input', status: 400, field })
  }
}

export interface AttendeeInput {
  userId: number | null
  name: string
  role: string
}

export interface Attendee extends AttendeeInput {
  id: number
}


/** Which of these user ids have an account (an id past any integer column is nobody's, and is not asked about). */
async function knownUserIds(trx: Transaction<DB>, ids: number[]): Promise<Set<number>> {
  const askable = ids.filter((id) => Number.isSafeInteger(id) && id > 0 && id <= 2_147_483_647)
  if (askable.length === 0) return new Set()
  return new Set((await trx.selectFrom('users').select('id').where('id', 'in', askable).execute()).map((r) => r.id))
}

/**
 * Replaces the round's attendee list (and, when given, the date the panel met). Blank rows are ignored; each
 * attendee needs a name and a role, and a name may appear once. Audited.
 */
export async function setAttendees(trx: Transaction<DB>, actorUserId: number, roundId: number, attendees: AttendeeInput[], options: { panelHeldOn?: string | null } = {}): Promise<Attendee[]> {
  const round = await panelRound(trx, roundId)
  const rows = attendees.map((a) => ({ userId: a.userId, name: a.name.trim(), role: a.role.trim() })).filter((a) => a.name || a.role)
  const seen = new Set<string>()
  rows.forEach((a, i) => {
    if (!a.name) throw new AttendeesInputError(`attendees[${i}].name`, 'Enter the attendee’s name')
    if (!a.role) throw new AttendeesInputError(`attendees[${i}].role`, `Enter ${a.name}’s role at the panel`)
    if (seen.has(a.name.toLowerCase())) throw new AttendeesInputError(`attendees[${i}].name`, `${a.name} is listed twice`)
    seen.add(a.name.toLowerCase())
  })
  const known = await knownUserIds(trx, rows.flatMap((a) => (a.userId === null ? [] : [a.userId])))
  const stranger = rows.findIndex((a) => a.userId !== null && !known.has(a.userId))
  if (stranger >= 0) throw new AttendeesInputError(`attendees[${stranger}].name`, `We could not find ${rows[stranger]!.name}’s account: remove the row and type their name in a blank one`)
  const heldOn = options.panelHeldOn === undefined ? round.panelHeldOn : options.panelHeldOn?.trim() || null
  if (heldOn !== null && !isCalendarDate(heldOn)) throw new AttendeesInputError('panelHeldOn', 'Enter the date the panel met, like 2027-02-14')
  const before = await listAttendees(trx, roundId)
  await trx.deleteFrom('panel_attendees').where('round_id', '=', roundId).execute()
  for (const a of rows) await trx.insertInto('panel_attendees').values({ round_id: roundId, user_id: a.userId, name: a.name, role: a.role }).execute()
  await trx.updateTable('rounds').set({ panel_held_on: heldOn }).where('id', '=', roundId).execute()
  await recordAudit(trx, {
    actorUserId,
    action: 'panel.attendees_recorded',
    entityType: 'round',
    entityId: roundId,
    before: { attendees: before.map((a) => ({ name: a.name, role: a.role })), panelHeldOn: round.panelHeldOn },
    after: { attendees: rows.map((a) => ({ name: a.name, role: a.role })), panelHeldOn: heldOn },
  })
  return listAttendees(trx, roundId)
}

export async function listAttendees(db: Db, roundId: number): Promise<Attendee[]> {
  const rows = await db.selectFrom('panel_attendees').select(['id', 'user_id', 'name', 'role']).where('round_id', '=', roundId).orderBy('id').execute()
  return rows.map((r) => ({ id: r.id, userId: r.user_id, name: r.name, role: r.role }))
}

// ---------------------------------------------------------------- minutes

export interface MinutesDecision {
  reference: string
  title: string
  status: DecisionStatus
  amountPence: number | null
  rationale: string
  declineReason: string | null
  feedback: string | null
  decidedByName: string
}

export interface MinutesOverride {
  reference: string
  title: string
  proposedStatus: DecisionStatus
  status: DecisionStatus
  reason: string
}

export interface PanelMinutes {
  view: PanelView
  attendees: Attendee[]
  conflicts: DeclaredConflict[]
  decisions: MinutesDecision[]
  overrides: MinutesOverride[]
  acceptedRun: OptimiserRun | null
  undecided: string[]
}

/** Everything the minutes record, from the rows the panel wrote. */
export async function panelMinutes(db: Db, roundId: number): Promise<PanelMinutes> {
  const [view, attendees, conflicts, run] = await Promise.all([panelView(db, roundId), listAttendees(db, roundId), listConflicts(db, roundId), latestAccepted(db, roundId)])
  const decisions: MinutesDecision[] = []
  const overrides: MinutesOverride[] = []
  const undecided: string[] = []
  for (const row of view.rows) {
    const d = row.decision
    if (!d) {
      undecided.push(row.reference)
      continue
    }
    decisions.push({ reference: row.reference, title: row.title, status: d.status, amountPence: d.amountPence, rationale: d.rationale, declineReason: d.declineReason, feedback: d.feedback, decidedByName: d.decidedByName })
    if (d.proposedStatus && d.overrideReason && d.proposedStatus !== d.status) {
      overrides.push({ reference: row.reference, title: row.title, proposedStatus: d.proposedStatus, status: d.status, reason: d.overrideReason })
    }
  }
  return { view, attendees, conflicts, decisions, overrides, acceptedRun: run, undecided }
}

async function latestAccepted(db: Db, roundId: number): Promise<OptimiserRun | null> {
  const latest = await latestOptimiserRun(db, roundId)
  if (latest?.status === 'accepted') return latest
  const row = await db.selectFrom('optimiser_runs').select('id').where('round_id', '=', roundId).where('status', '=', 'accepted').orderBy('id', 'desc').executeTakeFirst()
  if (!row) return null
  return getOptimiserRun(db, row.id)
}

const LONG_DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' })

/** "14 February 2027" from "2027-02-14" or an ISO time. */
export function longDate(value: string): string {
  return LONG_DATE.format(new Date(value.length === 10 ? `${value}T12:00:00Z` : value))
}

function amountOrDash(pence: number | null): string {
  return pence === null ? '—' : formatPence(pence)
}

/** The values and rows templates/pdf/panel-minutes.ts is filled from. */
export function minutesDocumentData(m: PanelMinutes, generatedAt: Date): PdfData {
  const { round } = m.view
  return {
    values: {
      roundTitle: round.title,
      fundName: round.fundName,
      heldOn: round.panelHeldOn ? longDate(round.panelHeldOn) : 'Not recorded',
      budget: formatPence(round.budgetPence),
      recommended: formatPence(m.view.totals.recommendedPence),
      proposal: m.acceptedRun
        ? `The panel accepted the optimiser’s proposal (run ${m.acceptedRun.id}, input fingerprint ${m.acceptedRun.inputsSha256.slice(0, 12)}) on ${longDate(m.acceptedRun.acceptedAt ?? m.acceptedRun.createdAt)}, with ${m.overrides.length} ${m.overrides.length === 1 ? 'change' : 'changes'}.`
        : 'The panel did not use an optimiser proposal.',
      undecided: m.undecided.length ? `Still to decide: ${m.undecided.join(', ')}.` : 'Every bid has a decision.',
      released: round.decisionsReleasedAt ? `Decisions were released to applicants on ${longDate(round.decisionsReleasedAt)}.` : 'Decisions have not yet been released to applicants.',
      generatedOn: longDate(generatedAt.toISOString()),
    },
    tables: {
      attendees: m.attendees.map((a) => ({ name: a.name, role: a.role })),
      conflicts: m.conflicts.map((c) => ({ assessor: c.assessorName, bid: c.reference, type: c.typeLabel, note: c.note ?? '', recordedBy: c.recordedByName ? `Recorded by ${c.recordedByName}` : 'Declared by the assessor' })),
      decisions: m.decisions.map((d) => ({
        reference: d.reference,
        title: d.title,
        decision: DECISION_LABELS[d.status],
        amount: amountOrDash(d.amountPence),
        rationale: [d.rationale, d.declineReason ? `Reason: ${d.declineReason}` : '', d.feedback ? `Feedback: ${d.feedback}` : ''].filter(Boolean).join('. '),
      })),
      overrides: m.overrides.map((o) => ({ reference: o.reference, proposed: DECISION_LABELS[o.proposedStatus], decided: DECISION_LABELS[o.status], reason: o.reason })),
    },
  }
}

// ---------------------------------------------------------------- the panel pack

export interface PackBid {
  rank: number
  reference: string
  title: string
  organisationName: string
  placeName: string | null
  amountPence: number
  moderatedTotalMilli: number | null
  meanMilli: number | null
  spreadMilli: number | null
  disagreement: boolean
  gateway: string
  decision: string
  assessors: { name: string; weightedMilli: number | null; comments: string }[]
  moderation: { criterion: string; score: number; rationale: string }[]
}

export interface PanelPack {
  view: PanelView
  bids: PackBid[]
  conflicts: DeclaredConflict[]
}

/** The pack: the ranked list plus, per bid, each submitted assessor's weighted score and comments and the moderation. */
export async function panelPack(db: Db, roundId: number): Promise<PanelPack> {
  const [view, conflicts] = await Promise.all([panelView(db, roundId), listConflicts(db, roundId)])
  const ids = view.rows.map((r) => r.applicationId)
  const none = [-1]
  const [assessments, comments, moderations] = await Promise.all([
    db
      .selectFrom('assessments')
      .innerJoin('users', 'users.id', 'assessments.assessor_user_id')
      .select(['assessments.id', 'assessments.application_id', 'assessments.weighted_score_milli', 'users.name'])
      .where('assessments.application_id', 'in', ids.length ? ids : none)
      .where('assessments.status', '=', 'submitted')
      .orderBy('users.name')
      .execute(),
    db
      .selectFrom('criterion_scores')
      .innerJoin('criteria', 'criteria.id', 'criterion_scores.criterion_id')
      .innerJoin('assessments', 'assessments.id', 'criterion_scores.assessment_id')
      .select(['criterion_scores.assessment_id', 'criteria.name', 'criterion_scores.score', 'criterion_scores.comment'])
      .where('assessments.application_id', 'in', ids.length ? ids : none)
      .where('assessments.status', '=', 'submitted')
      .orderBy('criteria.position')
      .execute(),
    db
      .selectFrom('moderations')
      .innerJoin('criteria', 'criteria.id', 'moderations.criterion_id')
      .select(['moderations.application_id', 'criteria.name', 'moderations.score', 'moderations.rationale'])
      .where('moderations.application_id', 'in', ids.length ? ids : none)
      .orderBy('criteria.position')
      .execute(),
  ])
  const commentsBy = new Map<number, string[]>()
  for (const c of comments) {
    const list = commentsBy.get(c.assessment_id) ?? []
    list.push(`${c.name} (${c.score})${c.comment.trim() ? `: ${c.comment.trim()}` : ''}`)
    commentsBy.set(c.assessment_id, list)
  }
  const bids = view.rows.map((row) => ({
    rank: row.rank,
    reference: row.reference,
    title: row.title,
    organisationName: row.organisationName,
    placeName: row.placeName,
    amountPence: row.amountPence,
    moderatedTotalMilli: row.moderatedTotalMilli,
    meanMilli: row.meanMilli,
    spreadMilli: row.spreadMilli,
    disagreement: row.disagreement,
    gateway: row.gatewayFailed ? `Failed: ${row.failedGatewayNames.join(', ')}` : 'Passed',
    decision: decisionLabel(row.decision?.status),
    assessors: assessments
      .filter((a) => a.application_id === row.applicationId)
      .map((a) => ({ name: a.name, weightedMilli: a.weighted_score_milli === null ? null : Number(a.weighted_score_milli), comments: (commentsBy.get(a.id) ?? []).join('; ') })),
    moderation: moderations.filter((m) => m.application_id === row.applicationId).map((m) => ({ criterion: m.name, score: m.score, rationale: m.rationale })),
  }))
  return { view, bids, conflicts }
}

/** The values and rows templates/pdf/panel-pack.ts is filled from (per-bid keys are bid0..bidN, as the layout expects). */
export function packDocumentData(pack: PanelPack, generatedAt: Date): PdfData {
  const { round, totals } = pack.view
  const values: Record<string, string> = {
    roundTitle: round.title,
    fundName: round.fundName,
    heldOn: round.panelHeldOn ? longDate(round.panelHeldOn) : 'Not yet set',
    budget: formatPence(round.budgetPence),
    bids: String(pack.bids.length),
    counted: formatPence(totals.countedPence),
    left: totals.roundLeftPence < 0 ? `over by ${formatPence(-totals.roundLeftPence)}` : formatPence(totals.roundLeftPence),
    generatedOn: longDate(generatedAt.toISOString()),
  }
  const tables: PdfData['tables'] = {
    ranked: pack.view.rows.map((r) => ({
      rank: String(r.rank),
      reference: r.reference,
      title: r.title,
      place: r.placeName ?? '—',
      amount: formatPence(r.amountPence),
      score: formatPoints(r.moderatedTotalMilli),
      spread: r.spreadMilli === null ? '—' : `${formatPoints(r.spreadMilli)}${r.disagreement ? ' (disagree)' : ''}`,
      running: r.counted ? formatPence(r.runningTotalPence) : '—',
      decision: decisionLabel(r.decision?.status),
    })),
    conflicts: pack.conflicts.map((c) => ({ assessor: c.assessorName, bid: c.reference, type: c.typeLabel, note: c.note ?? '' })),
    pots: pack.view.pots.map((p) => ({ name: p.name, place: p.placeName ?? 'National', start: formatPence(p.startPence), left: formatPence(p.leftPence) })),
    ringFenced: pack.view.ringFenced.map((c) => ({ funder: c.funderName, conditions: c.conditions.join('; '), start: formatPence(c.startPence), left: formatPence(c.leftPence) })),
  }
  pack.bids.forEach((b, i) => {
    values[`bid${i}Heading`] = `${b.rank}. ${b.reference}: ${b.title}`
    values[`bid${i}Organisation`] = b.organisationName
    values[`bid${i}Place`] = b.placeName ?? '—'
    values[`bid${i}Amount`] = formatPence(b.amountPence)
    values[`bid${i}Score`] = `${formatPoints(b.moderatedTotalMilli)} moderated (mean of assessors ${formatPoints(b.meanMilli)}, spread ${formatPoints(b.spreadMilli)}${b.disagreement ? ', assessors disagree' : ''})`
    values[`bid${i}Gateway`] = b.gateway
    values[`bid${i}Decision`] = b.decision
    tables[`bid${i}Assessors`] = b.assessors.map((a) => ({ name: a.name, score: formatPoints(a.weightedMilli), comments: a.comments }))
    tables[`bid${i}Moderation`] = b.moderation.map((m) => ({ criterion: m.criterion, score: String(m.score), rationale: m.rationale }))
  })
  return { values, tables }
}
