/**
 * A maintained score summary per bid for the panel's ranked list (issue 8, session 3). At national size a round has
 * about 1,000 bids and 5,000 criterion scores; counting, summing and ranging them and working out every bid's
 * moderated total on each view of the list cost 50-100 ms. bid_score_summaries holds one row per bid with a submitted
 * assessment or a moderation: the submitted assessments' weighted totals counted, summed and ranged, how many criteria
 * the chair moderated, the moderated total (per criterion of the round the chair's score where there is one, else the
 * mean of the submitted raw scores, through the weighted formula; null while a weighted criterion has no score) and
 * whether a gateway fails. It is kept in the same transaction by every domain function that changes those rows
 * (app/domain/assessment/score-summaries.server.ts), and rebuilt from the base rows here.
 *
 * The list's running totals walk every bid of the round in rank order, so each view reads the round's bids' place,
 * amount and outcome areas: applications_panel_walk_idx holds them (with the statuses the panel filters on), so that
 * read comes from the index instead of from a thousand wide application rows; bid_score_summaries_round_idx gives the
 * round's summaries' totals and gateway results by one range read (a join by bid made PostgreSQL hash all 100,000).
 *
 * Frozen: never edit after it has landed. Portable across SQLite and PostgreSQL; imports nothing from the app.
 */
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('bid_score_summaries')
    .addColumn('application_id', 'integer', (c) => c.primaryKey().references('applications.id').onDelete('cascade'))
    .addColumn('round_id', 'integer', (c) => c.notNull())
    .addColumn('submitted_count', 'integer', (c) => c.notNull())
    .addColumn('weighted_total_milli', 'bigint')
    .addColumn('weighted_lowest_milli', 'integer')
    .addColumn('weighted_highest_milli', 'integer')
    .addColumn('moderated_criteria', 'integer', (c) => c.notNull())
    .addColumn('moderated_total_milli', 'integer')
    .addColumn('gateway_failed', 'integer', (c) => c.notNull())
    .execute()

  await db.schema.createIndex('bid_score_summaries_round_idx').on('bid_score_summaries').columns(['round_id', 'application_id', 'moderated_total_milli', 'gateway_failed']).execute()
  await db.schema
    .createIndex('applications_panel_walk_idx')
    .on('applications')
    .columns(['round_id', 'id', 'status', 'screening_override', 'screening_result', 'place_id', 'amount_requested_pence', 'outcome_areas'])
    .execute()

  await sql`
    insert into bid_score_summaries (application_id, round_id, submitted_count, weighted_total_milli, weighted_lowest_milli, weighted_highest_milli, moderated_criteria, moderated_total_milli, gateway_failed)
    select bid.id, bid.round_id, coalesce(w.n, 0), w.total, w.lowest, w.highest, coalesce(m.moderated, 0),
      case when m.weighted = 0 or m.total_weight <= 0 or m.unscored > 0 then null else floor(m.weighted_sum / m.total_weight * 100 * 1000 + 0.5) end,
      coalesce(m.gateway_failed, 0)
    from applications bid
    left join (
      select s.application_id, count(*) as n, sum(s.weighted_score_milli) as total, min(s.weighted_score_milli) as lowest, max(s.weighted_score_milli) as highest
      from assessments s inner join applications bid on bid.id = s.application_id
      where 1 = 1 and s.status = 'submitted' and s.weighted_score_milli is not null
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
          where 1 = 1 and s.status = 'submitted'
          group by s.application_id, cs.criterion_id
        ) t on t.application_id = bid.id and t.criterion_id = c.id
        where 1 = 1
      ) v
      group by v.application_id
    ) m on m.application_id = bid.id
    where 1 = 1 and (w.n is not null or m.scored > 0)
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('applications_panel_walk_idx').execute()
  await db.schema.dropIndex('bid_score_summaries_round_idx').execute()
  await db.schema.dropTable('bid_score_summaries').execute()
}
