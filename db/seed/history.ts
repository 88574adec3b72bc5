/**
 * The demo's funding history: last financial year's community round, decided and paid, so a newcomer sees grants that
 * have happened (and the open data and statistics built on them) and not only work in progress.
 *
 * "Thriving Communities <year>: community round" opened about 17 months ago and closed about 15 months ago, for
 * registered and unregistered community groups in four integrated care boards. Four bids were submitted, scored by the
 * demo assessors and decided by the panel about 14 months ago: Hackney Food and Friendship Hub (NHS North East London),
 * Salford Stitchers CIC (NHS Greater Manchester) and Tyneside Allotment Friends (NHS North East and North Cumbria, an
 * unincorporated group with no charity or company number) were funded; Bristol Walking Football Club (NHS Bristol,
 * North Somerset and South Gloucestershire) was declined, with a reason and the panel's feedback. The decisions were
 * released, and the awards made from two pots of that financial year, both fully received:
 * - a single-funder pot: Arts Council England's creative health money (Hackney, £40,000, one payment);
 * - a pooled pot: NHS Greater Manchester and NHS North East and North Cumbria money, each ring-fenced to its own area,
 *   with the National Lottery Community Fund's (at most half of any award): Salford (£30,000 over two years, year 2
 *   once its year 1 impact return is accepted) and Tyneside (£8,000, one payment).
 * Each group's admin accepted the offer and gave the group's bank details; finance checked them and paid the first
 * payments through a four-eyes BACS run, reconciled from a bank statement dated when the money left. Salford's year 2
 * became due by date a few weeks ago and waits for its year 1 return, which the group has not sent (it is overdue). The current year's pots
 * are untouched: these pots belong to the earlier financial year.
 *
 * Everything goes through the domain functions, like the rest of the demo. Dates are in the past where the domain
 * takes a date (round window, submissions, panel date, release, commitment date, offer start, statement dates); the
 * rest (offer letters, acceptance, bank checks, runs) is stamped with the time the seed ran.
 *
 * Wiring (db/seed/demo.ts, at the end of the transaction, after seedOffersAndPayments):
 *   await seedFundingHistory(trx, { userIdByEmail: users, funderIdByName: funders, placeIdByOds, fundId, dataDir, appOrigin, now })
 */
import { addDays, addMonths, format, subDays, subMonths } from 'date-fns'
import type { Transaction } from 'kysely'
import type { DB } from '../schema.ts'
import { setOutcomeAreas } from '../../app/domain/applications/outcome-areas.server.ts'
import { autoAssign } from '../../app/domain/assessment/assignment.server.ts'
import { confirmNoConflict } from '../../app/domain/assessment/conflicts.server.ts'
import { listCriteria, type Criterion } from '../../app/domain/assessment/criteria.server.ts'
import { recordDecision } from '../../app/domain/assessment/decisions.server.ts'
import { setAttendees } from '../../app/domain/assessment/minutes.server.ts'
import { addAssessorToRound } from '../../app/domain/assessment/panel-members.server.ts'
import { releaseDecisions } from '../../app/domain/assessment/release.server.ts'
import { submitScores } from '../../app/domain/assessment/scores.server.ts'
import { updateAssessmentSettings } from '../../app/domain/assessment/settings.server.ts'
import { createAwardFromDecision } from '../../app/domain/awards/awards.server.ts'
import { acceptOffer, issueOffer } from '../../app/domain/awards/offers.server.ts'
import type { ScheduleInput } from '../../app/domain/awards/schedule.ts'
import { decideCondition, listConditions, listTranches, setOfferTerms } from '../../app/domain/awards/terms.server.ts'
import { addContribution, recordReceipt } from '../../app/domain/budgets/contributions.server.ts'
import { createPot, linkRoundToPot, openPot } from '../../app/domain/budgets/pots.server.ts'
import type { Conditions, OutcomeArea } from '../../app/domain/budgets/ring-fence.ts'
import { RoundRulesSchema } from '../../app/domain/funds/round-rules.ts'
import { closeRound, createRound, publishRound, updateRound } from '../../app/domain/funds/rounds.server.ts'
import { enterBankDetails, verifyBankDetails } from '../../app/domain/payments/bank-details.server.ts'
import { exportRun } from '../../app/domain/payments/exports.server.ts'
import { approveRun, prepareRun } from '../../app/domain/payments/payment-runs.server.ts'
import { importBankStatement } from '../../app/domain/payments/statement-import.server.ts'
import { trancheForPayment } from '../../app/domain/payments/tranches.server.ts'
import { formatLondon, londonDateTimeToUtc } from '../../app/lib/dates.ts'
import { penceToDecimalPounds } from '../../app/lib/money.ts'
import { seedApplications } from './applications.ts'
import { seedCriteria } from './criteria.ts'
import { addQuestions, THRIVING_QUESTIONS } from './rounds.ts'

