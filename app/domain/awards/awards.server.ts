/**
 * Making an award from a panel's recommendation and committing it to a pot, in one transaction.
 *
 * A bid can be awarded when the panel recommended it (panel_decisions.status 'recommended') and no award exists for
 * it yet. The award is for the amount the fund manager confirms (by default the panel's amount, else the amount
 * requested), from one of the pots its round draws on (round_pots). Its money is split across the pot's contributions
 * by the budgets rule (commitAward: proportional to what each eligible contribution has available, within its
 * ring-fence and share cap), or by the fund manager's own split with a reason, held to the same rules.
 *
 * The award starts 'committed' (issue 6 takes it on to an offer). Its reference is the application's followed by
 * "-AWD". Match funding and in-kind support are the application's own (match_cash_pence, match_in_kind_pence): the
 * award links to the application, which is where the leverage reports read them. What the ring-fences need to know
 * about the bid is its place, round and fund (from the application), the day it is committed, and the outcome areas
 * it delivers, which the fund manager confirms on the award page (a bid records no outcome areas of its own).
 *
 * Idempotent by key: the award page carries a key made when the page was shown, so a repeated submission returns the
 * award already made rather than an error. Anything refused (a split no combination can satisfy, an override without
 * a reason) rolls back the whole transaction: no award without its commitments.
 */
import type { Transaction } from 'kysely'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, DomainError, NotFoundError } from '~/lib/errors.ts'
import { MAX_PENCE } from '~/lib/money.ts'
import { engineOf } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { commitAward, listAwardCommitments, splitCandidates, type CommitmentPart } from '../budgets/commitments.server.ts'
import { conditionNames } from '../budgets/overview.server.ts'
import { describeConditions, parseConditions, type AwardFacts, type ConditionNames, type OutcomeArea } from '../budgets/ring-fence.ts'
import { proportionalSplit } from '../budgets/split.ts'
import { ukToday } from '../places/places.server.ts'
import { refreshRoundStats } from '~/domain/stats/round-counts.server.ts'

export class BidNotFoundError extends NotFoundError {
  constructor() {
    super('bid')
  }
}

export class BidNotRecommendedError extends ConflictError {
  constructor() {
    super('The panel has not recommended this bid, so an award cannot be made for it.', 'bid_not_recommended')
  }
}

export class AwardAlreadyMadeError extends ConflictError {
  constructor(reference: string) {
    super(`An award has already been made for this bid (${reference}).`, 'award_already_made')
  }
}

/** A value the award form should have caught; names its field. */
export class AwardInputError extends DomainError {
  constructor(field: string, message: string) {
    super(message, { code: 'award_input', status: 400, field })
  }
}

export interface AwardableBid {
  applicationId: number
  reference: string
  title: string
  organisationId: number
  organisationName: string
  roundId: number
  roundTitle: string
  fundId: number
  fundName: string
  placeId: number | null
  placeName: string | null
  amountRequestedPence: number
  matchCashPence: number
  matchInKindPence: number
  decision: { status: 'recommended' | 'reserve' | 'declined'; amountPence: number | null; rationale: string } | null
  /** What to award unless the fund manager changes it: the panel's amount, else the amount requested. */
  recommendedPence: number
  /** The pots the bid's round draws on. */
  pots: Array<{ id: number; name: string; status: string }>
  award: { id: number; reference: string } | null
}

