/**
 * Public statistics per round, for /stats: one query reads a page of rounds with all their figures, each figure an
 * aggregate over one shown round's rows along its indexes, never a read of every application. Received, decided and
 * successful are read from round_stats, kept by their writers (round-counts.server.ts, which counts them as described
 * here).
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
import { sql, type CompiledQuery } from 'kysely'
import { engineOf, prepared } from '../../../db/connect.ts'
import type { Db } from '~/lib/db.server.ts'
import { jsonList, jsonRows } from '~/lib/json-list.server.ts'
import { dataVersion, KeptUntilChanged, STATISTICS_VERSION } from '~/lib/kept-until-changed.server.ts'
import { londonDaysUntil } from '~/lib/dates.ts'
import { penceFromDatabase } from '~/lib/money.ts'
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

/**
 * A page of rounds (ROUNDS_PER_PAGE, newest first) with their figures. `after` and `before` are round ids from the
 * page's links; an unknown or unpublished one gives the first page.
 *
 * One query reads the page: its rounds in order, the number of public rounds, each round's maintained counts, and its
 * decision times, decline reasons and money by place, each a small list built as JSON by the database for that round
 * alone (read along the round's indexes). On PostgreSQL every query is a round trip and is parsed and planned again
 * unless kept prepared: seven separate reads (the page, the count, the counts and four grouped figures) cost more
 * there than the figures themselves. A later page first reads its cursor round. The first page, the one nearly every
 * visitor sees, is kept until the statistics version moves (keptFirstPages), so most views read only that version.
 */
export async function publicRoundStats(db: Db, input: { after?: number; before?: number; limit?: number } = {}): Promise<RoundStatsPage> {
  const limit = input.limit ?? ROUNDS_PER_PAGE
  const cursorId = input.before ?? input.after
  if (cursorId === undefined) return firstPage(db, limit)
  const cursor = await db.selectFrom('rounds').select(['id', 'closes_at']).where('id', '=', cursorId).where('status', 'in', PUBLIC_ROUND_STATUSES).executeTakeFirst()
  if (!cursor) return firstPage(db, limit)
  const backwards = input.before !== undefined
  // Kept prepared on PostgreSQL: a fixed shape for each kind of page, every read in it by a round's key.
  const rows = (await db.executeQuery(prepared(roundsPageQuery(db, cursor, backwards, limit)))).rows
  return pageOf(db, rows, { limit, backwards, fromCursor: true })
}

/**
 * First pages, each kept with the statistics version it was read at (STATISTICS_VERSION, a column of its statement),
 * by page size: every visitor to /stats sees the same first page, and it changes only when the database counts a
 * change to what it is read from (~/lib/kept-until-changed.server.ts). Later pages are read each time: their cursor
 * round is read in a statement of its own.
 */
export const keptFirstPages = new KeptUntilChanged<RoundStatsPage>()

async function firstPage(db: Db, limit: number): Promise<RoundStatsPage> {
  const key = String(limit)
  if (!db.isTransaction) {
    const kept = keptFirstPages.get(db, key, await dataVersion(db, 'statistics'))
    if (kept) return kept
  }
  // The first page's query is the same text with the same parameters every time, so it is built and compiled once.
  const rows = (await db.executeQuery(firstPageQuery(db, limit))).rows
  const page = await pageOf(db, rows, { limit, backwards: false, fromCursor: false })
  if (rows.length > 0) keptFirstPages.keep(db, key, Number(rows[0]!.version), page)
  return page
}

async function pageOf(db: Db, rows: PageRow[], { limit, backwards, fromCursor }: { limit: number; backwards: boolean; fromCursor: boolean }): Promise<RoundStatsPage> {
  const shown = rows.slice(0, limit)
  if (backwards) shown.reverse()
  const more = rows.length > limit
  return {
    rounds: shown.map(roundStatsOf),
    totalRounds: Number(rows[0]?.total_rounds ?? (await countPublicRounds(db))),
    nextAfter: shown.length === 0 ? null : backwards || more ? shown.at(-1)!.id : null,
    previousBefore: shown.length === 0 ? null : backwards ? (more ? shown[0]!.id : null) : fromCursor ? shown[0]!.id : null,
  }
}

/** First pages' queries, compiled, by engine and page size (a first page has no cursor: its parameters never change). */
const firstPageQueries = new Map<string, CompiledQuery<PageRow>>()

export function firstPageQuery(db: Db, limit: number): CompiledQuery<PageRow> {
  const key = `${engineOf(db)} ${limit}`
  let query = firstPageQueries.get(key)
  if (!query) firstPageQueries.set(key, (query = prepared(roundsPageQuery(db, undefined, false, limit))))
  return query
}

/**
 * The rounds of a page from the cursor (limit + 1 of them, to tell whether there are more), in page order, with the
 * number of public rounds and each round's figures.
 */
