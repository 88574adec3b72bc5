import { describe, expect, test } from 'vitest'
import { createOrganisationWithAdmin, createUser } from '../../tests/factories/organisations.ts'
import { signedInRequest } from '../../tests/factories/sessions.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { startApplication } from '~/domain/applications/applications.server.ts'
import { createPartnershipRound, tinyPdf } from '~/domain/applications/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { action as eligibilityAction, loader as eligibilityLoader } from './apply.$slug.eligibility.tsx'
import { action as checkAction, loader as checkLoader } from './applications.$applicationId.check.tsx'
import { loader as taskListLoader } from './applications.$applicationId._index.tsx'
import { action as sectionAction, loader as sectionLoader } from './applications.$applicationId.sections.$sectionNumber.tsx'
import { action as withdrawAction } from './applications.$applicationId.withdraw.tsx'
import { loader as documentLoader } from './documents.$documentId.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

async function setUp() {
  const round = await createPartnershipRound(db)
  const { organisation, admin } = await createOrganisationWithAdmin(db)
  const app = await db.transaction().execute((trx) => startApplication(trx, admin, { roundId: round.id, organisationId: organisation.id, eligibilityAnswers: { link_workers: 'Yes' }, now: new Date() }))
  return { round, organisation, admin, app }
}

describe('/apply/<slug>/eligibility', () => {
  test('a failed check answers 400 with the reasons and creates nothing; a passed one redirects to the task list', async () => {
    const round = await createPartnershipRound(db)
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const params = { slug: round.slug }
    const page = await respond(async () => eligibilityLoader({ request: await signedInRequest(`/apply/${round.slug}/eligibility`, { userId: admin.id }), params, context }))
    expect(page.status).toBe(200)
    const fail = await respond(async () =>
      eligibilityAction({ request: await signedInRequest(`/apply/${round.slug}/eligibility`, { userId: admin.id, body: { organisationId: String(organisation.id), q_link_workers: 'No' } }), params, context }),
    )
    expect(fail.status).toBe(400)
    expect(JSON.stringify(await fail.json())).toContain('Projects must work with social prescribing link workers.')
    expect(await db.selectFrom('applications').select('id').where('organisation_id', '=', organisation.id).execute()).toEqual([])
    const pass = await respond(async () =>
      eligibilityAction({ request: await signedInRequest(`/apply/${round.slug}/eligibility`, { userId: admin.id, body: { organisationId: String(organisation.id), q_link_workers: 'Yes' } }), params, context }),
    )
    expect(pass.status).toBe(302)
    const created = await db.selectFrom('applications').select('id').where('organisation_id', '=', organisation.id).executeTakeFirstOrThrow()
    expect(pass.headers.get('Location')).toBe(`/applications/${created.id}`)
  })
})

