/**
 * Publishing awards as 360Giving open data. A fund manager marks an award published (published_at, published_by)
 * and can take it out again; both are audited in the transaction that makes the change. Only awards whose offer was
 * accepted (being paid, or paid in full) can be published: anything else is refused with a 409 and nothing changes.
 * A bulk change is all or nothing, so a list with one award that cannot be published publishes none of them.
 *
 * The 360Giving files read the same rule again (published_at set AND status publishable), so an award withdrawn after
 * publication drops out of the files without anyone having to remember to unpublish it.
 */
import type { Transaction } from 'kysely'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, NotFoundError } from '~/lib/errors.ts'
import type { DB } from '../../../db/schema.ts'
import { awardStatusLabel } from '../awards/offer-labels.ts'
import { isPublishableStatus, PUBLISHABLE_AWARD_STATUSES, type PublicationFilter } from './publication.ts'
import { grantIdentifier } from './settings.ts'
import { openDataSettings } from './settings.server.ts'

export class AwardNotPublishableError extends ConflictError {
  constructor(reference: string, status: string) {
    super(
      `Award ${reference} cannot be published as open data: its offer is “${awardStatusLabel(status).toLowerCase()}”. Only awards whose offer has been accepted can be published.`,
      'award_not_publishable',
    )
  }
}

export interface PublicationChange {
  awardId: number
  reference: string
  /** False when the award was already in the state asked for (a repeated click changes nothing). */
  changed: boolean
}

async function findAward(trx: Transaction<DB>, awardId: number) {
  const award = await trx.selectFrom('awards').select(['id', 'reference', 'status', 'published_at']).where('id', '=', awardId).executeTakeFirst()
  if (!award) throw new NotFoundError('award')
  return award
}

/** Marks the award published as open data. Refuses (409) an award whose offer was not accepted. */
export async function publishAward(trx: Transaction<DB>, actorUserId: number, awardId: number): Promise<PublicationChange> {
  const award = await findAward(trx, awardId)
  if (!isPublishableStatus(award.status)) throw new AwardNotPublishableError(award.reference, award.status)
  const now = new Date().toISOString()
  // Conditional, so two fund managers clicking at once publish (and audit) it once.
  const updated = await trx
    .updateTable('awards')
    .set({ published_at: now, published_by: actorUserId, updated_at: now })
    .where('id', '=', award.id)
    .where('published_at', 'is', null)
    .executeTakeFirst()
  if (Number(updated.numUpdatedRows) === 0) return { awardId: award.id, reference: award.reference, changed: false }
  await recordAudit(trx, { actorUserId, action: 'award.published', entityType: 'award', entityId: award.id, before: { publishedAt: null }, after: { publishedAt: now } })
  return { awardId: award.id, reference: award.reference, changed: true }
}

/** Takes the award out of the open data (allowed whatever its status). */
export async function unpublishAward(trx: Transaction<DB>, actorUserId: number, awardId: number): Promise<PublicationChange> {
  const award = await findAward(trx, awardId)
  const now = new Date().toISOString()
  const updated = await trx
    .updateTable('awards')
    .set({ published_at: null, published_by: null, updated_at: now })
    .where('id', '=', award.id)
    .where('published_at', 'is not', null)
    .executeTakeFirst()
  if (Number(updated.numUpdatedRows) === 0) return { awardId: award.id, reference: award.reference, changed: false }
  await recordAudit(trx, { actorUserId, action: 'award.unpublished', entityType: 'award', entityId: award.id, before: { publishedAt: award.published_at }, after: { publishedAt: null } })
  return { awardId: award.id, reference: award.reference, changed: true }
}

/** Publishes (or unpublishes) several awards: all of them or, if one is refused, none (the caller's transaction). */
export async function setAwardsPublished(trx: Transaction<DB>, actorUserId: number, input: { awardIds: number[]; published: boolean }): Promise<PublicationChange[]> {
  const changes: PublicationChange[] = []
  for (const awardId of [...new Set(input.awardIds)].sort((a, b) => a - b)) {
    changes.push(input.published ? await publishAward(trx, actorUserId, awardId) : await unpublishAward(trx, actorUserId, awardId))
  }
  return changes
}

export interface AwardPublication {
  publishable: boolean
  publishedAt: string | null
  publishedByName: string | null
  /** The id the grant has (or would have) in the 360Giving files. */
  grantId: string
}

/** The award's open-data state, for its page. */
export async function awardPublication(db: Db, awardId: number): Promise<AwardPublication> {
  const [row, settings] = await Promise.all([
    db
      .selectFrom('awards')
      .leftJoin('users', 'users.id', 'awards.published_by')
      .select(['awards.reference', 'awards.status', 'awards.published_at', 'users.name as published_by_name'])
      .where('awards.id', '=', awardId)
      .executeTakeFirst(),
    openDataSettings(db),
  ])
  if (!row) throw new NotFoundError('award')
  return {
    publishable: isPublishableStatus(row.status),
    publishedAt: row.published_at,
    publishedByName: row.published_by_name,
    grantId: grantIdentifier(settings.prefix, row.reference),
  }
}

export interface PublishableAward {
  id: number
  reference: string
  organisationName: string
  roundTitle: string
  amountPence: number
  status: string
  publishedAt: string | null
}

/** How many awards the open-data page lists at once. */
export const PUBLISHABLE_PAGE_SIZE = 200

/**
 * Accepted awards (and any still marked published), newest first, for the open-data page: at most
 * PUBLISHABLE_PAGE_SIZE, with the total so the page can say how many more there are.
 */
export async function listPublishableAwards(db: Db, options: { filter: PublicationFilter }): Promise<{ awards: PublishableAward[]; total: number }> {
  let query = db
    .selectFrom('awards')
    .innerJoin('organisations', 'organisations.id', 'awards.organisation_id')
    .innerJoin('rounds', 'rounds.id', 'awards.round_id')
  if (options.filter === 'published') query = query.where('awards.published_at', 'is not', null)
  else {
    query = query.where('awards.status', 'in', PUBLISHABLE_AWARD_STATUSES)
    if (options.filter === 'unpublished') query = query.where('awards.published_at', 'is', null)
  }
  const [rows, count] = await Promise.all([
    query
      .select(['awards.id', 'awards.reference', 'organisations.name as organisation_name', 'rounds.title as round_title', 'awards.amount_pence', 'awards.status', 'awards.published_at'])
      .orderBy('awards.id', 'desc')
      .limit(PUBLISHABLE_PAGE_SIZE)
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ])
  return {
    total: Number(count.n),
    awards: rows.map((r) => ({
      id: r.id,
      reference: r.reference,
      organisationName: r.organisation_name,
      roundTitle: r.round_title,
      amountPence: r.amount_pence,
      status: r.status,
      publishedAt: r.published_at,
    })),
  }
}
