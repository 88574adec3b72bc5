/**
 * Reading published awards for the 360Giving files, a batch at a time: awards are read in id order, BATCH_SIZE at a
 * time from the last id seen (keyset, so the 40,000th grant costs what the first did, on SQLite and PostgreSQL), and
 * everything else a batch needs (funders, pots, payments, repayments) comes in one query per kind for the whole
 * batch's award ids, never one per grant. Nothing holds more than one batch in memory.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import { sql } from 'kysely'
import type { Db } from '~/lib/db.server.ts'
import { engineOf } from '../../../db/connect.ts'
import { toGrant, type FunderSource, type GrantSource } from './mapping.ts'
import { PUBLISHABLE_AWARD_STATUSES } from './publication.ts'
import type { Grant } from './three-sixty-giving.ts'

export const BATCH_SIZE = 500

function publishedAwards(db: Db) {
  return db
    .selectFrom('awards')
    .where('awards.published_at', 'is not', null)
    .where('awards.status', 'in', PUBLISHABLE_AWARD_STATUSES)
}

/**
 * The batch's awards, read along the primary key from `afterId`. Without statistics, SQLite reads `status in (...)`
 * as selective and answered it from awards_status_idx: every award of both statuses past `afterId`, joined and sorted
 * to keep 500 (about 110 ms a batch at national scale, 8 of a 40,000-grant export's 10 s). There the status test is
 * written as coalesce(status, ''), which no index answers, so a batch reads its 500 along the primary key and stops
 * (about 3 ms). PostgreSQL needs the plain test: it cannot estimate the coalesce, guesses a few rows, and sorts.
 */
async function awardRows(db: Db, afterId: number, limit: number) {
  const sqlite = engineOf(db) === 'sqlite'
  return db
    .selectFrom('awards')
    .where('awards.published_at', 'is not', null)
    .where((eb) => eb(sqlite ? eb.fn.coalesce('awards.status', sql.lit('')) : eb.ref('awards.status'), 'in', PUBLISHABLE_AWARD_STATUSES))
    .innerJoin('applications', 'applications.id', 'awards.application_id')
    .innerJoin('organisations', 'organisations.id', 'awards.organisation_id')
    .innerJoin('rounds', 'rounds.id', 'awards.round_id')
    .leftJoin('places', (join) => join.on(sql<boolean>`places.id = coalesce(applications.place_id, organisations.place_id)`))
    .select([
      'awards.id',
      'awards.reference',
      'awards.amount_pence',
      'awards.created_at',
      'awards.updated_at',
      'awards.published_at',
      'awards.planned_start',
      'awards.planned_end',
      'awards.round_id',
      'applications.title',
      'applications.answers',
      'applications.amount_requested_pence',
      'applications.decided_at',
      'organisations.id as organisation_id',
      'organisations.name as organisation_name',
      'organisations.charity_number',
      'organisations.company_number',
      'organisations.updated_at as organisation_updated_at',
      'rounds.title as round_title',
      'rounds.slug as round_slug',
      'rounds.published_at as round_published_at',
      'rounds.fund_id',
      'places.name as place_name',
      'places.gss_code',
      'places.ods_code',
    ])
    .where('awards.id', '>', afterId)
    .orderBy('awards.id')
    .limit(limit)
    .execute()
}

type AwardRow = Awaited<ReturnType<typeof awardRows>>[number]

/**
 * A batch's awards as the id range they were read from (after `afterId`, up to and including `lastId`): the
 * per-batch queries read that range through the award_id indexes, which costs less than a list of 500 ids as
 * parameters; rows for awards in the range that are not published are skipped (`ids` are the published ones).
 */
interface AwardIdRange {
  afterId: number
  lastId: number
  ids: Set<number>
}

/** The project summary the organisation gave, when the round asked for one. */
function projectSummary(answers: string): string | null {
  try {
    const value = (JSON.parse(answers) as Record<string, unknown>).project_summary
    return typeof value === 'string' ? value : null
  } catch {
    return null
  }
}

function groupBy<T>(rows: T[], key: (row: T) => number): Map<number, T[]> {
  const map = new Map<number, T[]>()
  for (const row of rows) {
    const k = key(row)
    const list = map.get(k)
    if (list) list.push(row)
    else map.set(k, [row])
  }
  return map
}