describe('/applications/<id>', () => {
  test('another organisation’s application is 404 on every page and action', async () => {
    const { app } = await setUp()
    const stranger = (await createOrganisationWithAdmin(db)).admin
    const params = { applicationId: String(app.id), sectionNumber: '1' }
    const get = async (loader: typeof taskListLoader | typeof sectionLoader | typeof checkLoader, url: string) =>
      respond(async () => loader({ request: await signedInRequest(url, { userId: stranger.id }), params, context }))
    expect((await get(taskListLoader, `/applications/${app.id}`)).status).toBe(404)
    expect((await get(sectionLoader, `/applications/${app.id}/sections/1`)).status).toBe(404)
    expect((await get(checkLoader, `/applications/${app.id}/check`)).status).toBe(404)
    const post = async (action: typeof sectionAction | typeof checkAction | typeof withdrawAction, url: string, body: Record<string, string>) =>
      respond(async () => action({ request: await signedInRequest(url, { userId: stranger.id, body }), params, context }))
    expect((await post(sectionAction, `/applications/${app.id}/sections/1`, { intent: 'later', project_title: 'Mine now' })).status).toBe(404)
    expect((await post(checkAction, `/applications/${app.id}/check`, { declaration: 'on' })).status).toBe(404)
    expect((await post(withdrawAction, `/applications/${app.id}/withdraw`, {})).status).toBe(404)
    const someone = await createUser(db)
    expect((await respond(async () => taskListLoader({ request: await signedInRequest(`/applications/${app.id}`, { userId: someone.id }), params, context }))).status).toBe(403)
  })

  test('the task list shows each section’s progress and the deadline while the bid can be edited, and neither once it cannot', async () => {
    const { admin, app } = await setUp()
    const params = { applicationId: String(app.id) }
    const taskList = async () => (await respond(async () => taskListLoader({ request: await signedInRequest(`/applications/${app.id}`, { userId: admin.id }), params, context }))).json()
    const open = await taskList()
    expect(open).toMatchObject({ id: app.id, statusLabel: 'Draft', complete: 0, deadline: expect.stringMatching(/^closes /) })
    expect(open.sections.length).toBeGreaterThan(1)
    expect(open.sections[0]).toEqual({ number: 1, title: expect.any(String), status: 'not_started' })
    await db.updateTable('applications').set({ status: 'submitted' }).where('id', '=', app.id).execute()
    expect(await taskList()).toMatchObject({ statusLabel: 'Submitted', sections: null, deadline: null, complete: 0 })
  })

  test('a section saves from a multipart form with an upload; a file that is not what it claims is refused next to its field', async () => {
    const { admin, app } = await setUp()
    const params = { applicationId: String(app.id), sectionNumber: '4' }
    const form = new FormData()
    form.append('intent', 'continue')
    form.append('plan', new File(['<html>not a pdf</html>'], 'plan.pdf', { type: 'application/pdf' }))
    const refused = await respond(async () => sectionAction({ request: await signedInRequest(`/applications/${app.id}/sections/4`, { userId: admin.id, body: form }), params, context }))
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as { result: { error: Record<string, string[]> } }).result.error.plan).toEqual([
      'The selected file must be a PDF, Word document (DOCX), Excel spreadsheet (XLSX), JPEG or PNG',
    ])
    const good = new FormData()
    good.append('intent', 'continue')
    good.append('plan', new File([tinyPdf()], 'plan.pdf', { type: 'application/pdf' }))
    const saved = await respond(async () => sectionAction({ request: await signedInRequest(`/applications/${app.id}/sections/4`, { userId: admin.id, body: good }), params, context }))
    expect(saved.status).toBe(302)
    expect(saved.headers.get('Location')).toBe(`/applications/${app.id}/check`)
    const doc = await db.selectFrom('documents').select(['id']).where('owner_id', '=', app.id).where('purpose', '=', 'answer:plan').executeTakeFirstOrThrow()
    const download = await respond(async () => documentLoader({ request: await signedInRequest(`/documents/${doc.id}`, { userId: admin.id }), params: { documentId: String(doc.id) }, context }))
    expect(download.status).toBe(200)
    expect(download.headers.get('Content-Type')).toBe('application/pdf')
    const stranger = (await createOrganisationWithAdmin(db)).admin
    const hidden = await respond(async () => documentLoader({ request: await signedInRequest(`/documents/${doc.id}`, { userId: stranger.id }), params: { documentId: String(doc.id) }, context }))
    expect(hidden.status).toBe(404)
  })

  test('"Save and continue" with a required answer missing answers 400 with the message for that field', async () => {
    const { admin, app } = await setUp()
    const response = await respond(async () =>
      sectionAction({ request: await signedInRequest(`/applications/${app.id}/sections/1`, { userId: admin.id, body: { intent: 'continue', summary: 'one two' } }), params: { applicationId: String(app.id), sectionNumber: '1' }, context }),
    )
    expect(response.status).toBe(400)
    const body = (await response.json()) as { result: { error: Record<string, string[]> } }
    expect(body.result.error.project_title).toEqual(['Enter an answer for “Project title”'])
  })
})
