/**
 * Demo impact returns and open data, through the domain functions, on last year's awards (db/seed/history.ts):
 *
 * - Hackney Food and Friendship Hub (£40,000, full form): its interim return, with each person's ONS4 and UCLA-3
 *   scores before and after, referral routes, demographics and spend against every budget line, was accepted; its
 *   final return has been sent and waits for the fund manager's review.
 * - Tyneside Allotment Friends (£8,000, the short form): its interim return gave a group summary of UCLA-3 loneliness;
 *   the fund manager sent it back asking for the referral routes, the group added them and re-sent it, and it was
 *   accepted (both versions are kept). Its final return is overdue.
 * - Salford Stitchers CIC: its year 1 return is overdue, and its year 2 payment waits for it (left for a newcomer, or
 *   the browser journey, to send).
 * - Published as 360Giving open data: the Wandle Valley choir's award (a South West London pooled pot), Hackney's
 *   (Arts Council money alone), Salford's (pooled NHS and lottery money) and Tyneside's (an unregistered group).
 *
 * Wiring (db/seed/demo.ts, inside its transaction, after seedFundingHistory):
 *   await seedImpact(trx, { managerUserId, userIdByEmail: users, history, choirAwardId })
 */
import type { Transaction } from 'kysely'
import type { DB } from '../schema.ts'
import { setAwardsPublished } from '../../app/domain/open-data/publishing.server.ts'
import { emptyReturnData, type ReturnData, type ScorePair } from '../../app/domain/returns/return-form.ts'
import { approvedBudgetLines } from '../../app/domain/returns/returns.server.ts'
import { acceptReturn, requestReturnChanges } from '../../app/domain/returns/review.server.ts'
import { submitReturn } from '../../app/domain/returns/returns.server.ts'

const DEMO_DOMAIN = 'demo.commonpot.org'

interface HistoryAward {
  awardId: number
  applicationId: number
}

export interface SeedImpactContext {
  managerUserId: number
  userIdByEmail: ReadonlyMap<string, number>
  history: { singleFunder: HistoryAward; pooled: HistoryAward; unregistered: HistoryAward }
  /** The Wandle Valley Dementia Choir's accepted award (this year's South West London pot). */
  choirAwardId: number
}

/** Twelve people's scores before and after: [before, after] pairs. */
function pairs(values: ReadonlyArray<readonly [number, number]>): ScorePair[] {
  return values.map(([before, after]) => ({ before, after }))
}

async function returnsOf(trx: Transaction<DB>, awardId: number) {
  return trx.selectFrom('returns').select(['id', 'kind']).where('award_id', '=', awardId).orderBy('due_date').orderBy('id').execute()
}

function user(ctx: SeedImpactContext, email: string): number {
  const id = ctx.userIdByEmail.get(email)
  if (!id) throw new Error(`Impact seed: no demo user ${email}`)
  return id
}