/** The bid with its panel decision, its round's pots and any award already made. Throws BidNotFoundError. */
export async function awardableBid(db: Db, applicationId: number): Promise<AwardableBid> {
  const row = await db
    .selectFrom('applications')
    .innerJoin('organisations', 'organisations.id', 'applications.organisation_id')
    .innerJoin('rounds', 'rounds.id', 'applications.round_id')
    .innerJoin('funds', 'funds.id', 'rounds.fund_id')
    .leftJoin('places', 'places.id', 'applications.place_id')
    .leftJoin('panel_decisions', 'panel_decisions.application_id', 'applications.id')
    .leftJoin('awards', 'awards.application_id', 'applications.id')
    .select([
      'applications.id',
      'applications.reference',
      'applications.title',
      'applications.organisation_id as organisationId',
      'organisations.name as organisationName',
      'rounds.id as roundId',
      'rounds.title as roundTitle',
      'funds.id as fundId',
      'funds.name as fundName',
      'applications.place_id as placeId',
      'places.name as placeName',
      'applications.amount_requested_pence as amountRequestedPence',
      'applications.match_cash_pence as matchCashPence',
      'applications.match_in_kind_pence as matchInKindPence',
      'panel_decisions.status as decisionStatus',
      'panel_decisions.amount_pence as decisionAmountPence',
      'panel_decisions.rationale as decisionRationale',
      'awards.id as awardId',
      'awards.reference as awardReference',
    ])
    .where('applications.id', '=', applicationId)
    .executeTakeFirst()
  if (!row) throw new BidNotFoundError()
  const pots = await db
    .selectFrom('round_pots')
    .innerJoin('pots', 'pots.id', 'round_pots.pot_id')
    .select(['pots.id', 'pots.name', 'pots.status'])
    .where('round_pots.round_id', '=', row.roundId)
    .orderBy('pots.name')
    .orderBy('pots.id')
    .execute()
  const decision = row.decisionStatus ? { status: row.decisionStatus, amountPence: row.decisionAmountPence, rationale: row.decisionRationale ?? '' } : null
  return {
    applicationId: row.id,
    reference: row.reference,
    title: row.title,
    organisationId: row.organisationId,
    organisationName: row.organisationName,
    roundId: row.roundId,
    roundTitle: row.roundTitle,
    fundId: row.fundId,
    fundName: row.fundName,
    placeId: row.placeId,
    placeName: row.placeName,
    amountRequestedPence: row.amountRequestedPence,
    matchCashPence: row.matchCashPence,
    matchInKindPence: row.matchInKindPence,
    decision,
    recommendedPence: decision?.amountPence ?? row.amountRequestedPence,
    pots,
    award: row.awardId !== null && row.awardReference !== null ? { id: row.awardId, reference: row.awardReference } : null,
  }
}

/** Whether an award can be made for the bid now: recommended by the panel and not yet awarded. */
export function canMakeAward(bid: AwardableBid): boolean {
  return bid.decision?.status === 'recommended' && bid.award === null
}

/** Throws BidNotRecommendedError or AwardAlreadyMadeError unless an award can be made for the bid now. */
export function assertAwardable(bid: AwardableBid): void {
  if (bid.decision?.status !== 'recommended') throw new BidNotRecommendedError()
  if (bid.award) throw new AwardAlreadyMadeError(bid.award.reference)
}

export interface AwardTerms {
  amountPence: number
  potId: number
  /** The outcome areas the bid delivers, for ring-fences that allow only some. */
  outcomeAreas?: readonly OutcomeArea[] | null
  /** The day the money is committed (YYYY-MM-DD); today in the UK when left out. */
  date?: string
}

export interface ProposedPart {
  contributionId: number
  funderName: string
  availablePence: number
  /** The most its ring-fence lets it give to this award. */
  capPence: number
  ringFence: string[]
  canFund: boolean
  /** The conditions this bid breaks, or why it has nothing to give. */
  whyNot: string[]
  /** Its part of the default split (0 when the split is refused or it takes no part). */
  proposedPence: number
}

export interface SplitProposal {
  potId: number
  amountPence: number
  parts: ProposedPart[]
  /** Null when the default split works; otherwise the refusal naming the binding condition. */
  refusal: string | null
}

function checkTerms(bid: AwardableBid, terms: AwardTerms): void {
  if (!Number.isSafeInteger(terms.amountPence) || terms.amountPence <= 0 || terms.amountPence > MAX_PENCE) {
    throw new AwardInputError('amount', 'Enter an amount to award of more than £0')
  }
  if (!bid.pots.some((p) => p.id === terms.potId)) throw new AwardInputError('potId', `Choose a pot that ${bid.roundTitle} draws on`)
}

