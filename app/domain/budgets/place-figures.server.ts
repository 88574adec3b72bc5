/**
 * The dashboards' maintained figures per place (issue 8): for each contribution, pot and funder, per place (an award's
 * place is its application's; place_key 0 when none is recorded), the awards with an active commitment from it, the
 * committed pence, what has been paid against those commitments net of repayments, and its share of the awards'
 * declared match funding (match × committed ÷ award, rounded down per commitment). The pot and funder dashboards read
 * these rows instead of summing thousands of commitments on every view.
 *
 * Kept up to date in the SAME transaction by every domain function that changes what they sum: committing and
 * releasing (commitments.server.ts), direct payments, tranches paid and reversed (tranches.server.ts, which Stripe's
 * events and bank statements go through), repayments and variations. Each calls refreshAwardFigures(trx, awardIds)
 * after its change: the award's rows are recomputed from the base rows (award_figures keeps what each award last
 * added) and the difference is applied to place_figures. rebuildPlaceFigures(db) recomputes everything (after a bulk
 * load; the migration 2026_11_22_050000 restates its SQL), and recomputedPlaceFigures(db) is the check.
 */
import { sql, type Kysely, type Transaction } from 'kysely'
import { engineOf, prepared } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import type { Db } from '~/lib/db.server.ts'
import { penceFromDatabase } from '~/lib/money.ts'
import { REASONS } from './accounts.ts'
import { rebuildContributionFigures } from './contribution-figures.server.ts'
import { rebuildMonthFigures } from './month-figures.server.ts'

export type PlaceFiguresScope = 'contribution' | 'pot' | 'funder'

export interface PlaceFigures {
  scope: PlaceFiguresScope
  scopeId: number
  /** The place's id, 0 when no place is recorded. */
  placeKey: number
  awards: number
  committedPence: number
  paidPence: number
  matchCashPence: number
  matchInKindPence: number
}

interface AwardFigure {
  awardId: number
  contributionId: number
  potId: number
  funderId: number
  placeKey: number
  committedPence: number
  paidPence: number
  matchCashPence: number
  matchInKindPence: number
}

const SCOPES: Array<[PlaceFiguresScope, (f: AwardFigure) => number]> = [
  ['contribution', (f) => f.contributionId],
  ['pot', (f) => f.potId],
  ['funder', (f) => f.funderId],
]

/**
 * Each active commitment's figures from the base rows (grouped by award and contribution), for some awards or all.
 * The paid part is reports.server.ts's paidAgainstCommitment rule.
 */
function awardFiguresQuery(db: Kysely<DB>, awardIds?: number[]) {
  const share = (column: 'ap.match_cash_pence' | 'ap.match_in_kind_pence') =>
    sql<number>`sum(case when a.amount_pence > 0 then coalesce(${sql.ref(column)}, 0) * ac.amount_pence / a.amount_pence else 0 end)`
  return db
    .selectFrom('award_commitments as ac')
    .innerJoin('awards as a', 'a.id', 'ac.award_id')
    .innerJoin('applications as ap', 'ap.id', 'a.application_id')
    .innerJoin('contributions as c', 'c.id', 'ac.contribution_id')
    .select((eb) => [
      'ac.award_id as awardId',
      'ac.contribution_id as contributionId',
      'c.pot_id as potId',
      'c.funder_id as funderId',
      sql<number>`coalesce(ap.place_id, 0)`.as('placeKey'),
      eb.fn.sum<number>('ac.amount_pence').as('committedPence'),
      sql<number>`sum(
        coalesce((select sum(tp.amount_pence) from tranches t inner join tranche_parts tp on tp.tranche_id = t.id
                  where t.award_id = ac.award_id and t.status = 'paid' and tp.contribution_id = ac.contribution_id), 0)
        + coalesce((select sum(e.amount_pence) from ledger_entries e
                  where e.ref_type = 'award_commitment' and e.ref_id = ac.id and e.reason_code = ${REASONS.paid} and e.reverses_entry_id is null), 0)
        - coalesce((select sum(e.amount_pence) from award_repayments rp
                  inner join ledger_entries e on e.ref_type = 'award_repayment' and e.ref_id = rp.id
                  inner join ledger_accounts da on da.id = e.debit_account_id
                  where rp.award_id = ac.award_id and da.owner_id = ac.contribution_id), 0))`.as('paidPence'),
      share('ap.match_cash_pence').as('matchCashPence'),
      share('ap.match_in_kind_pence').as('matchInKindPence'),
    ])
    .where('ac.released_at', 'is', null)
    .$if(awardIds !== undefined, (qb) => qb.where('ac.award_id', 'in', awardIds!))
    .groupBy(['ac.award_id', 'ac.contribution_id', 'c.pot_id', 'c.funder_id', 'ap.place_id'])
}