export async function seedImpact(trx: Transaction<DB>, ctx: SeedImpactContext): Promise<void> {
  const hackneyAdmin = user(ctx, `hackney@${DEMO_DOMAIN}`)
  const tynesideAdmin = user(ctx, `tyneside@${DEMO_DOMAIN}`)

  // Hackney: the interim return, full form, accepted; the final return sent and waiting.
  const [hackneyInterim, hackneyFinal] = await returnsOf(trx, ctx.history.singleFunder.awardId)
  if (!hackneyInterim || !hackneyFinal) throw new Error('Impact seed: Hackney’s award has no interim and final returns')
  const budget = await approvedBudgetLines(trx, ctx.history.singleFunder.applicationId)
  const interim: ReturnData = {
    ...emptyReturnData(),
    peopleReached: 64,
    sessionsDelivered: 26,
    referrals: { link_worker: 31, health_professional: 12, self: 9, community: 8, other: 4 },
    demographics: {
      age_band: { '50_64': 14, '65_79': 33, '80_plus': 15, not_known: 2 },
      sex: { female: 41, male: 21, not_known: 2 },
      ethnicity: { asian: 9, black: 17, mixed: 4, white: 30, other: 2, not_known: 2 },
      disability: { yes: 23, no: 38, not_known: 3 },
      first_language: { english: 47, not_english: 15, not_known: 2 },
    },
    outcomes: {
      ons4: {
        basis: 'participants',
        participants: {
          ons4_life_satisfaction: pairs([[4, 6], [5, 7], [3, 5], [6, 7], [5, 5], [4, 7], [6, 8], [2, 4], [5, 6], [4, 6], [7, 7], [3, 6]]),
          ons4_worthwhile: pairs([[5, 7], [6, 7], [4, 6], [6, 8], [5, 6], [5, 7], [7, 8], [3, 5], [6, 6], [5, 7], [7, 8], [4, 6]]),
          ons4_happy: pairs([[4, 6], [5, 6], [3, 6], [6, 7], [4, 5], [5, 7], [6, 7], [3, 4], [5, 7], [4, 5], [6, 8], [3, 5]]),
          ons4_anxious: pairs([[7, 4], [6, 5], [8, 5], [5, 4], [6, 6], [7, 3], [4, 3], [8, 6], [5, 4], [6, 4], [3, 3], [7, 5]]),
        },
      },
      ucla3: {
        basis: 'participants',
        participants: { ucla3: pairs([[8, 6], [7, 5], [9, 6], [6, 5], [7, 7], [8, 5], [5, 4], [9, 7], [7, 6], [8, 6], [4, 4], [8, 5]]) },
      },
    },
    spendLines: budget.map((line) => ({ line: line.line, spentPence: Math.round(line.amountPence / 2), reason: 'Six months into a twelve-month grant: about half spent, as planned.' })),
    matchFundingPence: 450_000,
    story:
      'Joyce, 81, was referred by her link worker after her husband died. She came to the Tuesday lunch for the first time in March, sat by the door and left early. By June she was laying the tables, and she now brings her neighbour.',
    plans: 'Keep both lunch clubs going through the winter and start a Friday walk to the market with the link workers.',
  }
  await submitReturn(trx, hackneyAdmin, { returnId: hackneyInterim.id, data: interim })
  await acceptReturn(trx, ctx.managerUserId, { returnId: hackneyInterim.id, comments: 'Thank you: clear figures and a lovely story. Accepted.' })
  await submitReturn(trx, hackneyAdmin, {
    returnId: hackneyFinal.id,
    data: {
      ...interim,
      peopleReached: 118,
      sessionsDelivered: 52,
      referrals: { link_worker: 58, health_professional: 21, self: 19, community: 14, other: 6 },
      demographics: {},
      spendLines: budget.map((line) => ({ line: line.line, spentPence: line.amountPence, reason: null })),
      matchFundingPence: 900_000,
      plans: 'The council will fund the Tuesday club from April; we are applying to the next round for the market walk.',
    },
  })

  // Tyneside: the short form, a group summary of UCLA-3; sent back for the referral routes, re-sent and accepted.
  const [tynesideInterim] = await returnsOf(trx, ctx.history.unregistered.awardId)
  if (!tynesideInterim) throw new Error('Impact seed: Tyneside’s award has no returns')
  const tyneside: ReturnData = {
    ...emptyReturnData(),
    peopleReached: 22,
    sessionsDelivered: 20,
    outcomes: { ucla3: { basis: 'cohort', cohort: { ucla3: { n: 18, meanBefore: 7.2, meanAfter: 5.9, sdChange: 1.4 } } } },
    spentPence: 410_000,
    story: 'Our Saturday plot-share now has a waiting list. Two of the men who came through the surgery run the seed swap.',
    plans: 'Build a raised bed for people who use wheelchairs, and open on Wednesdays.',
  }
  await submitReturn(trx, tynesideAdmin, { returnId: tynesideInterim.id, data: tyneside })
  await requestReturnChanges(trx, ctx.managerUserId, {
    returnId: tynesideInterim.id,
    comments: 'Thank you. Please tell us how the 22 people found you (the referral routes), so we can show the ICB how many came through link workers.',
  })
  await submitReturn(trx, tynesideAdmin, { returnId: tynesideInterim.id, data: { ...tyneside, referrals: { link_worker: 9, health_professional: 5, self: 6, community: 2 } } })
  await acceptReturn(trx, ctx.managerUserId, { returnId: tynesideInterim.id, comments: null })

  // Open data: one award from each kind of funding, in four places.
  await setAwardsPublished(trx, ctx.managerUserId, {
    awardIds: [ctx.choirAwardId, ctx.history.singleFunder.awardId, ctx.history.pooled.awardId, ctx.history.unregistered.awardId],
    published: true,
  })
}
