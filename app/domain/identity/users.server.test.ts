import { describe, expect, test } from 'vitest'
import { db } from '~/lib/db.server.ts'
import { EmailTakenError, PasswordRuleError } from './errors.ts'
import { uniqueEmail } from './test-support.server.ts'
import { createUser } from './users.server.ts'

describe('createUser', () => {
  test('an invited person can be created without a password, and the creation is audited with its actor', async () => {
    const email = uniqueEmail('invited')
    const user = await db.transaction().execute((trx) => createUser(trx, { email: ` ${email.toUpperCase()}`, name: ' Ife Invited ', password: null, actorUserId: null }))
    expect(user).toMatchObject({ email, name: 'Ife Invited' })
    const row = await db.selectFrom('users').select(['password_hash', 'password_changed_at']).where('id', '=', user.id).executeTakeFirstOrThrow()
    expect(row).toEqual({ password_hash: null, password_changed_at: null })
    const audit = await db.selectFrom('audit_events').select(['actor_user_id', 'after']).where('action', '=', 'user.created').where('entity_id', '=', String(user.id)).executeTakeFirstOrThrow()
    expect(audit.actor_user_id).toBeNull()
    expect(JSON.parse(audit.after!)).toEqual({ email, name: 'Ife Invited', hasPassword: false })
  })

  test('a second account for the same address is refused and the first is untouched', async () => {
    const email = uniqueEmail('twice')
    const first = await db.transaction().execute((trx) => createUser(trx, { email, name: 'First', password: null }))
    await expect(db.transaction().execute((trx) => createUser(trx, { email: email.toUpperCase(), name: 'Second', password: null }))).rejects.toThrow(EmailTakenError)
    const rows = await db.selectFrom('users').select(['id', 'name']).where('email', '=', email).execute()
    expect(rows).toEqual([{ id: first.id, name: 'First' }])
  })

  test('a password that breaks the length rule is refused even when no form checked it', async () => {
    const email = uniqueEmail('short')
    await expect(db.transaction().execute((trx) => createUser(trx, { email, name: 'Short', password: 'short' }))).rejects.toThrow(PasswordRuleError)
    expect(await db.selectFrom('users').select('id').where('email', '=', email).execute()).toEqual([])
  })
})