function factsFor(bid: AwardableBid, terms: AwardTerms): Omit<AwardFacts, 'amountPence'> {
  return { placeId: bid.placeId, categories: terms.outcomeAreas ?? [], fundId: bid.fundId, roundId: bid.roundId, date: terms.date ?? ukToday() }
}

/** Names for the places, funds and rounds the pot's contributions' conditions mention, and the parsed conditions. */
async function potConditions(db: Db, potId: number) {
  const rows = await db.selectFrom('contributions').select(['id', 'conditions']).where('pot_id', '=', potId).orderBy('id').execute()
  const conditions = new Map(rows.map((r) => [r.id, parseConditions(r.conditions)]))
  const names: ConditionNames = await conditionNames(db, [...conditions.values()])
  return { conditions, names }
}

/**
 * The default split of an award across the pot's contributions (the rule commitAward applies), with each
 * contribution's ring-fence in words and whether it can fund this bid and why not. For the award page; changes
 * nothing. Throws AwardInputError for an amount of £0 or a pot the round does not draw on.
 */
export async function proposeSplit(db: Db, bid: AwardableBid, terms: AwardTerms): Promise<SplitProposal> {
  checkTerms(bid, terms)
  const { conditions, names } = await potConditions(db, terms.potId)
  const candidates = await splitCandidates(db, terms.potId, { ...factsFor(bid, terms), amountPence: terms.amountPence }, { names })
  const split = proportionalSplit(terms.amountPence, candidates)
  const proposed = new Map(split.ok ? split.parts.map((p) => [p.contributionId, p.amountPence]) : [])
  return {
    potId: terms.potId,
    amountPence: terms.amountPence,
    refusal: split.ok ? null : split.message,
    parts: candidates.map((c) => {
      const capPence = Math.max(0, Math.min(c.availablePence, c.shareCapPence))
      const whyNot = c.ineligibleReasons.length > 0 ? c.ineligibleReasons : c.availablePence <= 0 ? ['it has no money available to commit'] : []
      return {
        contributionId: c.contributionId,
        funderName: c.label,
        availablePence: c.availablePence,
        capPence: c.ineligibleReasons.length > 0 ? 0 : capPence,
        ringFence: describeConditions(conditions.get(c.contributionId)!, names),
        canFund: whyNot.length === 0,
        whyNot,
        proposedPence: proposed.get(c.contributionId) ?? 0,
      }
    }),
  }
}

export interface CreateAwardFromDecisionInput extends AwardTerms {
  applicationId: number
  /** A fund manager's own split, pence by contribution id; needs overrideReason. */
  split?: Record<number, number> | null
  overrideReason?: string | null
  idempotencyKey: string
}

export interface CreatedAward {
  award: { id: number; reference: string; amountPence: number; potId: number }
  parts: CommitmentPart[]
  /** True when this key had already made the award: nothing new was written. */
  replayed: boolean
}

/** The award this key already made, if it did: its commitments' ledger entries carry the key. */
async function replayOf(trx: Transaction<DB>, award: { id: number; reference: string }, idempotencyKey: string): Promise<CreatedAward | null> {
  const row = await trx.selectFrom('awards').select(['amount_pence']).where('id', '=', award.id).executeTakeFirstOrThrow()
  const commitments = await listAwardCommitments(trx, award.id)
  const keys = commitments.flatMap((c) => [`${idempotencyKey}:${c.contributionId}`, `${idempotencyKey}:${c.contributionId}:pledged`])
  const found = keys.length ? await trx.selectFrom('ledger_entries').select('id').where('idempotency_key', 'in', keys).executeTakeFirst() : undefined
  if (!found) return null
  const live = commitments.filter((c) => c.releasedAt === null)
  return {
    award: { id: award.id, reference: award.reference, amountPence: row.amount_pence, potId: commitments[0].potId },
    parts: live.map((c) => ({ commitmentId: c.id, contributionId: c.contributionId, amountPence: c.amountPence, funderName: c.funderName })),
    replayed: true,
  }
}