/** Each award's funders (money committed and not released), largest share first, and whether its pots are pooled. */
async function committedFunders(db: Db, batch: AwardIdRange) {
  const rows = await db
    .selectFrom('award_commitments')
    .innerJoin('contributions', 'contributions.id', 'award_commitments.contribution_id')
    .innerJoin('funders', 'funders.id', 'contributions.funder_id')
    .select(['award_commitments.award_id', 'contributions.pot_id', 'funders.id', 'funders.name', 'funders.org_identifier'])
    .select((eb) => eb.fn.sum<number>('award_commitments.amount_pence').as('pence'))
    .where('award_commitments.award_id', '>', batch.afterId)
    .where('award_commitments.award_id', '<=', batch.lastId)
    .where('award_commitments.released_at', 'is', null)
    .groupBy(['award_commitments.award_id', 'contributions.pot_id', 'funders.id', 'funders.name', 'funders.org_identifier'])
    .execute()
  const potIds = [...new Set(rows.map((r) => r.pot_id))]
  const pooledPots = new Set<number>()
  if (potIds.length > 0) {
    const counts = await db
      .selectFrom('contributions')
      .select(['pot_id'])
      .select((eb) => eb.fn.count<number>('funder_id').distinct().as('funders'))
      .where('pot_id', 'in', potIds)
      .groupBy('pot_id')
      .execute()
    for (const c of counts) if (Number(c.funders) > 1) pooledPots.add(c.pot_id)
  }
  const byAward = new Map<number, { funders: FunderSource[]; pooled: boolean }>()
  for (const [awardId, list] of groupBy(rows, (r) => r.award_id)) {
    if (!batch.ids.has(awardId)) continue
    const byFunder = new Map<number, FunderSource & { pence: number }>()
    for (const r of list) {
      const f = byFunder.get(r.id) ?? { id: r.id, name: r.name, orgIdentifier: r.org_identifier, pence: 0 }
      f.pence += Number(r.pence)
      byFunder.set(r.id, f)
    }
    const funders = [...byFunder.values()].sort((a, b) => b.pence - a.pence || a.id - b.id).map(({ id, name, orgIdentifier }) => ({ id, name, orgIdentifier }))
    byAward.set(awardId, { funders, pooled: list.some((r) => pooledPots.has(r.pot_id)) })
  }
  return byAward
}

/** For awards with no committed money on record: the fund's funders, else the hosts of the round's pots. */
async function fallbackFunders(db: Db, awards: AwardRow[]) {
  const fundIds = [...new Set(awards.map((a) => a.fund_id))]
  const roundIds = [...new Set(awards.map((a) => a.round_id))]
  const [fundFunders, potHosts] = await Promise.all([
    db
      .selectFrom('fund_funders')
      .innerJoin('funders', 'funders.id', 'fund_funders.funder_id')
      .select(['fund_funders.fund_id', 'funders.id', 'funders.name', 'funders.org_identifier'])
      .where('fund_funders.fund_id', 'in', fundIds)
      .orderBy('funders.id')
      .execute(),
    db
      .selectFrom('round_pots')
      .innerJoin('pots', 'pots.id', 'round_pots.pot_id')
      .innerJoin('funders', 'funders.id', 'pots.host_funder_id')
      .select(['round_pots.round_id', 'funders.id', 'funders.name', 'funders.org_identifier'])
      .where('round_pots.round_id', 'in', roundIds)
      .orderBy('funders.id')
      .execute(),
  ])
  const toSource = (r: { id: number; name: string; org_identifier: string | null }): FunderSource => ({ id: r.id, name: r.name, orgIdentifier: r.org_identifier })
  const byFund = groupBy(fundFunders, (r) => r.fund_id)
  const byRound = groupBy(potHosts, (r) => r.round_id)
  return (award: AwardRow): FunderSource[] => {
    const list = byFund.get(award.fund_id) ?? byRound.get(award.round_id) ?? []
    return [...new Map(list.map((r) => [r.id, toSource(r)])).values()]
  }
}

async function paymentsFor(db: Db, batch: AwardIdRange) {
  const [paid, repaid] = await Promise.all([
    db
      .selectFrom('tranches')
      .select(['award_id', 'sequence', 'amount_pence', 'paid_at', 'updated_at'])
      .where('award_id', '>', batch.afterId)
      .where('award_id', '<=', batch.lastId)
      .where('status', '=', 'paid')
      .orderBy('award_id')
      .orderBy('sequence')
      .execute(),
    db
      .selectFrom('award_repayments')
      .select(['id', 'award_id', 'kind', 'amount_pence', 'received_on', 'created_at'])
      .where('award_id', '>', batch.afterId)
      .where('award_id', '<=', batch.lastId)
      .orderBy('award_id')
      .orderBy('id')
      .execute(),
  ])
  return { paid: groupBy(paid, (r) => r.award_id), repaid: groupBy(repaid, (r) => r.award_id) }
}

/** A batch as read: its awards in id order, and how to make each one's grant from what the batch's queries found. */
interface BatchRead {
  awards: AwardRow[]
  lastId: number | null
  toGrant: (award: AwardRow) => Grant
}