function toAwardFigure(r: Record<string, unknown>): AwardFigure {
  return {
    awardId: Number(r.awardId),
    contributionId: Number(r.contributionId),
    potId: Number(r.potId),
    funderId: Number(r.funderId),
    placeKey: Number(r.placeKey),
    committedPence: penceFromDatabase(r.committedPence),
    paidPence: penceFromDatabase(r.paidPence),
    matchCashPence: penceFromDatabase(r.matchCashPence),
    matchInKindPence: penceFromDatabase(r.matchInKindPence),
  }
}

const keyOf = (scope: PlaceFiguresScope, scopeId: number, placeKey: number) => `${scope}:${scopeId}:${placeKey}`

/** Sums award figures into place figures, `sign` 1 or -1; an award counts once per contribution, pot and funder place. */
function addUp(into: Map<string, PlaceFigures>, figures: AwardFigure[], sign: 1 | -1): void {
  const counted = new Set<string>()
  for (const f of figures) {
    for (const [scope, idOf] of SCOPES) {
      const key = keyOf(scope, idOf(f), f.placeKey)
      const row = into.get(key) ?? { scope, scopeId: idOf(f), placeKey: f.placeKey, awards: 0, committedPence: 0, paidPence: 0, matchCashPence: 0, matchInKindPence: 0 }
      if (!counted.has(`${key}:${f.awardId}`)) {
        counted.add(`${key}:${f.awardId}`)
        row.awards += sign
      }
      row.committedPence += sign * f.committedPence
      row.paidPence += sign * f.paidPence
      row.matchCashPence += sign * f.matchCashPence
      row.matchInKindPence += sign * f.matchInKindPence
      into.set(key, row)
    }
  }
}

/**
 * Brings the awards' figures up to date after a change to their commitments, payments, repayments, amount or
 * application, in the caller's transaction: recomputes each award's rows from the base rows and applies the
 * difference from what they added before to place_figures. Idempotent; call it after the change, once per transaction
 * and award is enough.
 */
