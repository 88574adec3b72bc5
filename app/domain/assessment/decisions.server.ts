/**
 * Panel decisions (ADR 0009): the chair records recommended (with the amount), reserve or declined (a reason from the
 * round's decline_reasons plus optional feedback) for each bid, by hand or by accepting the optimiser's proposal.
 *
 * Rules:
 * - A panel member with a declared conflict on a bid takes no part in its decision (403).
 * - A recommended amount defaults to the request and must be more than £0 and no more than the round's maximum grant.
 * - Once the chair has accepted an optimiser proposal, a decision that differs from what it proposed for the bid needs
 *   a reason (override_reason; proposed_status keeps what was proposed).
 * - Nothing changes after the fund manager has released the round's decisions (409).
 *
 * Accepting a proposal decides every bid on the panel's list: the optimiser's chosen bids are recommended at the amount
 * requested; the others go on the reserve list, except bids that failed a gateway criterion, which are declined with
 * the round's decline reason "Did not pass <criterion>" when the round has one (matched ignoring case), else its
 * first reason that starts "Did not pass", else its first reason; the feedback names the criterion. Overrides are
 * then applied, each with its reason.
 */
import crypto from 'node:crypto'
import canonicalize from 'canonicalize'
import type { Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, DomainError, NotFoundError } from '~/lib/errors.ts'
import { formatPence, MAX_PENCE } from '~/lib/money.ts'
import type { OptimiserInput } from './optimiser.server.ts'
import { DECISION_LABELS, type DecisionStatus } from './panel-labels.ts'
import { panelRound, type PanelRoundFacts } from './panel.server.ts'
import { PANEL_BID_STATUSES, roundScoreboard, type ScoreboardBid } from './scoreboard.server.ts'

/** A value the decision form should have caught, next to its field. */
export class DecisionInputError extends DomainError {
  constructor(field: string, message: string) {
    super(message, { code: 'decision_input', status: 400, field })
  }
}

export class DecisionConflictOfInterestError extends DomainError {
  constructor(reference: string) {
    super(`You declared a conflict of interest on ${reference}, so you cannot take part in its decision. Another member of the panel must decide it.`, { code: 'decision_conflict_of_interest', status: 403 })
  }
}

export class DecisionsReleasedError extends ConflictError {
  constructor() {
    super('The decisions for this round have been released to applicants, so they can no longer be changed.', 'decisions_released')
  }
}

export class ProposalNotOpenError extends ConflictError {
  constructor(status: string) {
    super(status === 'accepted' ? 'This proposal has already been accepted.' : 'This proposal has been replaced by a newer one. Accept the newest proposal instead.', 'proposal_not_open')
  }
}

export interface RecordDecisionInput {
  applicationId: number
  status: DecisionStatus
  amountPence?: number | null
  rationale: string
  declineReason?: string | null
  feedback?: string | null
  overrideReason?: string | null
}

interface BidFacts {
  id: number
  reference: string
  roundId: number
  amountRequestedPence: number
}

async function bidFacts(db: Db, applicationId: number): Promise<BidFacts> {
  const row = await db
    .selectFrom('applications')
    .select(['id', 'reference', 'round_id', 'amount_requested_pence'])
    .where('id', '=', applicationId)
    .where('status', 'in', PANEL_BID_STATUSES)
    .executeTakeFirst()
  if (!row) throw new NotFoundError('bid')
  return { id: row.id, reference: row.reference, roundId: row.round_id, amountRequestedPence: Number(row.amount_requested_pence) }
}

/** The bids (of those given) on which the user declared a conflict of interest. */
export async function conflictedBidIds(db: Db, userId: number, applicationIds: number[]): Promise<Set<number>> {
  if (applicationIds.length === 0) return new Set()
  const rows = await db
    .selectFrom('assessments')
    .select('application_id')
    .where('assessor_user_id', '=', userId)
    .where('status', '=', 'conflict')
    .where('application_id', 'in', applicationIds)
    .execute()
  return new Set(rows.map((r) => r.application_id))
}

export function assertNotReleased(round: PanelRoundFacts): void {
  if (round.decisionsReleasedAt) throw new DecisionsReleasedError()
}

const text = (value: string | null | undefined): string => (value ?? '').trim()

interface CheckedDecision {
  status: DecisionStatus
  amountPence: number | null
  rationale: string
  declineReason: string | null
  feedback: string | null
}

