/**
 * Public statistics per round, for /stats: every figure is a grouped aggregate over all the rounds shown at once (a
 * handful of queries whatever the number of rounds or applications), never one query per round or a read of every
 * application. Received, decided and successful are read from round_stats, kept by their writers
 * (round-counts.server.ts, which counts them as described here).
 *
 * What each figure counts (the choices a reader needs to trust them):
 * - Rounds shown: published, closed, decided and archived ones (never drafts), ten a page, latest closing date first.
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

/** Rounds on a page of /stats. */
export const ROUNDS_PER_PAGE = 10

export interface RoundStatsPage {
  rounds: RoundStats[]
  /** How many rounds there are to report on, on every page. */
  totalRounds: number
  /** Cursor for "Next page" (the rounds after this round id), or null on the last page. */
  nextAfter: number | null
  /** Cursor for "Previous page" (the rounds before this round id), or null on the first page. */
  previousBefore: number | null
}

type RoundRow = { id: number; title: string; status: string; closes_at: string | null; fund_name: string }

/**
 * One page of the public rounds, newest first: by closing date, latest first, then rounds with no closing date, ties
 * by id (newest first). Keyset: `after` (or `before`) is the id of the last (or first) round of the page seen; the
 * page is read from that round's place in the order, so a round published meanwhile never shifts a page.
 */
async function publicRoundsPage(db: Db, input: { after?: number; before?: number; limit: number }): Promise<{ rows: RoundRow[]; nextAfter: number | null; previousBefore: number | null }> {
  const cursorId = input.before ?? input.after
  const cursor = cursorId === undefined ? undefined : await db.selectFrom('rounds').select(['id', 'closes_at']).where('id', '=', cursorId).where('status', 'in', PUBLIC_ROUND_STATUSES).executeTakeFirst()
  const backwards = input.before !== undefined && cursor !== undefined
  let query = db
    .selectFrom('rounds')
    .innerJoin('funds', 'funds.id', 'rounds.fund_id')
    .select(['rounds.id', 'rounds.title', 'rounds.status', 'rounds.closes_at', 'funds.name as fund_name'])
    .where('rounds.status', 'in', PUBLIC_ROUND_STATUSES)
  if (cursor) {
    const { id, closes_at: closesAt } = cursor
    query = query.where((eb) => {
      if (backwards) {
        return closesAt === null
          ? eb.or([eb('rounds.closes_at', 'is not', null), eb('rounds.id', '>', id)])
          : eb.or([eb('rounds.closes_at', '>', closesAt), eb.and([eb('rounds.closes_at', '=', closesAt), eb('rounds.id', '>', id)])])
      }
      return closesAt === null
        ? eb.and([eb('rounds.closes_at', 'is', null), eb('rounds.id', '<', id)])
        : eb.or([eb('rounds.closes_at', '<', closesAt), eb.and([eb('rounds.closes_at', '=', closesAt), eb('rounds.id', '<', id)]), eb('rounds.closes_at', 'is', null)])
    })
  }
  const direction = backwards ? 'asc' : 'desc'
  const rows = await query
    .orderBy(sql`case when rounds.closes_at is null then 1 else 0 end`, backwards ? 'desc' : 'asc')
    .orderBy('rounds.closes_at', direction)
    .orderBy('rounds.id', direction)
    .limit(input.limit + 1)
    .execute()
  const page = rows.slice(0, input.limit)
  if (backwards) {
    page.reverse()
    return { rows: page, nextAfter: page.at(-1)?.id ?? null, previousBefore: rows.length > input.limit ? page[0]!.id : null }
  }
  return { rows: page, nextAfter: rows.length > input.limit ? page.at(-1)!.id : null, previousBefore: cursor && page.length > 0 ? page[0]!.id : null }
}

/**
 * A page of rounds (ROUNDS_PER_PAGE, newest first) with their figures. `after` and `before` are round ids from the
 * page's links; an unknown or unpublished one gives the first page.
 */
export async function publicRoundStats(db: Db, input: { after?: number; before?: number; limit?: number } = {}): Promise<RoundStatsPage> {
  const [page, total] = await Promise.all([
    publicRoundsPage(db, { after: input.after, before: input.before, limit: input.limit ?? ROUNDS_PER_PAGE }),
    db.selectFrom('rounds').select((eb) => eb.fn.countAll<number>().as('n')).where('status', 'in', PUBLIC_ROUND_STATUSES).executeTakeFirstOrThrow(),
  ])
  return { rounds: await roundFigures(db, page.rows), totalRounds: Number(total.n), nextAfter: page.nextAfter, previousBefore: page.previousBefore }
}

/** The figures for the given rounds, each a grouped aggregate over them all at once. */
async function roundFigures(db: Db, rounds: RoundRow[]): Promise<RoundStats[]> {
  if (rounds.length === 0) return []
  const ids = rounds.map((r) => r.id)

  const [counts, hours, reasons, places] = await Promise.all([
    // Received, decided and successful, kept per round by their writers (round-counts.server.ts).
    db.selectFrom('round_stats').select(['round_id', 'received', 'decided', 'successful']).where('round_id', 'in', ids).execute(),
    // Decisions are released in batches, so the exact times come from the index in order with few distinct values,
    // and only those few are cut to the hour.
    db
      .selectFrom((eb) =>
        eb
          .selectFrom('applications')
          .select(['round_id', 'decided_at', (e) => e.fn.countAll<number>().as('n')])
          .where('round_id', 'in', ids)
          .where('decided_at', 'is not', null)
          .where('status', '<>', 'invited')
          .groupBy(['round_id', 'decided_at'])
          .as('decisions'),
      )
      .select(['round_id', sql<string>`substr(decided_at, 1, 13)`.as('hour'), (eb) => eb.fn.sum<number>('n').as('n')])
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
    // Each award's organisation is looked up by its key only where the application names no place (a join would have
    // PostgreSQL hash every organisation, in parallel workers, even for rounds with no awards yet).
    db
      .selectFrom((eb) =>
        eb
          .selectFrom('awards')
          .innerJoin('applications', 'applications.id', 'awards.application_id')
          .select([
            'awards.round_id',
            'awards.amount_pence',
            sql<number | null>`coalesce(applications.place_id, (select organisations.place_id from organisations where organisations.id = awards.organisation_id))`.as('place_id'),
          ])
          .where('awards.round_id', 'in', ids)
          .where('awards.status', 'not in', ['declined', 'cancelled'])
          .where(sql<boolean>`(applications.decided_at is not null or applications.status = 'allocated')`)
          .as('told'),
      )
      .leftJoin('places', 'places.id', 'told.place_id')
      .select(['told.round_id', 'places.name', 'places.gss_code', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('told.amount_pence').as('pence')])
      .groupBy(['told.round_id', 'places.name', 'places.gss_code'])
      .execute(),
  ])

  return rounds.map((r) => {
    const count = counts.find((c) => c.round_id === r.id)
    const decided = Number(count?.decided ?? 0)
    const successful = Number(count?.successful ?? 0)
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
      received: Number(count?.received ?? 0),
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