export async function refreshAwardFigures(trx: Transaction<DB>, awardIds: number[]): Promise<void> {
  const ids = [...new Set(awardIds)].sort((a, b) => a - b)
  if (ids.length === 0) return
  // Two transactions refreshing the same award take turns (on PostgreSQL; SQLite writes one at a time): the second
  // reads the first's committed rows as its "before", so neither's difference is applied twice or lost.
  if (engineOf(trx) === 'postgres') await trx.selectFrom('awards').select('id').where('id', 'in', ids).orderBy('id').forUpdate().execute()
  const [before, after] = await Promise.all([
    trx.selectFrom('award_figures').selectAll().where('award_id', 'in', ids).execute(),
    awardFiguresQuery(trx, ids).execute(),
  ])
  const old = before.map((r) =>
    toAwardFigure({
      awardId: r.award_id,
      contributionId: r.contribution_id,
      potId: r.pot_id,
      funderId: r.funder_id,
      placeKey: r.place_key,
      committedPence: r.committed_pence,
      paidPence: r.paid_pence,
      matchCashPence: r.match_cash_pence,
      matchInKindPence: r.match_in_kind_pence,
    }),
  )
  const now = after.map(toAwardFigure)
  const delta = new Map<string, PlaceFigures>()
  addUp(delta, now, 1)
  addUp(delta, old, -1)
  await trx.deleteFrom('award_figures').where('award_id', 'in', ids).execute()
  if (now.length) await trx.insertInto('award_figures').values(now.map(awardFigureRow)).execute()
  // In one order (scope, id, place) in every transaction, so two refreshing different awards of the same places
  // cannot each hold a row the other waits for.
  const ordered = [...delta.values()].sort((a, b) => a.scope.localeCompare(b.scope) || a.scopeId - b.scopeId || a.placeKey - b.placeKey)
  for (const d of ordered) {
    if (d.awards === 0 && d.committedPence === 0 && d.paidPence === 0 && d.matchCashPence === 0 && d.matchInKindPence === 0) continue
    await trx
      .insertInto('place_figures')
      .values(placeFiguresRow(d))
      .onConflict((oc) =>
        oc.columns(['scope', 'scope_id', 'place_key']).doUpdateSet({
          awards: sql`place_figures.awards + excluded.awards`,
          committed_pence: sql`place_figures.committed_pence + excluded.committed_pence`,
          paid_pence: sql`place_figures.paid_pence + excluded.paid_pence`,
          match_cash_pence: sql`place_figures.match_cash_pence + excluded.match_cash_pence`,
          match_in_kind_pence: sql`place_figures.match_in_kind_pence + excluded.match_in_kind_pence`,
        }),
      )
      .execute()
    await trx.deleteFrom('place_figures').where('scope', '=', d.scope).where('scope_id', '=', d.scopeId).where('place_key', '=', d.placeKey).where('awards', '<=', 0).execute()
  }
}

function awardFigureRow(f: AwardFigure) {
  return {
    award_id: f.awardId,
    contribution_id: f.contributionId,
    pot_id: f.potId,
    funder_id: f.funderId,
    place_key: f.placeKey,
    committed_pence: f.committedPence,
    paid_pence: f.paidPence,
    match_cash_pence: f.matchCashPence,
    match_in_kind_pence: f.matchInKindPence,
  }
}

function placeFiguresRow(p: PlaceFigures) {
  return {
    scope: p.scope,
    scope_id: p.scopeId,
    place_key: p.placeKey,
    awards: p.awards,
    committed_pence: p.committedPence,
    paid_pence: p.paidPence,
    match_cash_pence: p.matchCashPence,
    match_in_kind_pence: p.matchInKindPence,
  }
}

/**
 * Recomputes both summaries from the base rows (every active commitment), replacing what was there: after a bulk load
 * (the national generator) and in tests. The same SQL as the migration's backfill.
 */
export async function rebuildPlaceFigures(db: Kysely<DB>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('place_figures').execute()
    await trx.deleteFrom('award_figures').execute()
    await trx
      .insertInto('award_figures')
      .columns(['award_id', 'contribution_id', 'pot_id', 'funder_id', 'place_key', 'committed_pence', 'paid_pence', 'match_cash_pence', 'match_in_kind_pence'])
      .expression(awardFiguresQuery(trx))
      .execute()
    for (const [scope, column, awards] of [
      ['contribution', 'contribution_id', 'count(*)'],
      ['pot', 'pot_id', 'count(distinct award_id)'],
      ['funder', 'funder_id', 'count(distinct award_id)'],
    ] as const) {
      await sql`
        insert into place_figures (scope, scope_id, place_key, awards, committed_pence, paid_pence, match_cash_pence, match_in_kind_pence)
        select ${scope}, ${sql.ref(column)}, place_key, ${sql.raw(awards)}, sum(committed_pence), sum(paid_pence), sum(match_cash_pence), sum(match_in_kind_pence)
        from award_figures group by ${sql.ref(column)}, place_key
      `.execute(trx)
    }
  })
}

/**
 * Rebuilds every maintained dashboard summary from the base rows: the place figures, the month figures and each
 * contribution's figures. For bulk loads that bypass the domain functions (the national generator).
 */
export async function rebuildDashboardSummaries(db: Kysely<DB>): Promise<void> {
  await rebuildPlaceFigures(db)
  await db.transaction().execute((trx) => rebuildMonthFigures(trx))
  await db.transaction().execute((trx) => rebuildContributionFigures(trx))
}