/** Applies the decision rules that do not depend on the optimiser; throws DecisionInputError naming the field. */
function checkDecision(round: PanelRoundFacts, bid: BidFacts, input: Omit<RecordDecisionInput, 'applicationId' | 'overrideReason'>, fields = { amount: 'amount', rationale: 'rationale', declineReason: 'declineReason' }): CheckedDecision {
  const rationale = text(input.rationale)
  if (!rationale) throw new DecisionInputError(fields.rationale, 'Give the panel’s reason for this decision')
  const feedback = text(input.feedback) || null
  if (input.status === 'declined') {
    const reason = text(input.declineReason)
    if (!reason) throw new DecisionInputError(fields.declineReason, 'Choose the reason for declining the bid')
    if (!round.declineReasons.includes(reason)) throw new DecisionInputError(fields.declineReason, 'Choose a reason from the round’s list')
    return { status: 'declined', amountPence: null, rationale, declineReason: reason, feedback }
  }
  if (input.status === 'reserve') return { status: 'reserve', amountPence: null, rationale, declineReason: null, feedback }
  const amount = input.amountPence ?? bid.amountRequestedPence
  if (!Number.isSafeInteger(amount) || amount <= 0 || amount > MAX_PENCE) throw new DecisionInputError(fields.amount, 'Enter an amount of more than £0')
  if (round.maxGrantPence !== null && amount > round.maxGrantPence) {
    throw new DecisionInputError(fields.amount, `The amount must be no more than the round’s largest grant, ${formatPence(round.maxGrantPence)}`)
  }
  return { status: 'recommended', amountPence: amount, rationale, declineReason: null, feedback }
}

interface WriteDecision extends CheckedDecision {
  optimiserRunId: number | null
  proposedStatus: DecisionStatus | null
  overrideReason: string | null
}

/** Inserts or replaces the bid's decision and audits it. */
async function writeDecision(trx: Transaction<DB>, actorUserId: number, bid: BidFacts, d: WriteDecision, action: string): Promise<void> {
  const before = await trx.selectFrom('panel_decisions').selectAll().where('application_id', '=', bid.id).executeTakeFirst()
  const values = {
    status: d.status,
    amount_pence: d.amountPence,
    rationale: d.rationale,
    decline_reason: d.declineReason,
    feedback: d.feedback,
    optimiser_run_id: d.optimiserRunId,
    proposed_status: d.proposedStatus,
    override_reason: d.overrideReason,
    decided_by: actorUserId,
    decided_at: new Date().toISOString(),
  }
  if (before) await trx.updateTable('panel_decisions').set(values).where('id', '=', before.id).execute()
  else await trx.insertInto('panel_decisions').values({ ...values, application_id: bid.id, round_id: bid.roundId }).execute()
  await recordAudit(trx, {
    actorUserId,
    action,
    entityType: 'application',
    entityId: bid.id,
    before: before ? { status: before.status, amountPence: before.amount_pence, declineReason: before.decline_reason } : null,
    after: { reference: bid.reference, ...d },
  })
}

/** The accepted optimiser proposal the bid's decision came from, if any: what it proposed and the run. */
async function acceptedProposal(db: Db, applicationId: number): Promise<{ runId: number; proposedStatus: DecisionStatus } | null> {
  const row = await db
    .selectFrom('panel_decisions')
    .innerJoin('optimiser_runs', 'optimiser_runs.id', 'panel_decisions.optimiser_run_id')
    .select(['optimiser_runs.id', 'panel_decisions.proposed_status'])
    .where('panel_decisions.application_id', '=', applicationId)
    .where('optimiser_runs.status', '=', 'accepted')
    .executeTakeFirst()
  if (!row || !row.proposed_status) return null
  return { runId: row.id, proposedStatus: row.proposed_status as DecisionStatus }
}

/** Records (or changes) the panel's decision on one bid. See the module comment for the rules. */
export async function recordDecision(trx: Transaction<DB>, actorUserId: number, input: RecordDecisionInput): Promise<void> {
  const bid = await bidFacts(trx, input.applicationId)
  const round = await panelRound(trx, bid.roundId)
  assertNotReleased(round)
  if ((await conflictedBidIds(trx, actorUserId, [bid.id])).has(bid.id)) throw new DecisionConflictOfInterestError(bid.reference)
  const checked = checkDecision(round, bid, input)
  const proposal = await acceptedProposal(trx, bid.id)
  let overrideReason: string | null = null
  if (proposal && proposal.proposedStatus !== checked.status) {
    overrideReason = text(input.overrideReason) || null
    if (!overrideReason) {
      throw new DecisionInputError('overrideReason', `The accepted proposal has this bid as “${DECISION_LABELS[proposal.proposedStatus]}”: give a reason for deciding differently`)
    }
  }
  await writeDecision(trx, actorUserId, bid, { ...checked, optimiserRunId: proposal?.runId ?? null, proposedStatus: proposal?.proposedStatus ?? null, overrideReason }, 'panel.decision_recorded')
}