const DEMO_DOMAIN = 'demo.commonpot.org'

export interface SeedFundingHistoryContext {
  userIdByEmail: ReadonlyMap<string, number>
  funderIdByName: ReadonlyMap<string, number>
  /** Needs QMF, QOP, QHM and QUY. */
  placeIdByOds: Readonly<Record<string, number>>
  /** The Thriving Communities Fund. */
  fundId: number
  dataDir: string
  appOrigin: string
  now: Date
}

export interface HistoricAward {
  awardId: number
  /** The award's reference, e.g. "TCF-2025-00001-AWD". */
  reference: string
  applicationId: number
  amountPence: number
}

export interface SeededFundingHistory {
  roundId: number
  roundTitle: string
  financialYear: string
  /** Hackney Food and Friendship Hub (QMF): Arts Council England money only. */
  singleFunder: HistoricAward
  /** Salford Stitchers CIC (QOP): NHS Greater Manchester and National Lottery money, paid in two instalments. */
  pooled: HistoricAward
  /** Tyneside Allotment Friends (QHM), an unregistered group: NHS North East and North Cumbria and National Lottery money. */
  unregistered: HistoricAward
  /** Bristol Walking Football Club (QUY): declined, with a reason and feedback. */
  declined: { applicationId: number; reference: string; reason: string }
  pots: { singleFunder: number; pooled: number }
}

export const HISTORY_DECLINE_REASONS = [
  'Did not pass Safeguarding policy in place',
  'Not enough evidence of local need',
  'No clear referral route from social prescribing link workers',
  'Scored below other bids for the money available',
]

const ARTS = 'Arts Council England'
const LOTTERY = 'National Lottery Community Fund'
const NHS_GM = 'NHS Greater Manchester Integrated Care Board'
const NHS_NENC = 'NHS North East and North Cumbria Integrated Care Board'

/** The UK financial year a day falls in: its first calendar year ("2025" for 2025-04-01 to 2026-03-31). */
function financialYearStart(day: Date): number {
  return day.getUTCMonth() >= 3 ? day.getUTCFullYear() : day.getUTCFullYear() - 1
}

const ymd = (day: Date): string => format(day, 'yyyy-MM-dd')
const earliest = (a: string, b: string): string => (a < b ? a : b)

/** 12:00 London time on the London calendar day of `instant`. */
function middayLondon(instant: Date): string {
  return londonDateTimeToUtc(formatLondon(instant, 'yyyy-MM-dd'), '12:00')
}

function need<K, V>(map: ReadonlyMap<K, V>, key: K, what: string): V {
  const value = map.get(key)
  if (value === undefined) throw new Error(`History seed: no ${what} "${String(key)}"`)
  return value
}

interface Bid {
  email: string
  organisation: string
  title: string
  amountPence: number
  /** How strong the panel found it (0-1). */
  quality: number
  outcomeAreas: OutcomeArea[]
}

const BIDS: Record<'hackney' | 'salford' | 'tyneside' | 'bristol', Bid> = {
  hackney: {
    email: `hackney@${DEMO_DOMAIN}`,
    organisation: 'Hackney Food and Friendship Hub',
    title: 'Cook, Sing and Share: a weekly lunch club with music',
    amountPence: 4_000_000,
    quality: 0.9,
    outcomeAreas: ['loneliness', 'arts_and_culture', 'health_and_wellbeing'],
  },
  salford: {
    email: `salford@${DEMO_DOMAIN}`,
    organisation: 'Salford Stitchers CIC',
    title: 'Stitch and Natter: textile circles for people referred by link workers',
    amountPence: 3_000_000,
    quality: 0.75,
    outcomeAreas: ['loneliness', 'mental_health', 'health_and_wellbeing'],
  },
  tyneside: {
    email: `tyneside@${DEMO_DOMAIN}`,
    organisation: 'Tyneside Allotment Friends',
    title: 'Grow and Gather: shared allotment plots for people who feel isolated',
    amountPence: 800_000,
    quality: 0.7,
    outcomeAreas: ['nature', 'health_and_wellbeing'],
  },
  bristol: {
    email: `bristol@${DEMO_DOMAIN}`,
    organisation: 'Bristol Walking Football Club',
    title: 'Walking Football for Heart Health',
    amountPence: 2_000_000,
    quality: 0.35,
    outcomeAreas: ['physical_activity', 'health_and_wellbeing'],
  },
}

