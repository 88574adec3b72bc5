import { describe, expect, test } from 'vitest'
import { MAX_RESET_EMAILS_PER_HOUR } from '~/domain/identity/password-reset.server.ts'
import { context, createPerson, post, replyErrors, respond, uniqueEmail } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { hashToken } from '~/lib/session.server.ts'
import { action } from './forgot-password.tsx'

const ask = (email: string) => respond(() => action({ request: post('/forgot-password', { email }), params: {}, context: context() }))

describe('asking for a password reset', () => {
  test('an account holder is emailed a single link whose token is stored only as a hash', async () => {
    const person = await createPerson()
    const response = await ask(person.email.toUpperCase())
    expect(response.status).toBe(200)
    const email = await db.selectFrom('outbox_messages').select(['template', 'body_text']).where('to_address', '=', person.email).where('template', '=', 'password-reset').executeTakeFirstOrThrow()
    const link = email.body_text.match(/http:\/\/localhost\/reset-password\?token=([A-Za-z0-9_-]+)/)
    expect(link).not.toBeNull()
    const token = link![1]
    const row = await db.selectFrom('password_reset_tokens').selectAll().where('user_id', '=', person.id).executeTakeFirstOrThrow()
    expect(row.token_hash).toBe(hashToken(token))
    expect(row.token_hash).not.toContain(token)
    const minutes = (Date.parse(row.expires_at) - Date.parse(row.created_at)) / 60_000
    expect(minutes).toBe(60)
    expect(row.used_at).toBeNull()
  })

  test('an unknown address gets exactly the same answer, and nothing is sent or stored', async () => {
    const person = await createPerson()
    const known = await ask(person.email)
    const nobody = uniqueEmail('nobody')
    const unknown = await ask(nobody)
    expect(unknown.status).toBe(known.status)
    const withoutAddress = async (r: Response) => (await r.text()).replaceAll(person.email, 'X').replaceAll(nobody, 'X')
    expect(await withoutAddress(unknown)).toBe(await withoutAddress(known))
    expect(await db.selectFrom('outbox_messages').select('id').where('to_address', '=', nobody).execute()).toEqual([])
  })

  test(`no more than ${MAX_RESET_EMAILS_PER_HOUR} reset emails go to one account in an hour, with the same answer each time`, async () => {
    const person = await createPerson()
    for (let i = 0; i < MAX_RESET_EMAILS_PER_HOUR + 2; i++) expect((await ask(person.email)).status).toBe(200)
    const sent = await db.selectFrom('outbox_messages').select('id').where('to_address', '=', person.email).where('template', '=', 'password-reset').execute()
    expect(sent).toHaveLength(MAX_RESET_EMAILS_PER_HOUR)
  })

  test('an address that is not an email address is refused with a message next to the field', async () => {
    const response = await ask('not an email')
    expect(response.status).toBe(400)
    expect((await replyErrors(response)).fields.email).toEqual(['Enter an email address in the correct format, like name@example.com'])
  })
})
