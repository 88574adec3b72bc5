/**
 * One award as the fund manager and finance see it: who it is for, the money committed from each contributor, the
 * conditions, and the schedule with where each tranche has got to and what it waits for.
 */
import type { Db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { listAwardCommitments } from '../budgets/commitments.server.ts'
import { listDueTranches } from '../payments/tranches.server.ts'
import { gateLabel } from './award-labels.ts'
import { trancheReference } from './schedule.ts'
import { listConditions, listTranches, type AwardCondition, type TrancheRow } from './terms.server.ts'

export interface AwardView {
  id: number
  reference: string
  status: string
  amountPence: number
  scheduleKind: string | null
  applicationId: number
  applicationReference: string
  title: string
  organisationId: number
  organisationName: string
  roundId: number
  roundTitle: string
  offeredAt: string | null
  acceptedAt: string | null
  acceptedName: string | null
  acceptedRole: string | null
  declinedAt: string | null
  declinedReason: string | null
  commitments: Array<{ funderName: string; potName: string; amountPence: number; releasedAt: string | null }>
  conditions: AwardCondition[]
  tranches: Array<TrancheRow & { reference: string; gateText: string; reasonsNotDue: string[] }>
}

export async function awardView(db: Db, awardId: number): Promise<AwardView> {
  const row = await db
    .selectFrom('awards')
    .innerJoin('applications', 'applications.id', 'awards.application_id')
    .innerJoin('organisations', 'organisations.id', 'awards.organisation_id')
    .innerJoin('rounds', 'rounds.id', 'awards.round_id')
    .select([
      'awards.id',
      'awards.reference',
      'awards.status',
      'awards.amount_pence',
      'awards.schedule_kind',
      'awards.offered_at',
      'awards.accepted_at',
      'awards.accepted_name',
      'awards.accepted_role',
      'awards.declined_at',
      'awards.declined_reason',
      'applications.id as applicationId',
      'applications.reference as applicationReference',
      'applications.title',
      'organisations.id as organisationId',
      'organisations.name as organisationName',
      'rounds.id as roundId',
      'rounds.title as roundTitle',
    ])
    .where('awards.id', '=', awardId)
    .executeTakeFirst()
  if (!row) throw new NotFoundError('award')
  const [commitments, conditions, tranches, due] = await Promise.all([
    listAwardCommitments(db, awardId),
    listConditions(db, awardId),
    listTranches(db, awardId),
    listDueTranches(db, { awardId }),
  ])
  const pots = commitments.length ? await db.selectFrom('pots').select(['id', 'name']).where('id', 'in', [...new Set(commitments.map((c) => c.potId))]).execute() : []
  const potName = new Map(pots.map((p) => [p.id, p.name]))
  const returnIds = tranches.filter((t) => t.gate === 'return' && t.gateRef).map((t) => Number(t.gateRef))
  const returns = returnIds.length ? await db.selectFrom('returns').select(['id', 'period_label']).where('id', 'in', returnIds).execute() : []
  const returnLabel = new Map(returns.map((r) => [r.id, r.period_label]))
  const conditionText = new Map(conditions.map((c) => [c.id, c.text]))
  const dueReasons = new Map(due.map((d) => [d.id, d.reasons]))
  return {
    id: row.id,
    reference: row.reference,
    status: row.status,
    amountPence: row.amount_pence,
    scheduleKind: row.schedule_kind,
    applicationId: row.applicationId,
    applicationReference: row.applicationReference,
    title: row.title,
    organisationId: row.organisationId,
    organisationName: row.organisationName,
    roundId: row.roundId,
    roundTitle: row.roundTitle,
    offeredAt: row.offered_at,
    acceptedAt: row.accepted_at,
    acceptedName: row.accepted_name,
    acceptedRole: row.accepted_role,
    declinedAt: row.declined_at,
    declinedReason: row.declined_reason,
    commitments: commitments.map((c) => ({ funderName: c.funderName, potName: potName.get(c.potId) ?? '', amountPence: c.amountPence, releasedAt: c.releasedAt })),
    conditions,
    tranches: tranches.map((t) => {
      const detail = t.gate === 'return' ? returnLabel.get(Number(t.gateRef)) : t.gate === 'condition' ? conditionText.get(Number(t.gateRef)) : null
      return { ...t, reference: trancheReference(row.applicationReference, t.sequence, t.id), gateText: gateLabel(t.gate, detail), reasonsNotDue: dueReasons.get(t.id) ?? [] }
    }),
  }
}

/** The award made for an application, if any: for linking from the application page. */
export async function awardIdForApplication(db: Db, applicationId: number): Promise<number | null> {
  const row = await db.selectFrom('awards').select('id').where('application_id', '=', applicationId).executeTakeFirst()
  return row?.id ?? null
}
