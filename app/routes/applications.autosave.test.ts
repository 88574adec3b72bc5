import { describe, expect, test } from 'vitest'
import { createOrganisationWithAdmin } from '../../tests/factories/organisations.ts'
import { signedInRequest } from '../../tests/factories/sessions.ts'
import { startApplication } from '~/domain/applications/applications.server.ts'
import { createPartnershipRound, tinyPdf } from '~/domain/applications/test-support.server.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { action as sectionAction } from './applications.$applicationId.sections.$sectionNumber.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

async function setUp() {
  const round = await createPartnershipRound(db)
  const { organisation, admin } = await createOrganisationWithAdmin(db)
  const app = await db.transaction().execute((trx) => startApplication(trx, admin, { roundId: round.id, organisationId: organisation.id, eligibilityAnswers: { link_workers: 'Yes' }, now: new Date() }))
  return { admin, app }
}

async function autosave(userId: number, applicationId: number, body: Record<string, string>, sectionNumber = 1) {
  const request = await signedInRequest(`/applications/${applicationId}/sections/${sectionNumber}`, { userId, body: { intent: 'autosave', ...body } })
  return respond(async () => sectionAction({ request, params: { applicationId: String(applicationId), sectionNumber: String(sectionNumber) }, context }))
}

async function storedAnswers(applicationId: number): Promise<Record<string, unknown>> {
  const row = await db.selectFrom('applications').select('answers').where('id', '=', applicationId).executeTakeFirstOrThrow()
  return JSON.parse(row.answers) as Record<string, unknown>
}

describe('autosave on /applications/<id>/sections/<n>', () => {
  test('valid answers are saved, with the time, even when required answers are still missing', async () => {
    const { admin, app } = await setUp()
    const response = await autosave(admin.id, app.id, { project_title: 'Singing together', people: '12' })
    expect(response.status).toBe(200)
    const body = (await response.json()) as { autosaved: boolean; savedAt: string | null }
    expect(body.autosaved).toBe(true)
    expect(Number.isNaN(Date.parse(body.savedAt ?? ''))).toBe(false)
    expect(await storedAnswers(app.id)).toMatchObject({ project_title: 'Singing together', people: 12 })
  })

  test('answers in the wrong format save nothing and show no errors', async () => {
    const { admin, app } = await setUp()
    await autosave(admin.id, app.id, { project_title: 'Singing together' })
    const before = await storedAnswers(app.id)
    const response = await autosave(admin.id, app.id, { project_title: 'Something else', people: 'lots of people' })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ autosaved: false, savedAt: null, message: null })
    expect(await storedAnswers(app.id)).toEqual(before)
  })

  test('another organisation’s application is 404 and unchanged', async () => {
    const { app } = await setUp()
    const stranger = (await createOrganisationWithAdmin(db)).admin
    const before = await storedAnswers(app.id)
    const response = await autosave(stranger.id, app.id, { project_title: 'Mine now' })
    expect(response.status).toBe(404)
    expect(await storedAnswers(app.id)).toEqual(before)
  })

  test('a submitted application is 409 and unchanged', async () => {
    const { admin, app } = await setUp()
    await db.updateTable('applications').set({ status: 'submitted' }).where('id', '=', app.id).execute()
    const before = await storedAnswers(app.id)
    const response = await autosave(admin.id, app.id, { project_title: 'Too late' })
    expect(response.status).toBe(409)
    expect(((await response.json()) as { autosaved: boolean }).autosaved).toBe(false)
    expect(await storedAnswers(app.id)).toEqual(before)
  })

  test('autosave never removes a stored file, even with its "remove" box ticked', async () => {
    const { admin, app } = await setUp()
    const form = new FormData()
    form.append('intent', 'later')
    form.append('plan', new File([tinyPdf()], 'plan.pdf', { type: 'application/pdf' }))
    const request = await signedInRequest(`/applications/${app.id}/sections/4`, { userId: admin.id, body: form })
    expect((await respond(async () => sectionAction({ request, params: { applicationId: String(app.id), sectionNumber: '4' }, context }))).status).toBe(302)
    const response = await autosave(admin.id, app.id, { plan__remove: 'on' }, 4)
    expect(((await response.json()) as { autosaved: boolean }).autosaved).toBe(true)
    expect((await storedAnswers(app.id)).plan).toMatchObject({ filename: 'plan.pdf' })
  })
})