/** The place figures as they should be, from the base rows (not the maintained tables), sorted: the check. */
export async function recomputedPlaceFigures(db: Db): Promise<PlaceFigures[]> {
  const figures = (await awardFiguresQuery(db).execute()).map(toAwardFigure)
  const rows = new Map<string, PlaceFigures>()
  addUp(rows, figures, 1)
  return sortFigures([...rows.values()])
}

/** The maintained place figures, sorted as recomputedPlaceFigures sorts them. */
export async function maintainedPlaceFigures(db: Db): Promise<PlaceFigures[]> {
  const rows = await db.selectFrom('place_figures').selectAll().execute()
  return sortFigures(
    rows.map((r) => ({
      scope: r.scope,
      scopeId: r.scope_id,
      placeKey: r.place_key,
      awards: Number(r.awards),
      committedPence: penceFromDatabase(r.committed_pence),
      paidPence: penceFromDatabase(r.paid_pence),
      matchCashPence: penceFromDatabase(r.match_cash_pence),
      matchInKindPence: penceFromDatabase(r.match_in_kind_pence),
    })),
  )
}

function sortFigures(rows: PlaceFigures[]): PlaceFigures[] {
  return rows.sort((a, b) => a.scope.localeCompare(b.scope) || a.scopeId - b.scopeId || a.placeKey - b.placeKey)
}

/** Where the maintained figures differ from a recomputation (empty when they agree): for ledger checks. */
export async function placeFiguresDifferences(db: Db): Promise<string[]> {
  const [want, have] = await Promise.all([recomputedPlaceFigures(db), maintainedPlaceFigures(db)])
  const index = new Map(have.map((r) => [keyOf(r.scope, r.scopeId, r.placeKey), r]))
  const problems: string[] = []
  for (const w of want) {
    const key = keyOf(w.scope, w.scopeId, w.placeKey)
    const h = index.get(key)
    index.delete(key)
    if (!h || JSON.stringify(h) !== JSON.stringify(w)) problems.push(`${key}: maintained ${JSON.stringify(h ?? null)}, recomputed ${JSON.stringify(w)}`)
  }
  for (const key of index.keys()) problems.push(`${key}: maintained but no active commitment`)
  return problems
}

export interface PlaceFiguresRow {
  scopeId: number
  /** Null when no place is recorded. */
  placeId: number | null
  placeName: string | null
  awards: number
  committedPence: number
  paidPence: number
  matchCashPence: number
  matchInKindPence: number
}

/**
 * The maintained figures per place of some contributions, pots or funders, with the places' names (a row per place
 * each). SQL text rather than the query builder: both dashboards read it on every view, and building the query cost
 * more than running it.
 */
export async function placeFiguresOf(db: Db, scope: PlaceFiguresScope, scopeIds: number[]): Promise<PlaceFiguresRow[]> {
  if (scopeIds.length === 0) return []
  const query = sql<Record<'scope_id' | 'place_key' | 'name' | 'awards' | 'committed_pence' | 'paid_pence' | 'match_cash_pence' | 'match_in_kind_pence', unknown>>`
    select f.scope_id, f.place_key, pl.name, f.awards, f.committed_pence, f.paid_pence, f.match_cash_pence, f.match_in_kind_pence
    from place_figures f
    left join places pl on pl.id = f.place_key
    where f.scope = ${scope} and f.scope_id in (${sql.join(scopeIds)})`
  // Kept prepared on PostgreSQL: a read by key, one shape for each number of pots or funders (nearly always one).
  const { rows } = await db.executeQuery(prepared({ compile: () => query.compile(db) }))
  return rows.map((r) => ({
    scopeId: Number(r.scope_id),
    placeId: Number(r.place_key) === 0 ? null : Number(r.place_key),
    placeName: r.name as string | null,
    awards: Number(r.awards),
    committedPence: penceFromDatabase(r.committed_pence),
    paidPence: penceFromDatabase(r.paid_pence),
    matchCashPence: penceFromDatabase(r.match_cash_pence),
    matchInKindPence: penceFromDatabase(r.match_in_kind_pence),
  }))
}