// ---------------------------------------------------------------- the optimiser

export interface OptimiserRun {
  id: number
  roundId: number
  status: 'proposed' | 'accepted' | 'superseded' | 'infeasible'
  inputs: OptimiserInput
  inputsSha256: string
  selectedIds: number[]
  greedySelectedIds: number[]
  explanation: string[]
  totalScoreMilli: number
  totalPence: number
  solveMs: number
  createdAt: string
  acceptedAt: string | null
}

/** The sha256 of the input's canonical JSON (RFC 8785), so the same input always has the same fingerprint. */
export function inputsFingerprint(input: OptimiserInput): { json: string; sha256: string } {
  const json = canonicalize(input) ?? 'null'
  return { json, sha256: crypto.createHash('sha256').update(json).digest('hex') }
}

function parseIds(json: string): number[] {
  const value: unknown = JSON.parse(json)
  return Array.isArray(value) ? value.map(Number) : []
}

interface RunRow {
  id: number
  round_id: number
  status: OptimiserRun['status']
  inputs: string
  inputs_sha256: string
  selected: string
  greedy_selected: string
  explanation: string
  total_score_milli: number | string
  total_pence: number | string
  solve_ms: number
  created_at: string
  accepted_at: string | null
}

function toRun(r: RunRow): OptimiserRun {
  return {
    id: r.id,
    roundId: r.round_id,
    status: r.status,
    inputs: JSON.parse(r.inputs) as OptimiserInput,
    inputsSha256: r.inputs_sha256,
    selectedIds: parseIds(r.selected),
    greedySelectedIds: parseIds(r.greedy_selected),
    explanation: (JSON.parse(r.explanation) as unknown[]).map(String),
    totalScoreMilli: Number(r.total_score_milli),
    totalPence: Number(r.total_pence),
    solveMs: r.solve_ms,
    createdAt: r.created_at,
    acceptedAt: r.accepted_at,
  }
}

const RUN_COLUMNS = ['id', 'round_id', 'status', 'inputs', 'inputs_sha256', 'selected', 'greedy_selected', 'explanation', 'total_score_milli', 'total_pence', 'solve_ms', 'created_at', 'accepted_at'] as const

export async function getOptimiserRun(db: Db, runId: number): Promise<OptimiserRun> {
  const row = await db.selectFrom('optimiser_runs').select(RUN_COLUMNS).where('id', '=', runId).executeTakeFirst()
  if (!row) throw new NotFoundError('proposal')
  return toRun(row)
}

/** The round's newest optimiser run, if any. */
export async function latestOptimiserRun(db: Db, roundId: number): Promise<OptimiserRun | null> {
  const row = await db.selectFrom('optimiser_runs').select(RUN_COLUMNS).where('round_id', '=', roundId).orderBy('id', 'desc').executeTakeFirst()
  return row ? toRun(row) : null
}

// ---------------------------------------------------------------- accepting a proposal

export interface ProposalOverride {
  applicationId: number
  status: DecisionStatus
  reason: string
  /** Needed when overriding to declined: one of the round's decline reasons. */
  declineReason?: string | null
}

export interface AcceptProposalInput {
  runId: number
  overrides: ProposalOverride[]
}

/** The decline reason for a bid that failed a gateway (see the module comment). */
export function gatewayDeclineReason(reasons: string[], gatewayNames: string[]): string | null {
  const lower = (s: string) => s.trim().toLowerCase()
  for (const name of gatewayNames) {
    const exact = reasons.find((r) => lower(r) === lower(`Did not pass ${name}`))
    if (exact) return exact
  }
  return reasons.find((r) => lower(r).startsWith('did not pass')) ?? reasons[0] ?? null
}

interface Proposed {
  bid: ScoreboardBid
  decision: CheckedDecision
}