/**
 * Makes the award for a recommended bid and commits it to the pot, with the audit trail, in the caller's transaction.
 * Throws BidNotFoundError, BidNotRecommendedError, AwardAlreadyMadeError (another key made it), AwardInputError,
 * and from commitAward: SplitRefusedError (naming the binding condition), CommitmentInputError (an override without
 * a reason), PotStatusError (a pot not open).
 */
export async function createAwardFromDecision(trx: Transaction<DB>, actorUserId: number, input: CreateAwardFromDecisionInput): Promise<CreatedAward> {
  if (!input.idempotencyKey.trim()) throw new AwardInputError('idempotencyKey', 'The form is missing its key: reload the page and try again')
  // Two submissions for one bid queue here (PostgreSQL row lock; SQLite's write transactions are already serial).
  let lock = trx.selectFrom('applications').select('id').where('id', '=', input.applicationId)
  if (engineOf(trx) === 'postgres') lock = lock.forUpdate()
  if (!(await lock.executeTakeFirst())) throw new BidNotFoundError()
  const bid = await awardableBid(trx, input.applicationId)
  if (bid.award) {
    const replay = await replayOf(trx, bid.award, input.idempotencyKey)
    if (replay) return replay
  }
  assertAwardable(bid)
  checkTerms(bid, input)
  const award = await trx
    .insertInto('awards')
    .values({ reference: `${bid.reference}-AWD`, application_id: bid.applicationId, round_id: bid.roundId, organisation_id: bid.organisationId, amount_pence: input.amountPence, status: 'committed', conditions: '[]', outcome_areas: JSON.stringify(input.outcomeAreas ?? []) })
    .returning(['id', 'reference'])
    .executeTakeFirstOrThrow()
  await refreshRoundStats(trx, bid.roundId)
  const { names } = await potConditions(trx, input.potId)
  const committed = await commitAward(trx, actorUserId, {
    awardId: award.id,
    potId: input.potId,
    amountPence: input.amountPence,
    award: factsFor(bid, input),
    split: input.split ?? null,
    overrideReason: input.overrideReason ?? null,
    idempotencyKey: input.idempotencyKey,
    names,
  })
  await recordAudit(trx, {
    actorUserId,
    action: 'award.created',
    entityType: 'award',
    entityId: award.id,
    after: {
      reference: award.reference,
      applicationId: bid.applicationId,
      amountPence: input.amountPence,
      recommendedPence: bid.recommendedPence,
      potId: input.potId,
      outcomeAreas: input.outcomeAreas ?? [],
      matchCashPence: bid.matchCashPence,
      matchInKindPence: bid.matchInKindPence,
      overrideReason: input.split ? input.overrideReason!.trim() : null,
    },
  })
  return { award: { id: award.id, reference: award.reference, amountPence: input.amountPence, potId: input.potId }, parts: committed.parts, replayed: false }
}

export interface AwardWithCommitments {
  id: number
  reference: string
  amountPence: number
  status: string
  commitments: Array<{ id: number; potId: number; potName: string; funderName: string; amountPence: number; overrideReason: string | null; releasedAt: string | null }>
}

/** The award made for a bid, with the contributors its money comes from; null when there is none. */
export async function awardForApplication(db: Db, applicationId: number): Promise<AwardWithCommitments | null> {
  const award = await db.selectFrom('awards').select(['id', 'reference', 'amount_pence', 'status']).where('application_id', '=', applicationId).executeTakeFirst()
  if (!award) return null
  const commitments = await listAwardCommitments(db, award.id)
  const pots = commitments.length
    ? await db.selectFrom('pots').select(['id', 'name']).where('id', 'in', [...new Set(commitments.map((c) => c.potId))]).execute()
    : []
  const potName = new Map(pots.map((p) => [p.id, p.name]))
  return {
    id: award.id,
    reference: award.reference,
    amountPence: award.amount_pence,
    status: award.status,
    commitments: commitments.map((c) => ({ ...c, potName: potName.get(c.potId) ?? '' })),
  }
}
