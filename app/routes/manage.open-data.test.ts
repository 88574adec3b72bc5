/**
 * Publishing awards as open data from the browser (JavaScript off: plain forms): the open-data page (settings and a
 * list with checkboxes) and the award page's publish button. Only fund managers; only accepted awards (409 otherwise,
 * nothing changed); bad settings 400 beside the field.
 */
import type * as RemixReact from '@remix-run/react'
import { createElement } from 'react'
import { renderToString } from 'react-dom/server'
import { beforeAll, describe, expect, test, vi } from 'vitest'
import { createOpenDataScenario, type OpenDataScenario } from '../../tests/factories/open-data.ts'
import { createUserWithRole, signedInRequest, type TestUser } from '../../tests/factories/sessions.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { openDataSettings } from '~/domain/open-data/settings.server.ts'
import { db } from '~/lib/db.server.ts'
import { loader as awardPageLoader } from './manage.awards.$awardId.tsx'
import { action as publishAction, loader as publishLoader } from './manage.awards.$awardId_.publish.tsx'
import Page, { action, loader } from './manage.open-data.tsx'

const state = vi.hoisted(() => ({ loaderData: undefined as unknown, actionData: undefined as unknown }))

vi.mock('@remix-run/react', async (importOriginal) => {
  const actual = await importOriginal<typeof RemixReact>()
  const React = await import('react')
  return {
    ...actual,
    useLoaderData: () => state.loaderData,
    useActionData: () => state.actionData,
    Form: ({ children, method, ...rest }: { children?: React.ReactNode; method?: string } & Record<string, unknown>) => React.createElement('form', { method, ...rest }, children),
    Link: ({ children, to, ...rest }: { children?: React.ReactNode; to: string } & Record<string, unknown>) => React.createElement('a', { href: to, ...rest }, children),
  }
})

const context = { cspNonce: '', clientIp: '127.0.0.1' }

let o: OpenDataScenario
let manager: TestUser
let assessor: TestUser
beforeAll(async () => {
  o = await createOpenDataScenario(db)
  manager = await createUserWithRole(db, 'fund_manager')
  assessor = await createUserWithRole(db, 'assessor')
})

async function get(path: string, userId: number) {
  return respond(async () => loader({ request: await signedInRequest(path, { userId }), params: {}, context }))
}
async function post(userId: number, body: URLSearchParams | Record<string, string>) {
  return respond(async () => action({ request: await signedInRequest('/manage/open-data', { userId, body }), params: {}, context }))
}
async function publish(awardId: number | string, userId: number, intent: string) {
  return respond(async () => publishAction({ request: await signedInRequest(`/manage/awards/${awardId}/publish`, { userId, body: { intent } }), params: { awardId: String(awardId) }, context }))
}
const publishedAt = async (awardId: number) => (await db.selectFrom('awards').select('published_at').where('id', '=', awardId).executeTakeFirstOrThrow()).published_at
const bulk = (intent: string, ids: number[]) => {
  const body = new URLSearchParams({ intent })
  for (const id of ids) body.append('awardId', String(id))
  return body
}

describe('who may publish', () => {
  test('an assessor or an applicant gets 403 from the page, the bulk form and the award’s publish button', async () => {
    const award = await o.pooledAward()
    expect((await get('/manage/open-data', assessor.id)).status).toBe(403)
    expect((await get('/manage/open-data', award.adminUserId)).status).toBe(403)
    expect((await post(assessor.id, bulk('publish', [award.awardId]))).status).toBe(403)
    expect((await publish(award.awardId, award.adminUserId, 'publish')).status).toBe(403)
    expect(await publishedAt(award.awardId)).toBeNull()
  })
})

describe('the award page', () => {
  test('a fund manager publishes an accepted award and takes it out again, with a flash each time', async () => {
    const award = await o.pooledAward()
    const page = await respond(async () => awardPageLoader({ request: await signedInRequest(`/manage/awards/${award.awardId}`, { userId: manager.id }), params: { awardId: String(award.awardId) }, context }))
    const data = (await page.json()) as { publication: { publishable: boolean; publishedAt: string | null; grantId: string } }
    expect(data.publication).toMatchObject({ publishable: true, publishedAt: null })

    const done = await publish(award.awardId, manager.id, 'publish')
    expect(done.status).toBe(302)
    expect(done.headers.get('Location')).toBe(`/manage/awards/${award.awardId}`)
    expect(done.headers.get('Set-Cookie')).toBeTruthy()
    expect(await publishedAt(award.awardId)).not.toBeNull()

    expect((await publish(award.awardId, manager.id, 'unpublish')).status).toBe(302)
    expect(await publishedAt(award.awardId)).toBeNull()
  })

  test('an offer not yet accepted is refused with 409 and the reason; a missing award is 404; GET goes back to the award', async () => {
    const award = await o.pooledAward()
    await db.updateTable('awards').set({ status: 'offered' }).where('id', '=', award.awardId).execute()
    const refused = await publish(award.awardId, manager.id, 'publish')
    expect(refused.status).toBe(409)
    expect(await refused.text()).toContain('Only awards whose offer has been accepted can be published')
    expect(await publishedAt(award.awardId)).toBeNull()
    expect((await publish(999_999, manager.id, 'publish')).status).toBe(404)
    expect((await publish('abc', manager.id, 'publish')).status).toBe(404)
    expect((await publish(award.awardId, manager.id, 'shout')).status).toBe(400)
    const back = await respond(async () => publishLoader({ request: await signedInRequest(`/manage/awards/${award.awardId}/publish`, { userId: manager.id }), params: { awardId: String(award.awardId) }, context }))
    expect(back.headers.get('Location')).toBe(`/manage/awards/${award.awardId}`)
  })
})

