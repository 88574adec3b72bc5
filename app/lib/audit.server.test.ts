import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { DatabaseHandle } from '../../db/connect.ts'
import { createTestDatabase } from '../../tests/setup/test-database.ts'
import { recordAudit, verifyAuditChain } from './audit.server.ts'

let h: DatabaseHandle
beforeEach(async () => {
  h = await createTestDatabase()
})
afterEach(async () => {
  await h.close()
})

async function writeEvents(n: number) {
  for (let i = 0; i < n; i++) {
    await h.db.transaction().execute((trx) =>
      recordAudit(trx, { actorUserId: null, action: 'test.happened', entityType: 'thing', entityId: i, before: { n: i }, after: { n: i + 1, password: 'secret' } }),
    )
  }
}

describe('audit chain', () => {
  test('an untouched chain verifies', async () => {
    await writeEvents(5)
    expect(await verifyAuditChain(h.db)).toMatchObject({ ok: true, events: 5 })
  })

  test('an empty chain verifies', async () => {
    expect(await verifyAuditChain(h.db)).toMatchObject({ ok: true, events: 0 })
  })

  test('secrets are redacted before they are written', async () => {
    await writeEvents(1)
    const e = await h.db.selectFrom('audit_events').select('after').executeTakeFirstOrThrow()
    expect(e.after).toContain('[redacted]')
    expect(e.after).not.toContain('secret')
  })

  test('editing an event is reported at that event', async () => {
    await writeEvents(5)
    await h.db.updateTable('audit_events').set({ after: '{"n":999}' }).where('id', '=', 3).execute()
    expect(await verifyAuditChain(h.db)).toMatchObject({ ok: false, brokenAt: 3 })
  })

  test('deleting an event is reported at the event after the gap', async () => {
    await writeEvents(5)
    await h.db.deleteFrom('audit_events').where('id', '=', 2).execute()
    expect(await verifyAuditChain(h.db)).toMatchObject({ ok: false, brokenAt: 3 })
  })

  test('deleting the newest event is reported by the chain head', async () => {
    await writeEvents(3)
    await h.db.deleteFrom('audit_events').where('id', '=', 3).execute()
    const result = await verifyAuditChain(h.db)
    expect(result.ok).toBe(false)
  })

  test('concurrent writers never fork the chain', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h.db.transaction().execute((trx) => recordAudit(trx, { actorUserId: null, action: 'race', entityType: 'thing', entityId: i })),
      ),
    )
    expect(await verifyAuditChain(h.db, 7)).toMatchObject({ ok: true, events: 20 })
  })

  test('a rolled-back change leaves no audit event', async () => {
    await expect(
      h.db.transaction().execute(async (trx) => {
        await recordAudit(trx, { actorUserId: null, action: 'doomed', entityType: 'thing', entityId: 1 })
        await sql`select * from no_such_table`.execute(trx)
      }),
    ).rejects.toThrow()
    expect(await h.db.selectFrom('audit_events').selectAll().execute()).toHaveLength(0)
  })
})