const DECLINE_REASON = 'No clear referral route from social prescribing link workers'
const DECLINE_FEEDBACK =
  'The panel liked the sessions and the club’s enthusiasm, but the bid did not show how people would be referred by link workers or their GP practice. We would welcome a new bid once a primary care network has agreed to refer people.'

/** A whole-number score on the criterion's scale for a bid of this quality, nudged by the assessor. */
function scoreFor(c: Criterion, quality: number, nudge: number): number {
  if (c.isGateway) return 1
  const raw = c.scaleMin + quality * (c.scaleMax - c.scaleMin) + nudge * ((c.scaleMax - c.scaleMin) / 8)
  return Math.min(c.scaleMax, Math.max(c.scaleMin, Math.round(raw)))
}

function commentFor(c: Criterion, score: number): string {
  if (c.isGateway) return 'A safeguarding policy for adults at risk is in place, reviewed this year, with a named lead.'
  const share = (score - c.scaleMin) / (c.scaleMax - c.scaleMin)
  const name = c.name.toLowerCase()
  if (share >= 0.75) return `Strong on ${name}: specific local evidence and partners who have confirmed their part.`
  if (share >= 0.45) return `Adequate on ${name}; some detail is missing, such as how people will be followed up.`
  return `Weak on ${name}: little evidence is given and the plan relies on partners who have not confirmed.`
}

const ROUND_QUESTIONS = THRIVING_QUESTIONS.filter((q) => q.section !== 'About your partnership' && q.type !== 'file_upload')