async function readBatch(db: Db, options: { prefix: string; afterId: number; limit: number }): Promise<BatchRead> {
  const awards = await awardRows(db, options.afterId, options.limit)
  if (awards.length === 0) return { awards, lastId: null, toGrant: () => { throw new Error('an empty batch has no grants') } }
  const lastId = awards[awards.length - 1]!.id
  const batch: AwardIdRange = { afterId: options.afterId, lastId, ids: new Set(awards.map((a) => a.id)) }
  const [committed, payments] = await Promise.all([committedFunders(db, batch), paymentsFor(db, batch)])
  const needFallback = awards.filter((a) => (committed.get(a.id)?.funders.length ?? 0) === 0)
  const fallback = needFallback.length > 0 ? await fallbackFunders(db, needFallback) : () => []
  const grantOf = (a: AwardRow): Grant => {
    const money = committed.get(a.id)
    const source: GrantSource = {
      award: {
        id: a.id,
        reference: a.reference,
        amountPence: a.amount_pence,
        createdAt: a.created_at,
        decidedAt: a.decided_at,
        updatedAt: a.updated_at,
        publishedAt: a.published_at,
        plannedStart: a.planned_start,
        plannedEnd: a.planned_end,
      },
      application: { title: a.title, summary: projectSummary(a.answers), amountRequestedPence: Number(a.amount_requested_pence) },
      organisation: { id: a.organisation_id, name: a.organisation_name, charityNumber: a.charity_number, companyNumber: a.company_number, updatedAt: a.organisation_updated_at },
      round: { title: a.round_title, slug: a.round_slug, openCall: a.round_published_at !== null },
      place: a.place_name && a.ods_code ? { name: a.place_name, gssCode: a.gss_code, odsCode: a.ods_code } : null,
      funders: money && money.funders.length > 0 ? money.funders : fallback(a),
      pooled: money?.pooled ?? false,
      payments: (payments.paid.get(a.id) ?? []).map((p) => ({ sequence: p.sequence, amountPence: p.amount_pence, paidAt: p.paid_at ?? p.updated_at, updatedAt: p.updated_at })),
      repayments: (payments.repaid.get(a.id) ?? []).map((r) => ({ id: r.id, kind: r.kind, amountPence: r.amount_pence, receivedOn: r.received_on, createdAt: r.created_at })),
    }
    return toGrant(options.prefix, source)
  }
  return { awards, lastId, toGrant: grantOf }
}

/** One batch of grants: the published awards after `afterId`, in id order, mapped. */
export async function grantBatch(db: Db, options: { prefix: string; afterId: number; limit: number }): Promise<{ grants: Grant[]; lastId: number | null }> {
  const { awards, lastId, toGrant } = await readBatch(db, options)
  return { grants: awards.map(toGrant), lastId }
}

/**
 * Every published grant, in award id order, read BATCH_SIZE (or `batchSize`) at a time. Between batches it gives the
 * event loop a turn: SQLite answers synchronously, so without it the whole export ran as one chain of microtasks and
 * nothing reached the client (nor did any other request get served) until the last grant was made. `signal` (the
 * request's) stops it when the client goes away.
 *
 * Each grant is made as it is taken and its award row let go: a batch's 500 rows and grants, alive while the
 * consumer worked through them, outlived the young generation's collections and were promoted, and the old
 * generation filled with them between full collections (about 60 MB of a 40,000-grant export's peak memory).
 */
export async function* publishedGrants(db: Db, options: { prefix: string; batchSize?: number; signal?: AbortSignal }): AsyncGenerator<Grant> {
  const limit = options.batchSize ?? BATCH_SIZE
  let afterId = 0
  for (;;) {
    // A download the client has given up on stops here, rather than reading every remaining grant for nobody.
    if (options.signal?.aborted) return
    const { awards, lastId, toGrant } = await readBatch(db, { prefix: options.prefix, afterId, limit })
    const count = awards.length
    const rows: (AwardRow | undefined)[] = awards
    for (let i = 0; i < count; i++) {
      const grant = toGrant(rows[i]!)
      rows[i] = undefined
      yield grant
    }
    if (lastId === null || count < limit) return
    afterId = lastId
    await nextTurn()
  }
}

/** The most funders any one published grant has: how many sets of Funding Org columns the CSV needs. */
export async function maxFundersPerGrant(db: Db): Promise<number> {
  const committed = await publishedAwards(db)
    .innerJoin('award_commitments', 'award_commitments.award_id', 'awards.id')
    .innerJoin('contributions', 'contributions.id', 'award_commitments.contribution_id')
    .where('award_commitments.released_at', 'is', null)
    .select(['awards.id'])
    .select((eb) => eb.fn.count<number>('contributions.funder_id').distinct().as('n'))
    .groupBy('awards.id')
    .orderBy('n', 'desc')
    .limit(1)
    .executeTakeFirst()
  const fund = await publishedAwards(db)
    .innerJoin('rounds', 'rounds.id', 'awards.round_id')
    .innerJoin('fund_funders', 'fund_funders.fund_id', 'rounds.fund_id')
    .select(['rounds.fund_id'])
    .select((eb) => eb.fn.count<number>('fund_funders.funder_id').distinct().as('n'))
    .groupBy('rounds.fund_id')
    .orderBy('n', 'desc')
    .limit(1)
    .executeTakeFirst()
  const hosts = await publishedAwards(db)
    .innerJoin('round_pots', 'round_pots.round_id', 'awards.round_id')
    .innerJoin('pots', 'pots.id', 'round_pots.pot_id')
    .select(['round_pots.round_id'])
    .select((eb) => eb.fn.count<number>('pots.host_funder_id').distinct().as('n'))
    .groupBy('round_pots.round_id')
    .orderBy('n', 'desc')
    .limit(1)
    .executeTakeFirst()
  return Math.max(1, Number(committed?.n ?? 0), Number(fund?.n ?? 0), Number(hosts?.n ?? 0))
}
