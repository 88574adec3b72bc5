/**
 * What each person sees on their home page, by role. Every figure is a query scoped to the person: their
 * organisations, their assignments, their funder. Later capabilities add panels here.
 */
import { sql } from 'kysely'
import { engineOf } from '../../../db/connect.ts'
import { compiledOnce, KEPT_LIST_LENGTH, type CompiledQueries } from '~/lib/compiled-once.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { jsonList, jsonRows } from '~/lib/json-list.server.ts'
import { bankDetailsToCheckCount } from '../payments/bank-details.server.ts'
import { countPayableTranches } from '../payments/tranches.server.ts'
import { countReturnsByView } from '../returns/review.server.ts'

/** The applicant overview's statement, compiled once for each number of organisations (applicantOverview). */
const applicantOverviewQueries: CompiledQueries<{ organisations: unknown; applications: unknown }> = new Map()

/**
 * An applicant's organisations and their 20 latest applications, in one query: each list is built as JSON by the
 * database (app/lib/json-list.server.ts), so the home page costs one round trip beyond the session's on PostgreSQL. The
 * organisations they belong to are already known from their session (CurrentUser.organisationIds). Kept prepared on
 * PostgreSQL (db/connect.ts): indexed reads by user and by organisation, one plan for any.
 */
export async function applicantOverview(db: Db, user: { id: number; organisationIds: readonly number[] }) {
  const engine = engineOf(db)
  const memberOf = user.organisationIds.length
  // Built and compiled once for each number of organisations (building it cost more than running it).
  const query = compiledOnce(
    applicantOverviewQueries,
    db,
    `${memberOf}`,
    (slot) =>
      db.selectNoFrom((eb) => [
        jsonList(
          engine,
          eb
            .selectFrom('memberships')
            .innerJoin('organisations', 'organisations.id', 'memberships.organisation_id')
            .leftJoin('places', 'places.id', 'organisations.place_id')
            .select(['organisations.id', 'organisations.name', 'memberships.role', 'places.name as place_name'])
            .where('memberships.user_id', '=', slot<number>('userId')),
          ['id', 'name', 'role', 'place_name'],
          [['name', 'asc']],
        ).as('organisations'),
        memberOf === 0
          ? sql<unknown>`null`.as('applications')
          : jsonList(
              engine,
              eb
                .selectFrom('applications')
                .innerJoin('rounds', 'rounds.id', 'applications.round_id')
                .select(['applications.id', 'applications.reference', 'applications.title', 'applications.status', 'rounds.title as round_title'])
                .where(sql<boolean>`applications.organisation_id in (${slot.list('organisationIds', memberOf)})`)
                .orderBy('applications.id', 'desc')
                .limit(20),
              ['id', 'reference', 'title', 'status', 'round_title'],
              [['id', 'desc']],
            ).as('applications'),
      ]),
    { userId: user.id, organisationIds: user.organisationIds },
    { prepared: memberOf <= KEPT_LIST_LENGTH },
  )
  const [row] = (await db.executeQuery(query)).rows
  return {
    organisations: jsonRows<[number, string, string, string | null]>(row?.organisations).map(([id, name, role, placeName]) => ({ id, name, role, placeName })),
    applications: jsonRows<[number, string, string, string, string]>(row?.applications).map(([id, reference, title, status, roundTitle]) => ({ id, reference, title, status, roundTitle })),
  }
}

export async function assessorOverview(db: Db, userId: number) {
  const rows = await db
    .selectFrom('assessments')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('assessor_user_id', '=', userId)
    .groupBy('status')
    .execute()
  const count = (s: string) => Number(rows.find((r) => r.status === s)?.n ?? 0)
  return { toScore: count('assigned') + count('draft'), submitted: count('submitted'), conflicts: count('conflict') }
}

export async function fundManagerOverview(db: Db, today: string) {
  const [funds, rounds, pots, returns] = await Promise.all([
    db
      .selectFrom('funds')
      .leftJoin('fund_funders', 'fund_funders.fund_id', 'funds.id')
      .select(['funds.id', 'funds.name', (eb) => eb.fn.count<number>('fund_funders.funder_id').as('funders')])
      .groupBy(['funds.id', 'funds.name'])
      .orderBy('funds.name')
      .execute(),
    db
      .selectFrom('rounds')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute(),
    db.selectFrom('pots').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    countReturnsByView(db, { today }),
  ])
  return {
    funds: funds.map((f) => ({ ...f, funders: Number(f.funders) })),
    roundsByStatus: Object.fromEntries(rounds.map((r) => [r.status, Number(r.n)])) as Record<string, number>,
    pots: Number(pots.n),
    returnsAwaitingReview: returns.awaiting_review,
    returnsOverdue: returns.overdue,
  }
}

/** Payments due (payable today: nothing in their way, as /finance lists them), bank details to check, ledger size. */
export async function financeOverview(db: Db, today: string) {
  const [payable, unverified, accounts] = await Promise.all([
    countPayableTranches(db, today),
    bankDetailsToCheckCount(db),
    db.selectFrom('ledger_accounts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ])
  return { tranchesDue: payable.count, tranchesDuePence: payable.totalPence, bankDetailsToVerify: unverified, ledgerAccounts: Number(accounts.n) }
}

export async function funderOverview(db: Db, funderIds: number[]) {
  if (funderIds.length === 0) return { funders: [] }
  const [funders, contributions] = await Promise.all([
    db.selectFrom('funders').select(['id', 'name']).where('id', 'in', funderIds).orderBy('name').execute(),
    db
      .selectFrom('contributions')
      .innerJoin('pots', 'pots.id', 'contributions.pot_id')
      .select(['contributions.funder_id', 'contributions.id', 'contributions.pledged_pence', 'pots.name as potName'])
      .where('contributions.funder_id', 'in', funderIds)
      .orderBy('pots.name')
      .execute(),
  ])
  return {
    funders: funders.map((f) => ({
      ...f,
      contributions: contributions.filter((c) => c.funder_id === f.id).map((c) => ({ id: c.id, potName: c.potName, pledgedPence: Number(c.pledged_pence) })),
    })),
  }
}

export async function adminOverview(db: Db) {
  const [users, pending, failed] = await Promise.all([
    db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    db.selectFrom('outbox_messages').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow(),
    db.selectFrom('outbox_messages').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'failed').executeTakeFirstOrThrow(),
  ])
  return { users: Number(users.n), messagesPending: Number(pending.n), messagesFailed: Number(failed.n) }
}