function roundsPageQuery(db: Db, cursor: { id: number; closes_at: string | null } | undefined, backwards: boolean, limit: number) {
  const direction = backwards ? 'asc' : 'desc'
  const engine = engineOf(db)
  return db
    .selectFrom(publicRoundsInOrder(db, cursor, backwards).limit(limit + 1).as('page'))
    .leftJoin('round_stats', 'round_stats.round_id', 'page.id')
    .select((eb) => [
      'page.id',
      'page.title',
      'page.status',
      'page.closes_at',
      'page.fund_name',
      'round_stats.received',
      'round_stats.decided',
      'round_stats.successful',
      STATISTICS_VERSION.as('version'),
      eb
        .selectFrom('rounds')
        .select((e) => e.fn.countAll<number | string>().as('n'))
        .where('status', 'in', PUBLIC_ROUND_STATUSES)
        .$asScalar()
        .as('total_rounds'),
      // Decisions are released in batches, so the exact times come from the index in order with few distinct values,
      // and only those few are cut to the hour.
      jsonList(
        engine,
        eb
          .selectFrom((e) =>
            e
              .selectFrom('applications')
              .select(['decided_at', (x) => x.fn.countAll().as('n')])
              .whereRef('applications.round_id', '=', 'page.id')
              .where('decided_at', 'is not', null)
              .where('status', '<>', 'invited')
              .groupBy('decided_at')
              .as('decisions'),
          )
          .select([sql`substr(decisions.decided_at, 1, 13)`.as('hour'), (e) => e.fn.sum('decisions.n').as('n')])
          .groupBy(sql`substr(decisions.decided_at, 1, 13)`),
        ['hour', 'n'],
      ).as('hours'),
      jsonList(
        engine,
        eb
          .selectFrom('panel_decisions')
          .select(['decline_reason', (e) => e.fn.countAll().as('n')])
          .whereRef('panel_decisions.round_id', '=', 'page.id')
          .where('status', '=', 'declined')
          .where('released_at', 'is not', null)
          .groupBy('decline_reason'),
        ['decline_reason', 'n'],
      ).as('reasons'),
      // Each award's organisation is looked up by its key only where the application names no place (a join would
      // have PostgreSQL hash every organisation, even for rounds with no awards yet).
      jsonList(
        engine,
        eb
          .selectFrom((e) =>
            e
              .selectFrom('awards')
              .innerJoin('applications', 'applications.id', 'awards.application_id')
              .select([
                'awards.amount_pence',
                sql<number | null>`coalesce(applications.place_id, (select organisations.place_id from organisations where organisations.id = awards.organisation_id))`.as('place_id'),
              ])
              .whereRef('awards.round_id', '=', 'page.id')
              .where('awards.status', 'not in', ['declined', 'cancelled'])
              .where(sql<boolean>`(applications.decided_at is not null or applications.status = 'allocated')`)
              .as('told'),
          )
          .leftJoin('places', 'places.id', 'told.place_id')
          .select(['places.name', 'places.gss_code', (e) => e.fn.countAll().as('n'), (e) => e.fn.sum('told.amount_pence').as('pence')])
          .groupBy(['places.name', 'places.gss_code']),
        ['name', 'gss_code', 'n', 'pence'],
      ).as('places'),
    ])
    .orderBy(sql`case when page.closes_at is null then 1 else 0 end`, backwards ? 'desc' : 'asc')
    .orderBy('page.closes_at', direction)
    .orderBy('page.id', direction)
}

async function countPublicRounds(db: Db): Promise<number> {
  const row = await db.selectFrom('rounds').select((eb) => eb.fn.countAll<number | string>().as('n')).where('status', 'in', PUBLIC_ROUND_STATUSES).executeTakeFirstOrThrow()
  return Number(row.n)
}

/**
 * The public rounds in page order from the cursor: by closing date, latest first, then rounds with no closing date,
 * ties by id (newest first); read backwards (oldest first) for a Previous page. Keyset: the page is read from the
 * cursor round's place in the order, so a round published meanwhile never shifts a page.
 */
function publicRoundsInOrder(db: Db, cursor: { id: number; closes_at: string | null } | undefined, backwards: boolean) {
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
  return query
    .orderBy(sql`case when rounds.closes_at is null then 1 else 0 end`, backwards ? 'desc' : 'asc')
    .orderBy('rounds.closes_at', direction)
    .orderBy('rounds.id', direction)
}

interface PageRow {
  id: number
  title: string
  status: string
  closes_at: string | null
  fund_name: string
  received: number | string | null
  decided: number | string | null
  successful: number | string | null
  total_rounds: number | string | null
  /** The statistics version, read with the figures (STATISTICS_VERSION). */
  version: number | string
  hours: unknown
  reasons: unknown
  places: unknown
}

/** One round's figures from its page row. */
function roundStatsOf(r: PageRow): RoundStats {
  const decided = Number(r.decided ?? 0)
  const successful = Number(r.successful ?? 0)
  const byPlace = jsonRows<[string | null, string | null, number, unknown]>(r.places)
    .map(([name, gssCode, awards, pence]) => ({ placeName: name ?? 'Place not recorded', gssCode, awards: Number(awards), amountPence: penceFromDatabase(pence, 'money awarded') }))
    .sort((a, b) => b.amountPence - a.amountPence || a.placeName.localeCompare(b.placeName))
  const closesAt = r.closes_at
  const days = closesAt
    ? jsonRows<[string, number]>(r.hours).map(([hour, n]) => ({ value: Math.max(0, londonDaysUntil(`${hour}:00:00.000Z`, new Date(closesAt))), count: Number(n) }))
    : []
  return {
    roundId: r.id,
    title: r.title,
    fundName: r.fund_name,
    status: r.status,
    closesAt,
    received: Number(r.received ?? 0),
    decided,
    successful,
    successRatePercent: percentOf(successful, decided),
    medianDaysToDecision: medianOfCounts(days),
    declineReasons: jsonRows<[string | null, number]>(r.reasons)
      .map(([reason, count]) => ({ reason: reason?.trim() || 'No reason recorded', count: Number(count) }))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
    awardedByPlace: byPlace,
    awardedPence: byPlace.reduce((sum, p) => sum + p.amountPence, 0),
  }
}
