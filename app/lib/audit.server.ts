/**
 * The audit trail: append-only events, each carrying the SHA-256 of the previous event's hash plus its own canonical
 * form (RFC 8785 JSON canonicalisation), written in the same transaction as the change it records.
 *
 * The chain head (one row) is read with a row lock (PostgreSQL) or under SQLite's BEGIN IMMEDIATE write lock, so
 * concurrent writers append one after another and the chain never forks.
 */
import crypto from 'node:crypto'
import canonicalize from 'canonicalize'
import type { Kysely, Transaction } from 'kysely'
import { engineOf } from '../../db/connect.ts'
import type { AuditEvent, DB } from '../../db/schema.ts'

export const GENESIS_HASH = '0'.repeat(64)

export interface AuditInput {
  actorUserId: number | null
  /** A verb in the domain's words: 'user.signed_up', 'tranche.approved', 'contribution.pledged'. */
  action: string
  entityType: string
  entityId: string | number | null
  before?: unknown
  after?: unknown
}

/** Fields that must never be written into the audit trail, wherever they appear. */
const SECRET_KEYS = new Set(['password', 'password_hash', 'totp_secret', 'token', 'token_hash', 'account_number'])

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact)
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, SECRET_KEYS.has(k) ? '[redacted]' : redact(v)]),
    )
  }
  return value
}

type ChainFields = Pick<AuditEvent, 'occurred_at' | 'actor_user_id' | 'action' | 'entity_type' | 'entity_id' | 'before' | 'after' | 'prev_hash'>

export function hashEvent(e: ChainFields): string {
  const canonical = canonicalize({
    occurred_at: e.occurred_at,
    actor_user_id: e.actor_user_id,
    action: e.action,
    entity_type: e.entity_type,
    entity_id: e.entity_id,
    before: e.before,
    after: e.after,
    prev_hash: e.prev_hash,
  })
  return crypto.createHash('sha256').update(e.prev_hash).update(canonical ?? '').digest('hex')
}

/** Appends one event. Takes a transaction: an audit event is written with the change it records, or not at all. */
export async function recordAudit(trx: Transaction<DB>, input: AuditInput): Promise<AuditEvent> {
  let headQuery = trx.selectFrom('audit_chain_head').select(['last_hash', 'last_event_id']).where('id', '=', 1)
  if (engineOf(trx) === 'postgres') headQuery = headQuery.forUpdate()
  const head = await headQuery.executeTakeFirstOrThrow()
  const fields: ChainFields = {
    occurred_at: new Date().toISOString(),
    actor_user_id: input.actorUserId,
    action: input.action,
    entity_type: input.entityType,
    entity_id: input.entityId === null ? null : String(input.entityId),
    before: input.before === undefined ? null : JSON.stringify(redact(input.before)),
    after: input.after === undefined ? null : JSON.stringify(redact(input.after)),
    prev_hash: head.last_hash,
  }
  const hash = hashEvent(fields)
  const event = await trx.insertInto('audit_events').values({ ...fields, hash }).returningAll().executeTakeFirstOrThrow()
  await trx.updateTable('audit_chain_head').set({ last_hash: hash, last_event_id: event.id }).where('id', '=', 1).execute()
  return event
}

export type AuditVerification =
  | { ok: true; events: number; lastHash: string }
  | { ok: false; events: number; brokenAt: number | null; reason: string }

/**
 * Walks the chain in id order (in batches, so a million events need little memory) and reports the first broken link:
 * an event whose content no longer matches its hash (edited), whose prev_hash does not match the event before it
 * (an event was deleted or inserted), or a head that does not point at the last event (the newest was deleted).
 */
export async function verifyAuditChain(db: Kysely<DB>, batchSize = 2000): Promise<AuditVerification> {
  let prevHash = GENESIS_HASH
  let lastId = 0
  let count = 0
  for (;;) {
    const batch = await db.selectFrom('audit_events').selectAll().where('id', '>', lastId).orderBy('id').limit(batchSize).execute()
    for (const e of batch) {
      if (e.prev_hash !== prevHash) {
        return { ok: false, events: count, brokenAt: e.id, reason: `event ${e.id} does not follow the event before it (one was deleted, inserted or edited)` }
      }
      if (hashEvent(e) !== e.hash) {
        return { ok: false, events: count, brokenAt: e.id, reason: `event ${e.id} was changed after it was written` }
      }
      prevHash = e.hash
      lastId = e.id
      count++
    }
    if (batch.length < batchSize) break
  }
  const head = await db.selectFrom('audit_chain_head').select(['last_hash', 'last_event_id']).where('id', '=', 1).executeTakeFirst()
  if (!head || head.last_hash !== prevHash) {
    return { ok: false, events: count, brokenAt: head?.last_event_id ?? null, reason: 'the chain head does not point at the last event (the newest events were deleted)' }
  }
  return { ok: true, events: count, lastHash: prevHash }
}