export async function seedFundingHistory(trx: Transaction<DB>, ctx: SeedFundingHistoryContext): Promise<SeededFundingHistory> {
  const user = (email: string) => need(ctx.userIdByEmail, email, 'user')
  const funder = (name: string) => need(ctx.funderIdByName, name, 'funder')
  const place = (ods: string) => {
    const id = ctx.placeIdByOds[ods]
    if (!id) throw new Error(`History seed: no place ${ods}`)
    return id
  }
  const managerId = user(`manager@${DEMO_DOMAIN}`)
  const chairId = user(`chair@${DEMO_DOMAIN}`)
  const assessorIds = [user(`assessor@${DEMO_DOMAIN}`), user(`assessor2@${DEMO_DOMAIN}`)]
  const financeIds = [user(`finance@${DEMO_DOMAIN}`), user(`finance2@${DEMO_DOMAIN}`)] as const

  // The timeline, from the seed's "now".
  const opensAt = middayLondon(subMonths(ctx.now, 17))
  const closesAt = middayLondon(subMonths(ctx.now, 15))
  const submittedAt = subDays(new Date(closesAt), 10)
  const decidedAt = new Date(middayLondon(subMonths(ctx.now, 14)))
  const fy = financialYearStart(decidedAt)
  const financialYear = `${fy}-${String((fy + 1) % 100).padStart(2, '0')}`
  const yearEnds = `${fy + 1}-03-31`
  const awardedOn = earliest(ymd(addDays(decidedAt, 7)), yearEnds)
  const startsOn = ymd(addDays(new Date(`${awardedOn}T12:00:00Z`), 14))

  // The round: open to unregistered community groups as well as charities, CICs and societies; no partnership needed.
  const title = `Thriving Communities ${fy}/${String((fy + 1) % 100).padStart(2, '0')}: community round`
  const round = await createRound(trx, managerId, { fundId: ctx.fundId, title })
  await updateRound(trx, managerId, round.id, {
    title,
    summary: 'Grants of £5,000 to £50,000 for community groups, registered or not, that work with social prescribing link workers to bring people together.',
    guidance: `This round funds community groups that connect people referred by social prescribing link workers with creative, cultural, nature and physical activity.

Registered charities, CIOs, community interest companies, community benefit societies and constituted community groups without a charity or company number can all apply. Grants are paid into a bank account in the group's name with at least two unrelated signatories.`,
    opensAt,
    closesAt,
    budgetPence: 10_000_000,
    minGrantPence: 500_000,
    maxGrantPence: 5_000_000,
    stages: 'single',
    allocationMethod: 'panel',
    rules: RoundRulesSchema.parse({
      eligibleOrganisationTypes: ['registered_charity', 'cio', 'cic', 'community_benefit_society', 'cooperative_society', 'unincorporated_group'],
    }),
    placeIds: ['QMF', 'QOP', 'QHM', 'QUY'].map(place),
  })
  await addQuestions(trx, managerId, round.id, 'full', ROUND_QUESTIONS)
  await updateAssessmentSettings(trx, managerId, round.id, {
    assessorsPerBid: 2,
    blindReview: false,
    hidePeerScores: true,
    commentsRequired: true,
    disagreementThreshold: 20,
    declineReasons: HISTORY_DECLINE_REASONS,
  })
  await publishRound(trx, managerId, round.id, new Date(opensAt))

  const order = [BIDS.hackney, BIDS.salford, BIDS.tyneside, BIDS.bristol]
  const applications = await seedApplications(trx, {
    roundId: round.id,
    applicants: order.map((b) => ({ email: b.email, submit: true, amountPence: b.amountPence, title: b.title })),
    now: submittedAt,
  })
  if (applications.length !== order.length || applications.some((a) => a.status !== 'submitted')) {
    throw new Error(`History seed: expected ${order.length} submitted bids, got ${applications.map((a) => `${a.reference} ${a.status}`).join(', ')}`)
  }
  await closeRound(trx, managerId, round.id, addDays(new Date(closesAt), 1))
  const bidOf = new Map(order.map((b, i) => [b, applications[i]!]))
  for (const [bid, application] of bidOf) await setOutcomeAreas(trx, managerId, { applicationId: application.id, outcomeAreas: bid.outcomeAreas })

  // The panel: criteria, two assessors per bid, every score submitted, the chair's decisions, the meeting, release.
  await seedCriteria(trx, { roundId: round.id, managerUserId: managerId })
  const criteria = await listCriteria(trx, round.id)
  for (const userId of assessorIds) await addAssessorToRound(trx, { id: managerId }, { roundId: round.id, userId, isChair: false })
  await addAssessorToRound(trx, { id: managerId }, { roundId: round.id, userId: chairId, isChair: true })
  const assigned = await autoAssign(trx, { id: managerId }, { roundId: round.id, preferPlaceKnowledge: false })
  const qualityOf = new Map(order.map((b) => [bidOf.get(b)!.id, b.quality]))
  for (const a of assigned.created) {
    await confirmNoConflict(trx, a.assessorUserId, a.assessmentId)
    const nudge = a.assessorUserId === assessorIds[0] ? 0.5 : -0.5
    const scores = criteria.map((c) => {
      const score = scoreFor(c, qualityOf.get(a.applicationId) ?? 0.5, nudge)
      return { criterionId: c.id, score, comment: commentFor(c, score) }
    })
    await submitScores(trx, a.assessorUserId, { assessmentId: a.assessmentId, scores })
  }
  for (const bid of [BIDS.hackney, BIDS.salford, BIDS.tyneside]) {
    await recordDecision(trx, chairId, {
      applicationId: bidOf.get(bid)!.id,
      status: 'recommended',
      amountPence: bid.amountPence,
      rationale: 'Scored well on local need and on its partnership with link workers; the panel funds the amount asked for.',
    })
  }
  await recordDecision(trx, chairId, {
    applicationId: bidOf.get(BIDS.bristol)!.id,
    status: 'declined',
    rationale: 'The lowest score in the round: no referral route from link workers is described.',
    declineReason: DECLINE_REASON,
    feedback: DECLINE_FEEDBACK,
  })
  const people = await trx.selectFrom('users').select(['id', 'name']).where('id', 'in', [chairId, managerId, ...assessorIds, ...order.map((b) => user(b.email))]).execute()
  const nameOf = (id: number) => people.find((p) => p.id === id)!.name
  await setAttendees(
    trx,
    chairId,
    round.id,
    [
      { userId: chairId, name: nameOf(chairId), role: 'Chair' },
      { userId: managerId, name: nameOf(managerId), role: 'Fund manager (not voting)' },
      ...assessorIds.map((id) => ({ userId: id, name: nameOf(id), role: 'Assessor' })),
    ],
    { panelHeldOn: ymd(subDays(decidedAt, 3)) },
  )
  await releaseDecisions(trx, managerId, { roundId: round.id, now: decidedAt })

  // Last year's pots, money received: Arts Council England's own, and a pooled northern pot.
  const financeId = financeIds[0]
  const receive = (contributionId: number, amountPence: number, receivedOn: string, reference: string) =>
    recordReceipt(trx, financeId, { contributionId, amountPence, receivedOn, reference, idempotencyKey: `seed:history:${contributionId}:${reference}` })
  const pledge = (potId: number, funderName: string, pledgedPence: number, conditions: Partial<Conditions>) =>
    addContribution(trx, managerId, {
      potId,
      funderId: funder(funderName),
      pledgedPence,
      instalments: [
        { dueDate: `${fy}-04-01`, amountPence: pledgedPence / 2 },
        { dueDate: `${fy}-10-01`, amountPence: pledgedPence / 2 },
      ],
      conditions,
    })
  const artsPot = await createPot(trx, managerId, {
    name: `Arts Council England creative health pot ${financialYear}`,
    placeId: null,
    hostFunderId: funder(ARTS),
    poolManagerUserId: managerId,
    financialYear,
    availableBasis: 'received',
    yearEndPolicy: 'return',
  })
  const arts = await pledge(artsPot.id, ARTS, 6_000_000, { outcomeAreas: ['arts_and_culture', 'loneliness'], spendBy: yearEnds })
  await receive(arts.id, 3_000_000, `${fy}-04-03`, `ACE CH ${fy} H1`)
  await receive(arts.id, 3_000_000, `${fy}-10-02`, `ACE CH ${fy} H2`)
  await openPot(trx, managerId, artsPot.id)

  const northPot = await createPot(trx, managerId, {
    name: `North of England shared investment pot ${financialYear}`,
    placeId: null,
    hostFunderId: funder(LOTTERY),
    poolManagerUserId: managerId,
    financialYear,
    availableBasis: 'received',
    yearEndPolicy: 'return',
  })
  const gm = await pledge(northPot.id, NHS_GM, 3_000_000, { outcomeAreas: ['health_and_wellbeing'], placeIds: [place('QOP')], spendBy: yearEnds })
  const nenc = await pledge(northPot.id, NHS_NENC, 1_000_000, { outcomeAreas: ['health_and_wellbeing'], placeIds: [place('QHM')], spendBy: yearEnds })
  const lottery = await pledge(northPot.id, LOTTERY, 4_000_000, { maxSharePercent: 50 })
  await receive(gm.id, 3_000_000, `${fy}-04-10`, `NHS GM POOL ${fy}`)
  await receive(nenc.id, 1_000_000, `${fy}-05-01`, `NENC ICB POOL ${fy}`)
  await receive(lottery.id, 2_000_000, `${fy}-04-15`, `TNLCF NORTH ${fy} 1`)
  await receive(lottery.id, 2_000_000, `${fy}-10-15`, `TNLCF NORTH ${fy} 2`)
  await openPot(trx, managerId, northPot.id)
  for (const potId of [artsPot.id, northPot.id]) await linkRoundToPot(trx, managerId, { potId, roundId: round.id })

  // The awards, committed on the day the fund manager made them.
  const award = async (bid: Bid, potId: number): Promise<HistoricAward> => {
    const applicationId = bidOf.get(bid)!.id
    const made = await createAwardFromDecision(trx, managerId, {
      applicationId,
      amountPence: bid.amountPence,
      potId,
      outcomeAreas: bid.outcomeAreas,
      date: awardedOn,
      idempotencyKey: `seed:history:award:${applicationId}`,
    })
    return { awardId: made.award.id, reference: made.award.reference, applicationId, amountPence: made.award.amountPence }
  }
  const singleFunder = await award(BIDS.hackney, artsPot.id)
  const pooled = await award(BIDS.salford, northPot.id)
  const unregistered = await award(BIDS.tyneside, northPot.id)

  // Offers: terms, the letter, acceptance by the group's admin, conditions met, bank details given and checked.
  const plannedEnd = ymd(subDays(addMonths(new Date(`${startsOn}T12:00:00Z`), 12), 1))
  const offers: Array<{ award: HistoricAward; bid: Bid; conditions: string[]; schedule: ScheduleInput; bank: { sortCode: string; accountNumber: string } }> = [
    { award: singleFunder, bid: BIDS.hackney, conditions: [], schedule: { kind: 'single', startDate: startsOn }, bank: { sortCode: '20-00-00', accountNumber: '55779911' } },
    {
      award: pooled,
      bid: BIDS.salford,
      conditions: [],
      // Two years: year 2 is due a year after the start, once the year 1 impact return has been accepted.
      schedule: { kind: 'yearly', years: 2, amountPerYearPence: BIDS.salford.amountPence / 2, startDate: startsOn },
      bank: { sortCode: '40-11-62', accountNumber: '61234570' },
    },
    {
      award: unregistered,
      bid: BIDS.tyneside,
      conditions: ['Send us your group’s constitution, signed by two officers, and the bank statement header for the group’s account'],
      schedule: { kind: 'single', startDate: startsOn },
      bank: { sortCode: '60-83-71', accountNumber: '20456781' },
    },
  ]
  for (const o of offers) {
    const adminId = user(o.bid.email)
    const end = o.schedule.kind === 'yearly' ? ymd(subDays(addMonths(new Date(`${startsOn}T12:00:00Z`), 12 * o.schedule.years), 1)) : plannedEnd
    await setOfferTerms(trx, managerId, { awardId: o.award.awardId, conditions: o.conditions, schedule: o.schedule, plannedStart: startsOn, plannedEnd: end })
    await issueOffer(trx, managerId, { awardId: o.award.awardId, dataDir: ctx.dataDir, appOrigin: ctx.appOrigin })
    await acceptOffer(trx, adminId, {
      awardId: o.award.awardId,
      name: nameOf(adminId),
      role: o.bid === BIDS.tyneside ? 'Secretary' : 'Chair',
      declaration: true,
      idempotencyKey: `seed:history:accept:${o.award.awardId}`,
      dataDir: ctx.dataDir,
    })
    for (const condition of await listConditions(trx, o.award.awardId)) {
      await decideCondition(trx, managerId, { conditionId: condition.id, decision: 'met', note: 'Constitution received, signed by the chair and secretary; the account is in the group’s name with two signatories.' })
    }
    const organisationId = (await trx.selectFrom('awards').select('organisation_id').where('id', '=', o.award.awardId).executeTakeFirstOrThrow()).organisation_id
    const account = await enterBankDetails(trx, adminId, { organisationId, accountName: o.bid.organisation, ...o.bank })
    await verifyBankDetails(trx, financeId, { bankAccountId: account.id, note: 'Matches the bank statement header the group sent; confirmed by phone on the number we hold.' })
  }

  // Two BACS runs, each over the four-eyes threshold, reconciled from statements dated when the money left.
  const today = formatLondon(ctx.now, 'yyyy-MM-dd')
  const trancheIds = async (a: HistoricAward) => (await listTranches(trx, a.awardId)).map((t) => ({ id: t.id, amountPence: t.amountPence }))
  const [hackneyOnly, salfordFirst, , tynesideOnly] = [...(await trancheIds(singleFunder)), ...(await trancheIds(pooled)), ...(await trancheIds(unregistered))]
  const pay = async (key: string, tranches: Array<{ id: number; amountPence: number }>, paidOn: string) => {
    const run = await prepareRun(trx, financeIds[0], { rail: 'bacs', trancheIds: tranches.map((t) => t.id), idempotencyKey: `seed:history:run:${key}`, today })
    if (run.status === 'awaiting_approval') await approveRun(trx, financeIds[1], { runId: run.id })
    await exportRun(trx, financeIds[0], { runId: run.id, format: 'standard18' })
    const [y, m, d] = paidOn.split('-')
    const lines = ['Date,Description,Amount']
    for (const t of tranches) {
      const payment = (await trancheForPayment(trx, t.id))!
      lines.push(`${d}/${m}/${y},BACS ${payment.reference} ${payment.organisationName.toUpperCase().slice(0, 18)},-${penceToDecimalPounds(t.amountPence)}`)
    }
    await importBankStatement(trx, financeIds[0], { filename: `statement-${paidOn}.csv`, text: lines.join('\r\n') })
  }
  if (!hackneyOnly || !salfordFirst || !tynesideOnly) throw new Error('History seed: the awards do not have the expected payments')
  // Salford's year 2 waits for its year 1 impact return (db/seed/impact.ts leaves it for the group to send).
  await pay('first', [hackneyOnly, salfordFirst, tynesideOnly], ymd(addDays(new Date(`${startsOn}T12:00:00Z`), 3)))

  return {
    roundId: round.id,
    roundTitle: title,
    financialYear,
    singleFunder,
    pooled,
    unregistered,
    declined: { applicationId: bidOf.get(BIDS.bristol)!.id, reference: bidOf.get(BIDS.bristol)!.reference, reason: DECLINE_REASON },
    pots: { singleFunder: artsPot.id, pooled: northPot.id },
  }
}
