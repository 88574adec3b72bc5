/**
 * Maintained summaries for the pot and funder dashboards (issue 8, session 3). At national size a pot has thousands
 * of awards and a funder tens of thousands; summing their commitments and what was paid against each on every view
 * cost 40-300 ms. Two tables, kept up to date in the same transaction by every domain function that changes what they
 * sum (app/domain/budgets/place-figures.server.ts refreshAwardFigures), and rebuilt from the base rows here:
 *
 * - award_figures: one row per award and contribution with an active (not released) commitment: the contribution's
 *   pot and funder, the award's place (its application's; 0 when none is recorded), the committed pence, what has
 *   been paid against the commitment net of repayments (paid tranche parts from the contribution, older direct
 *   'award.paid' entries on the commitment, less repayments taken back from the contribution for the award) and the
 *   contribution's share of the award's declared match funding (match × committed ÷ award, rounded down). It is what
 *   each award last added to place_figures, so an award's change is applied as a difference.
 * - place_figures: the same figures summed per place for each contribution, pot and funder (scope), with the number of
 *   awards (each counted once per pot or funder). Rows with no awards are not kept.
 * - contribution_months: per contribution and month (the first 7 characters of the entry's stored time), what was
 *   committed net of releases and what was paid, from the ledger entries on its committed, scheduled and paid accounts
 *   (the pot dashboard's "committed and paid over time"; maintained by the ledger's posting, month-figures.server.ts).
 *
 * Frozen: never edit after it has landed. Portable across SQLite and PostgreSQL; imports nothing from the app.
 */
import { sql, type Kysely } from 'kysely'

const FIGURES = ['committed_pence', 'paid_pence', 'match_cash_pence', 'match_in_kind_pence'] as const

export async function up(db: Kysely<any>): Promise<void> {
  let awardFigures = db.schema
    .createTable('award_figures')
    .addColumn('award_id', 'integer', (c) => c.notNull().references('awards.id'))
    .addColumn('contribution_id', 'integer', (c) => c.notNull().references('contributions.id'))
    .addColumn('pot_id', 'integer', (c) => c.notNull())
    .addColumn('funder_id', 'integer', (c) => c.notNull())
    .addColumn('place_key', 'integer', (c) => c.notNull())
  for (const f of FIGURES) awardFigures = awardFigures.addColumn(f, 'bigint', (c) => c.notNull())
  await awardFigures.addPrimaryKeyConstraint('award_figures_pk', ['award_id', 'contribution_id']).execute()
  // The pot dashboard's pages of awards, in award order.
  await db.schema.createIndex('award_figures_pot_award_idx').on('award_figures').columns(['pot_id', 'award_id']).execute()

  let placeFigures = db.schema
    .createTable('place_figures')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('scope_id', 'integer', (c) => c.notNull())
    .addColumn('place_key', 'integer', (c) => c.notNull())
    .addColumn('awards', 'integer', (c) => c.notNull())
  for (const f of FIGURES) placeFigures = placeFigures.addColumn(f, 'bigint', (c) => c.notNull())
  await placeFigures.addPrimaryKeyConstraint('place_figures_pk', ['scope', 'scope_id', 'place_key']).execute()

  await sql`
    insert into award_figures (award_id, contribution_id, pot_id, funder_id, place_key, committed_pence, paid_pence, match_cash_pence, match_in_kind_pence)
    select ac.award_id, ac.contribution_id, c.pot_id, c.funder_id, coalesce(ap.place_id, 0),
      sum(ac.amount_pence),
      sum(
        coalesce((select sum(tp.amount_pence) from tranches t inner join tranche_parts tp on tp.tranche_id = t.id
                  where t.award_id = ac.award_id and t.status = 'paid' and tp.contribution_id = ac.contribution_id), 0)
        + coalesce((select sum(e.amount_pence) from ledger_entries e
                  where e.ref_type = 'award_commitment' and e.ref_id = ac.id and e.reason_code = 'award.paid' and e.reverses_entry_id is null), 0)
        - coalesce((select sum(e.amount_pence) from award_repayments rp
                  inner join ledger_entries e on e.ref_type = 'award_repayment' and e.ref_id = rp.id
                  inner join ledger_accounts da on da.id = e.debit_account_id
                  where rp.award_id = ac.award_id and da.owner_id = ac.contribution_id), 0)),
      sum(case when a.amount_pence > 0 then coalesce(ap.match_cash_pence, 0) * ac.amount_pence / a.amount_pence else 0 end),
      sum(case when a.amount_pence > 0 then coalesce(ap.match_in_kind_pence, 0) * ac.amount_pence / a.amount_pence else 0 end)
    from award_commitments ac
    inner join awards a on a.id = ac.award_id
    inner join applications ap on ap.id = a.application_id
    inner join contributions c on c.id = ac.contribution_id
    where ac.released_at is null
    group by ac.award_id, ac.contribution_id, c.pot_id, c.funder_id, ap.place_id
  `.execute(db)

  for (const [scope, column, awards] of [
    ['contribution', 'contribution_id', 'count(*)'],
    ['pot', 'pot_id', 'count(distinct award_id)'],
    ['funder', 'funder_id', 'count(distinct award_id)'],
  ] as const) {
    await sql`
      insert into place_figures (scope, scope_id, place_key, awards, committed_pence, paid_pence, match_cash_pence, match_in_kind_pence)
      select ${scope}, ${sql.ref(column)}, place_key, ${sql.raw(awards)}, sum(committed_pence), sum(paid_pence), sum(match_cash_pence), sum(match_in_kind_pence)
      from award_figures group by ${sql.ref(column)}, place_key
    `.execute(db)
  }

  await createContributionMonths(db)
}

const COMMITTED = sql.raw(`'contribution_committed', 'contribution_scheduled'`)
const COMMITTED_OR_PAID = sql.raw(`'contribution_committed', 'contribution_scheduled', 'contribution_paid'`)

async function createContributionMonths(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('contribution_months')
    .addColumn('contribution_id', 'integer', (c) => c.notNull().references('contributions.id'))
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('committed_pence', 'bigint', (c) => c.notNull())
    .addColumn('paid_pence', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('contribution_months_pk', ['contribution_id', 'month'])
    .execute()
  const side = (own: string, other: string, sign: number) => sql`
    select a.owner_id as contribution_id, substr(e.created_at, 1, 7) as month,
      ${sql.raw(String(sign))} * case when a.kind in (${COMMITTED}) and o.kind not in (${COMMITTED_OR_PAID}) then e.amount_pence else 0 end as committed,
      ${sql.raw(String(sign))} * case when a.kind = 'contribution_paid' then e.amount_pence else 0 end as paid
    from ledger_entries e
    inner join ledger_accounts a on a.id = e.${sql.raw(own)}_account_id
    inner join ledger_accounts o on o.id = e.${sql.raw(other)}_account_id
    where a.owner_type = 'contribution' and a.kind in (${COMMITTED_OR_PAID})`
  await sql`
    insert into contribution_months (contribution_id, month, committed_pence, paid_pence)
    select x.contribution_id, x.month, sum(x.committed), sum(x.paid)
    from (${side('credit', 'debit', 1)} union all ${side('debit', 'credit', -1)}) x
    group by x.contribution_id, x.month
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('contribution_months').ifExists().execute()
  await db.schema.dropTable('place_figures').ifExists().execute()
  await db.schema.dropTable('award_figures').ifExists().execute()
}
