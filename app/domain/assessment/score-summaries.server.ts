/**
 * Each bid's score summary (bid_score_summaries), maintained so the panel's ranked list reads one row a bid instead of
 * aggregating every criterion score of the round on each view (issue 8).
 *
 * A row holds exactly what the ranked list takes from the scores, as roundScoreboard works it out (scoring.ts):
 * - the submitted assessments' weighted totals counted, summed and ranged (mean, spread, disagreement: spreadOfSummary);
 *   only submitted assessments count, so a declared conflict or a draft never does;
 * - how many criteria the chair has moderated;
 * - the moderated total: per criterion of the round the chair's score where there is one, else the mean of the
 *   submitted raw scores, through the weighted formula (weightedScoreMilli), null while a weighted criterion has no score;
 * - whether a gateway fails (any submitted fail unless the chair moderated it to a pass; a chair's fail).
 * A bid with no submitted assessment and no moderation has no row (which reads as no scores).
 *
 * Kept in step in the same transaction by every writer of the rows it comes from: submitting scores, declaring or
 * recording a conflict, unassigning, removing a panel member's unscored bids, moderating and clearing a moderation
 * (refreshBidScoreSummaries), and adding, changing or deleting a criterion (refreshRoundScoreSummaries). Each refresh
 * recomputes the bid's row from the base rows, so a refresh is always right whatever changed. rebuildBidScoreSummaries
 * recomputes every row (the national generator after its bulk load; tests compare it with the scoreboard).
 *
 * The arithmetic is SQL in double precision in the same order as weightedScoreMilli, rounded half up like Math.round.
 */
import { sql, type RawBuilder } from 'kysely'
import { engineOf } from '../../../db/connect.ts'
import type { Db } from '~/lib/db.server.ts'

/** Recomputes the summaries of the given bids from their assessments, scores, moderations and round's criteria. */
export async function refreshBidScoreSummaries(db: Db, applicationIds: readonly number[]): Promise<void> {
  const ids = [...new Set(applicationIds)].sort((a, b) => a - b)
  if (ids.length === 0) return
  // Two transactions refreshing the same bid (two assessors submitting at once) take turns on PostgreSQL: the second
  // then deletes the first's new row and counts both submissions (without the lock its insert met the first's row).
  if (engineOf(db) === 'postgres') await db.selectFrom('applications').select('id').where('id', 'in', ids).orderBy('id').forUpdate().execute()
  await db.deleteFrom('bid_score_summaries').where('application_id', 'in', ids).execute()
  await insertSummaries(db, sql`bid.id in (${sql.join(ids)})`)
}

/** Recomputes the summaries of every bid of a round (its criteria changed). */
export async function refreshRoundScoreSummaries(db: Db, roundId: number): Promise<void> {
  if (engineOf(db) === 'postgres') await db.selectFrom('applications').select('id').where('round_id', '=', roundId).orderBy('id').forUpdate().execute()
  await db.deleteFrom('bid_score_summaries').where('application_id', 'in', (eb) => eb.selectFrom('applications').select('id').where('round_id', '=', roundId)).execute()
  await insertSummaries(db, sql`bid.round_id = ${roundId}`)
}

/** Recomputes every bid's summary from the base rows. */
export async function rebuildBidScoreSummaries(db: Db): Promise<void> {
  await db.deleteFrom('bid_score_summaries').execute()
  await insertSummaries(db, sql`1 = 1`)
}

/** The bid ids of some assessments (for a writer that has their ids, before it deletes them). */
export async function bidsOfAssessments(db: Db, assessmentIds: readonly number[]): Promise<number[]> {
  if (assessmentIds.length === 0) return []
  const rows = await db.selectFrom('assessments').select('application_id').where('id', 'in', assessmentIds).execute()
  return rows.map((r) => r.application_id)
}

/** Inserts the summaries of the applications `scope` selects (a condition on `bid`, an applications row). */
async function insertSummaries(db: Db, scope: RawBuilder<unknown>): Promise<void> {
  await sql`
    insert into bid_score_summaries (application_id, round_id, submitted_count, weighted_total_milli, weighted_lowest_milli, weighted_highest_milli, moderated_criteria, moderated_total_milli, gateway_failed)
    select bid.id, bid.round_id, coalesce(w.n, 0), w.total, w.lowest, w.highest, coalesce(m.moderated, 0),
      case when m.weighted = 0 or m.total_weight <= 0 or m.unscored > 0 then null else floor(m.weighted_sum / m.total_weight * 100 * 1000 + 0.5) end,
      coalesce(m.gateway_failed, 0)
    from applications bid
    left join (
      select s.application_id, count(*) as n, sum(s.weighted_score_milli) as total, min(s.weighted_score_milli) as lowest, max(s.weighted_score_milli) as highest
      from assessments s inner join applications bid on bid.id = s.application_id
      where ${scope} and s.status = 'submitted' and s.weighted_score_milli is not null
      group by s.application_id
    ) w on w.application_id = bid.id
    left join (
      select v.application_id,
        sum(case when v.is_gateway = 0 then 1 else 0 end) as weighted,
        sum(case when v.is_gateway = 0 then v.weight else 0 end) as total_weight,
        sum(case when v.is_gateway = 0 and v.score is null then 1 else 0 end) as unscored,
        sum(case when v.is_gateway = 0 then v.weight * (v.score - v.scale_min) / (v.scale_max - v.scale_min) end) as weighted_sum,
        max(v.gateway_failed) as gateway_failed,
        sum(v.moderated) as moderated,
        sum(v.scored) as scored
      from (
        select bid.id as application_id, c.is_gateway, c.weight, c.scale_min, c.scale_max,
          case when mo.score is not null then cast(mo.score as double precision) when t.n > 0 then cast(t.total as double precision) / t.n end as score,
          case when c.is_gateway = 1 and (case when mo.score is not null then mo.score = 0 else t.n > 0 and t.lowest = 0 end) then 1 else 0 end as gateway_failed,
          case when mo.id is null then 0 else 1 end as moderated,
          case when mo.id is null and t.n is null then 0 else 1 end as scored
        from applications bid
        inner join criteria c on c.round_id = bid.round_id
        left join moderations mo on mo.application_id = bid.id and mo.criterion_id = c.id
        left join (
          select s.application_id, cs.criterion_id, sum(cs.score) as total, count(*) as n, min(cs.score) as lowest
          from criterion_scores cs inner join assessments s on s.id = cs.assessment_id inner join applications bid on bid.id = s.application_id
          where ${scope} and s.status = 'submitted'
          group by s.application_id, cs.criterion_id
        ) t on t.application_id = bid.id and t.criterion_id = c.id
        where ${scope}
      ) v
      group by v.application_id
    ) m on m.application_id = bid.id
    where ${scope} and (w.n is not null or m.scored > 0)
  `.execute(db)
}