describe('the open-data page', () => {
  test('lists accepted awards not yet published with a labelled checkbox each, and publishes the ones ticked', async () => {
    const a = await o.pooledAward()
    const b = await o.singleFunderAward()
    const untouched = await o.pooledAward()
    const page = await get('/manage/open-data', manager.id)
    expect(page.status).toBe(200)
    state.loaderData = await page.json()
    state.actionData = undefined
    const html = renderToString(createElement(Page)).replaceAll('<!-- -->', '')
    const reference = (await db.selectFrom('awards').select('reference').where('id', '=', a.awardId).executeTakeFirstOrThrow()).reference
    expect(html).toContain(`<label class="visually-hidden" for="award-${a.awardId}">Choose award ${reference}</label>`)
    expect(html).toContain('<legend>Choose the awards to publish or take out of the open data</legend>')
    expect(html).toContain('<label class="label" for="open-data-settings-prefix">360Giving identifier prefix</label>')

    const done = await post(manager.id, bulk('publish', [a.awardId, b.awardId]))
    expect(done.status).toBe(302)
    expect(done.headers.get('Location')).toBe('/manage/open-data?show=published')
    expect(await publishedAt(a.awardId)).not.toBeNull()
    expect(await publishedAt(b.awardId)).not.toBeNull()
    expect(await publishedAt(untouched.awardId)).toBeNull()
    const published = (await (await get('/manage/open-data?show=published', manager.id)).json()) as { awards: { id: number }[] }
    expect(published.awards.map((x) => x.id)).toEqual(expect.arrayContaining([a.awardId, b.awardId]))
  })

  test('one award that cannot be published stops the lot: 409 naming it, nothing published', async () => {
    const ok = await o.pooledAward()
    const declined = await o.pooledAward()
    await db.updateTable('awards').set({ status: 'declined' }).where('id', '=', declined.awardId).execute()
    const refused = await post(manager.id, bulk('publish', [ok.awardId, declined.awardId]))
    expect(refused.status).toBe(409)
    const body = (await refused.json()) as { message: string }
    expect(body.message).toMatch(/^Nothing was published\. Award .+ cannot be published as open data: its offer is “offer declined”/)
    expect(await publishedAt(ok.awardId)).toBeNull()
    expect((await post(manager.id, bulk('publish', []))).status).toBe(400)
  })

  test('settings: a bad prefix is 400 beside its field and nothing is saved; good settings are saved and audited', async () => {
    const bad = await post(manager.id, { intent: 'settings', prefix: 'our/fund', publisherName: '', licenceUrl: 'not a link' })
    expect(bad.status).toBe(400)
    const errors = ((await bad.json()) as { result: { error: Record<string, string[]> } }).result.error
    expect(errors.prefix).toEqual(['Use only letters, numbers and single hyphens in the prefix, like commonpot or Example-Trust (no / or spaces)'])
    expect(errors.publisherName).toEqual(['Enter the name of the organisation publishing the data'])
    expect(errors.licenceUrl).toEqual(['Enter the licence as a web address, like https://creativecommons.org/licenses/by/4.0/'])
    expect((await openDataSettings(db)).prefix).toBe('commonpot')

    const saved = await post(manager.id, { intent: 'settings', prefix: '360G-wandle-trust', publisherName: 'Wandle Valley Trust', licenceUrl: 'https://creativecommons.org/licenses/by/4.0/' })
    expect(saved.status).toBe(302)
    expect(await openDataSettings(db)).toEqual({ prefix: 'wandle-trust', publisherName: 'Wandle Valley Trust', licenceUrl: 'https://creativecommons.org/licenses/by/4.0/' })
    const audit = await db.selectFrom('audit_events').select(['actor_user_id']).where('action', '=', 'open_data.settings_changed').execute()
    expect(audit.map((a) => a.actor_user_id)).toContain(manager.id)
  })
})
