import { beforeEach, describe, expect, test } from 'vitest'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { enqueueEmail } from '~/domain/messages/outbox.server.ts'
import { db } from '~/lib/db.server.ts'
import { loader as messageLoader } from './admin.outbox.$messageId.tsx'
import { loader as listLoader } from './admin.outbox._index.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

// The file shares one database: start every test with an empty outbox.
beforeEach(async () => {
  await db.deleteFrom('outbox_messages').execute()
})

/** The loader's Response, whether it returned it or threw it. */
async function respond(run: () => Promise<unknown>): Promise<Response> {
  try {
    return (await run()) as Response
  } catch (thrown) {
    if (thrown instanceof Response) return thrown
    throw thrown
  }
}

async function list(query: string, userId: number) {
  return respond(async () => listLoader({ request: await signedInRequest(`/admin/outbox${query}`, { userId }), params: {}, context }))
}

async function show(messageId: string, userId: number) {
  return respond(async () => messageLoader({ request: await signedInRequest(`/admin/outbox/${messageId}`, { userId }), params: { messageId }, context }))
}

async function queueWelcome(to: string): Promise<number> {
  const data = { name: 'Ada Lovelace', signInUrl: 'https://commonpot.example/login' }
  return (await db.transaction().execute((trx) => enqueueEmail(trx, { template: 'welcome', to, data }))).id
}

interface ListData {
  messages: { id: number; to_address: string; status: string }[]
  olderBefore: number | null
  status: string | null
}

describe('/admin/outbox', () => {
  test('someone without the admin role is refused with 403', async () => {
    const assessor = await createUserWithRole(db, 'assessor')
    expect((await list('', assessor.id)).status).toBe(403)
  })

  test('a visitor who is not signed in is sent to sign in', async () => {
    const response = await respond(() => listLoader({ request: new Request('http://localhost/admin/outbox'), params: {}, context }))
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe('/login?redirectTo=%2Fadmin%2Foutbox')
  })

  test('an admin sees queued messages newest first, 50 a page, with a way to older ones', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const ids: number[] = []
    for (let i = 0; i < 52; i++) ids.push(await queueWelcome(`person${i}@example.org`))

    const first = await list('', admin.id)
    expect(first.status).toBe(200)
    const page1 = (await first.json()) as ListData
    expect(page1.messages).toHaveLength(50)
    expect(page1.messages[0]).toMatchObject({ id: ids[51], to_address: 'person51@example.org', status: 'pending' })
    expect(page1.olderBefore).toBe(ids[2])

    const page2 = (await (await list(`?before=${page1.olderBefore}`, admin.id)).json()) as ListData
    expect(page2.messages.map((m) => m.id)).toEqual([ids[1], ids[0]])
    expect(page2.olderBefore).toBeNull()
  })

  test('an admin can show only the messages of one status', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const sent = await queueWelcome('sent@example.org')
    await queueWelcome('pending@example.org')
    await db.updateTable('outbox_messages').set({ status: 'sent' }).where('id', '=', sent).execute()

    const data = (await (await list('?status=sent', admin.id)).json()) as ListData
    expect(data.messages.map((m) => m.id)).toEqual([sent])
    expect(data.status).toBe('sent')
    const all = (await (await list('?status=', admin.id)).json()) as ListData
    expect(all.status).toBeNull()
    expect(all.messages.map((m) => m.to_address)).toContain('pending@example.org')
  })

  test('a filter that is not a status is a 400', async () => {
    const admin = await createUserWithRole(db, 'admin')
    expect((await list('?status=deleted', admin.id)).status).toBe(400)
  })
})

describe('/admin/outbox/:messageId', () => {
  test('an admin sees the whole message, bodies included', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const id = await queueWelcome('ada@example.org')
    const response = await show(String(id), admin.id)
    expect(response.status).toBe(200)
    const { message } = (await response.json()) as { message: { to_address: string; subject: string; body_text: string } }
    expect(message).toMatchObject({ to_address: 'ada@example.org', subject: 'Welcome to Commonpot' })
    expect(message.body_text).toContain('https://commonpot.example/login')
  })

  test('someone without the admin role is refused with 403', async () => {
    const fundManager = await createUserWithRole(db, 'fund_manager')
    const id = await queueWelcome('ada@example.org')
    expect((await show(String(id), fundManager.id)).status).toBe(403)
  })

  test('an unknown or malformed message id is a 404', async () => {
    const admin = await createUserWithRole(db, 'admin')
    expect((await show('999999', admin.id)).status).toBe(404)
    expect((await show('not-a-number', admin.id)).status).toBe(404)
  })
})