/** What the run proposes for each bid on the panel's list (bids not scored when it ran are left out). */
function proposals(run: OptimiserRun, round: PanelRoundFacts, bids: ScoreboardBid[]): Proposed[] {
  const inRun = new Set(run.inputs.bids.map((b) => b.id))
  const selected = new Set(run.selectedIds)
  const out: Proposed[] = []
  for (const bid of bids) {
    if (bid.gatewayFailed && bid.moderatedTotalMilli !== null) {
      const names = bid.failedGatewayNames
      const reason = gatewayDeclineReason(round.declineReasons, names)
      const feedback = `The bid did not pass ${names.map((n) => `“${n}”`).join(' and ') || 'a gateway criterion'}, so it could not be funded whatever its score.`
      out.push({ bid, decision: { status: 'declined', amountPence: null, rationale: `Did not pass a gateway criterion (optimiser run ${run.id})`, declineReason: reason, feedback } })
    } else if (inRun.has(bid.applicationId)) {
      const chosen = selected.has(bid.applicationId)
      out.push({
        bid,
        decision: chosen
          ? { status: 'recommended', amountPence: bid.amountRequestedPence, rationale: `In the optimiser’s proposal (run ${run.id})`, declineReason: null, feedback: null }
          : { status: 'reserve', amountPence: null, rationale: `Not in the optimiser’s proposal (run ${run.id}): the money available went further on other bids`, declineReason: null, feedback: null },
      })
    }
  }
  return out
}

/**
 * The chair accepts the run's proposal: every bid in it is decided as proposed (see the module comment), then each
 * override is applied with its reason (proposed_status keeps the proposal). The run becomes accepted. A panel member
 * with a conflict on any bid in the proposal cannot accept it (403): another member must.
 */
export async function acceptProposal(trx: Transaction<DB>, actorUserId: number, input: AcceptProposalInput): Promise<{ decided: number; overridden: number }> {
  const run = await getOptimiserRun(trx, input.runId)
  if (run.status !== 'proposed') throw new ProposalNotOpenError(run.status)
  const round = await panelRound(trx, run.roundId)
  assertNotReleased(round)
  const board = await roundScoreboard(trx, run.roundId, { normalise: false })
  const proposed = proposals(run, round, board.bids)
  const conflicted = await conflictedBidIds(trx, actorUserId, proposed.map((p) => p.bid.applicationId))
  if (conflicted.size > 0) throw new DecisionConflictOfInterestError(proposed.filter((p) => conflicted.has(p.bid.applicationId)).map((p) => p.bid.reference).join(', '))

  const byId = new Map(proposed.map((p) => [p.bid.applicationId, p]))
  const overrides = new Map<number, CheckedDecision & { reason: string }>()
  input.overrides.forEach((o, i) => {
    const p = byId.get(o.applicationId)
    if (!p) throw new DecisionInputError(`overrides[${i}].status`, 'That bid is not part of this proposal')
    if (o.status === p.decision.status) return
    const reason = text(o.reason)
    if (!reason) throw new DecisionInputError(`overrides[${i}].reason`, `Give a reason for changing ${p.bid.reference} from the proposal`)
    const bid = { id: p.bid.applicationId, reference: p.bid.reference, roundId: run.roundId, amountRequestedPence: p.bid.amountRequestedPence }
    const checked = checkDecision(round, bid, { status: o.status, rationale: reason, declineReason: o.declineReason, feedback: null }, { amount: `overrides[${i}].status`, rationale: `overrides[${i}].reason`, declineReason: `overrides[${i}].declineReason` })
    overrides.set(o.applicationId, { ...checked, reason })
  })

  for (const p of proposed) {
    const bid = { id: p.bid.applicationId, reference: p.bid.reference, roundId: run.roundId, amountRequestedPence: p.bid.amountRequestedPence }
    const override = overrides.get(bid.id)
    const decision = override ? { ...override, rationale: `Changed from the optimiser’s proposal (run ${run.id})` } : p.decision
    await writeDecision(trx, actorUserId, bid, { ...decision, optimiserRunId: run.id, proposedStatus: p.decision.status, overrideReason: override?.reason ?? null }, override ? 'panel.proposal_overridden' : 'panel.decision_recorded')
  }
  await trx.updateTable('optimiser_runs').set({ status: 'superseded' }).where('round_id', '=', run.roundId).where('status', '=', 'accepted').execute()
  await trx.updateTable('optimiser_runs').set({ status: 'accepted', accepted_by: actorUserId, accepted_at: new Date().toISOString() }).where('id', '=', run.id).execute()
  await recordAudit(trx, { actorUserId, action: 'panel.proposal_accepted', entityType: 'round', entityId: run.roundId, after: { runId: run.id, decided: proposed.length, overridden: overrides.size } })
  return { decided: proposed.length, overridden: overrides.size }
}
