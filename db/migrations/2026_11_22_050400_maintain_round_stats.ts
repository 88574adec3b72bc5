/**
 * Each round's public counts for /stats (issue 8, session 3): round_stats holds, per round, the applications received
 * (submitted, a two-stage bid once, at its expression of interest), decided (told the applicant: released decisions
 * other than an expression of interest invited on, and first come, first served bids allocated or refused) and
 * successful (decided and allocated, or with an award). /stats counted every application of the ten rounds it shows,
 * three times, on every view; now it reads one row per round. Refreshed by every writer of what it counts, in its
 * transaction (app/domain/stats/round-counts.server.ts); filled here from the rows, as rebuildRoundStats restates.
 *
 * Frozen: never edit after it has landed. Portable across SQLite and PostgreSQL; imports nothing from the app.
 */
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('round_stats')
    .addColumn('round_id', 'integer', (col) => col.primaryKey().references('rounds.id'))
    .addColumn('received', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('decided', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('successful', 'integer', (col) => col.notNull().defaultTo(0))
    .execute()
  await sql`
    insert into round_stats (round_id, received, decided, successful)
    select round_id,
      sum(case when submitted_at is not null and eoi_application_id is null then 1 else 0 end),
      sum(case when decided then 1 else 0 end),
      sum(case when decided and (status = 'allocated' or exists (select 1 from awards where awards.application_id = a.id)) then 1 else 0 end)
    from (
      select applications.id, applications.round_id, applications.submitted_at, applications.eoi_application_id, applications.status,
        ((applications.decided_at is not null and applications.status <> 'invited') or applications.status in ('allocated', 'refused')) as decided
      from applications
    ) a
    group by round_id`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('round_stats').ifExists().execute()
}
