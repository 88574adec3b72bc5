/**
 * Public statistics per round, for /stats: every figure is a grouped aggregate over all the rounds shown at once (a
 * handful of queries whatever the number of rounds or applications), never one query per round or a read of every
 * application.
 *
 * What each figure counts (the choices a reader needs to trust them):
 * - Rounds shown: published, closed, decided and archived ones (never drafts).
 * - Applications received: submitted applications (drafts never count). A two-stage bid counts once, at its first
 *   stage (its full application points back at its expression of interest).
 * - Decided: bids the applicant has been told about: decisions released to applicants (applications.decided_at, not
 *   counting an expression of interest that was invited on to a full application), and first come, first served bids
 *   allocated or not allocated. Nothing the panel has decided but not yet released is shown in public.
 * - Success rate: decided bids that were awarded a grant (or allocated one), out of all decided bids.
 * - Days from close to decision: London calendar days from the round's closing time to the day the applicant was told
 *   (applications.decided_at, set when decisions are released), the median over decided bids; 0 when decided by the
 *   close (first come, first served rounds decide as bids arrive). Times are counted per hour in SQL, so the median
 *   comes from a small histogram.
 * - Decline reasons: the panel's category (panel_decisions.decline_reason) for each released "declined" decision.
 * - Money awarded by place: awards made and not declined or withdrawn, told to the applicant, by the ICB the
 *   application named (else the organisation's).
 */
import { sql } from 'kysely'
import type { Db } from '~/lib/db.server.ts'
import { londonDaysUntil } from '~/lib/dates.ts'
import { medianOfCounts, percentOf } from './median.ts'

export const PUBLIC_ROUND_STATUSES = ['published', 'closed', 'decided', 'archived'] as const

export interface PlaceMoney {
  placeName: string
  gssCode: string | null
  awards: number
  amountPence: number
}

export interface RoundStats {
  roundId: number
  title: string
  fundName: string
  status: string
  closesAt: string | null
  received: number
  decided: number
  successful: number
  successRatePercent: number | null
  medianDaysToDecision: number | null
  declineReasons: { reason: string; count: number }[]
  awardedByPlace: PlaceMoney[]
  awardedPence: number
}

const DECIDED = sql<boolean>`((applications.decided_at is not null and applications.status <> 'invited') or applications.status in ('allocated', 'refused'))`

export async function publicRoundStats(db: Db): Promise<RoundStats[]> {
  const rounds = await db
    .selectFrom('rounds')
    .innerJoin('funds', 'funds.id', 'rounds.fund_id')
    .select(['rounds.id', 'rounds.title', 'rounds.status', 'rounds.closes_at', 'funds.name as fund_name'])
    .where('rounds.status', 'in', PUBLIC_ROUND_STATUSES)
    .orderBy(sql`case when rounds.closes_at is null then 1 else 0 end`)
    .orderBy('rounds.closes_at', 'desc')
    .orderBy('rounds.id', 'desc')
    .execute()
  if (rounds.length === 0) return []
  const ids = rounds.map((r) => r.id)

  const [received, outcomes, hours, reasons, places] = await Promise.all([
    db
      .selectFrom('applications')
      .select(['round_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('round_id', 'in', ids)
      .where('submitted_at', 'is not', null)
      .where('eoi_application_id', 'is', null)
      .groupBy('round_id')
      .execute(),
    db
      .selectFrom('applications')
      .leftJoin('awards', 'awards.application_id', 'applications.id')
      .select([
        'applications.round_id',
        sql<number>`sum(case when ${DECIDED} then 1 else 0 end)`.as('decided'),
        sql<number>`sum(case when ${DECIDED} and (awards.id is not null or applications.status = 'allocated') then 1 else 0 end)`.as('successful'),
      ])
      .where('applications.round_id', 'in', ids)
      .groupBy('applications.round_id')
      .execute(),
    db
      .selectFrom('applications')
      .select(['round_id', sql<string>`substr(decided_at, 1, 13)`.as('hour'), (eb) => eb.fn.countAll<number>().as('n')])
      .where('round_id', 'in', ids)
      .where('decided_at', 'is not', null)
      .where('status', '<>', 'invited')
      .groupBy(['round_id', sql`substr(decided_at, 1, 13)`])
      .execute(),
    db
      .selectFrom('panel_decisions')
      .select(['round_id', 'decline_reason', (eb) => eb.fn.countAll<number>().as('n')])
      .where('round_id', 'in', ids)
      .where('status', '=', 'declined')
      .where('released_at', 'is not', null)
      .groupBy(['round_id', 'decline_reason'])
      .execute(),
    db
      .selectFrom('awards')
      .innerJoin('applications', 'applications.id', 'awards.application_id')
      .innerJoin('organisations', 'organisations.id', 'awards.organisation_id')
      .leftJoin('places', (join) => join.on(sql<boolean>`places.id = coalesce(applications.place_id, organisations.place_id)`))
      .select(['awards.round_id', 'places.name', 'places.gss_code', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('awards.amount_pence').as('pence')])
      .where('awards.round_id', 'in', ids)
      .where('awards.status', 'not in', ['declined', 'cancelled'])
      .where(sql<boolean>`(applications.decided_at is not null or applications.status = 'allocated')`)
      .groupBy(['awards.round_id', 'places.name', 'places.gss_code'])
      .execute(),
  ])

  return rounds.map((r) => {
    const outcome = outcomes.find((o) => o.round_id === r.id)
    const decided = Number(outcome?.decided ?? 0)
    const successful = Number(outcome?.successful ?? 0)
    const byPlace = places
      .filter((p) => p.round_id === r.id)
      .map((p) => ({ placeName: p.name ?? 'Place not recorded', gssCode: p.gss_code, awards: Number(p.n), amountPence: Number(p.pence) }))
      .sort((a, b) => b.amountPence - a.amountPence || a.placeName.localeCompare(b.placeName))
    const closesAt = r.closes_at
    const days = closesAt
      ? hours.filter((h) => h.round_id === r.id).map((h) => ({ value: Math.max(0, londonDaysUntil(`${h.hour}:00:00.000Z`, new Date(closesAt))), count: Number(h.n) }))
      : []
    return {
      roundId: r.id,
      title: r.title,
      fundName: r.fund_name,
      status: r.status,
      closesAt,
      received: Number(received.find((x) => x.round_id === r.id)?.n ?? 0),
      decided,
      successful,
      successRatePercent: percentOf(successful, decided),
      medianDaysToDecision: medianOfCounts(days),
      declineReasons: reasons
        .filter((x) => x.round_id === r.id)
        .map((x) => ({ reason: x.decline_reason?.trim() || 'No reason recorded', count: Number(x.n) }))
        .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
      awardedByPlace: byPlace,
      awardedPence: byPlace.reduce((sum, p) => sum + p.amountPence, 0),
    }
  })
}
