import { describe, expect, test } from 'vitest'
import { createUser } from '../../../tests/factories/organisations.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { exportPersonalData, subjectAccessExport, subjectAccessFilename } from './subject-access.server.ts'
import { ACCOUNT_NUMBER, createPersonWithHistory, SECRET_PASSWORD_HASH, SECRET_TOTP } from './test-support.server.ts'

describe('subjectAccessExport', () => {
  test('holds the person, their organisation, application answers and versions, scores, return, bank details, documents and emails', async () => {
    const h = await createPersonWithHistory()
    const data = await subjectAccessExport(db, h.person.id)

    expect(data.person).toMatchObject({ id: h.person.id, name: 'Priya Subject', email: h.person.email })
    expect(data.memberships).toEqual([expect.objectContaining({ role: 'admin', organisation: expect.objectContaining({ id: h.organisationId }) })])

    const application = data.applications.created.find((a) => a.id === h.applicationId)
    expect(application?.answers).toEqual({ project_title: 'Knit and natter', summary: 'Priya’s weekly knitting group' })
    expect(application?.versions).toEqual([expect.objectContaining({ version: 1, answers: { project_title: 'Knit and natter', summary: 'Priya’s weekly knitting group' } })])

    expect(data.assessments).toEqual([expect.objectContaining({ id: h.assessmentId, status: 'submitted', scores: [expect.objectContaining({ criterion: 'Need', score: 4, comment: 'Clear local need' })] })])
    expect(data.returns.submitted).toEqual([expect.objectContaining({ id: h.returnId, people_reached: 40, data: { story: 'Forty people came every week' } })])
    expect(data.returns.versionsSubmitted).toHaveLength(1)
    expect(data.bankAccounts).toEqual([expect.objectContaining({ account_number: '••••5678', youEnteredIt: true })])
    expect(data.documents).toEqual([expect.objectContaining({ id: h.documentId, filename: 'project-plan.pdf', owner_type: 'application' })])
    expect(data.emails.map((e) => e.subject)).toEqual(['Welcome to Commonpot', 'Reset your password'])
    expect(data.emails[0]).toMatchObject({ body: 'Hello Priya, welcome aboard.' })
    expect(data.sessions).toEqual([expect.objectContaining({ ip: '10.0.0.9', user_agent: 'Firefox' })])
    expect(data.signInAttempts).toEqual([expect.objectContaining({ ip: '10.0.0.9', succeeded: false })])
  })

  test('holds the audit events they made and those about them', async () => {
    const h = await createPersonWithHistory()
    const data = await subjectAccessExport(db, h.person.id)
    expect(data.auditEvents.byYou.map((e) => e.action)).toEqual(expect.arrayContaining(['organisation.registered', 'application.submitted']))
    expect(data.auditEvents.aboutYou).toEqual([expect.objectContaining({ action: 'user.created', after: { email: h.person.email, name: 'Priya Subject' } })])
  })

  test('holds audit events by others that name their email address (an invitation sent to them)', async () => {
    const h = await createPersonWithHistory()
    const inviter = await createUser(db)
    await db.transaction().execute((trx) =>
      recordAudit(trx, { actorUserId: inviter.id, action: 'invitation.sent', entityType: 'invitation', entityId: 7, after: { email: h.person.email, role: 'member' } }),
    )
    const data = await subjectAccessExport(db, h.person.id)
    expect(data.auditEvents.mentioningYourEmail).toEqual([expect.objectContaining({ action: 'invitation.sent', actor_user_id: inviter.id })])
  })

  test('never holds a secret: password hash, two-factor secret, tokens, a full account number or a one-time link', async () => {
    const h = await createPersonWithHistory()
    const data = await subjectAccessExport(db, h.person.id)
    const text = JSON.stringify(data)
    for (const secret of [SECRET_PASSWORD_HASH, SECRET_TOTP, ACCOUNT_NUMBER, 'SECRETLINKTOKEN', 'token_hash']) expect(text).not.toContain(secret)
    expect(data.person.withheldForSecurity).toEqual({
      password: 'A password hash is held. It is withheld for security; it cannot be turned back into your password.',
      twoFactorSecret: 'A two-factor authentication secret is held. It is withheld for security: anyone with it could make your codes.',
    })
    expect(data.emails[1]).toMatchObject({ template: 'password-reset', body: 'Withheld: this email held a one-time link that must not be copied.' })
  })

  test('holds nothing of another person’s history', async () => {
    const h = await createPersonWithHistory()
    const bystander = await createUser(db, { name: 'Bo Bystander' })
    const data = await subjectAccessExport(db, bystander.id)
    expect(data.applications.created).toEqual([])
    expect(data.assessments).toEqual([])
    expect(data.emails).toEqual([])
    expect(JSON.stringify(data)).not.toContain(h.person.email)
  })

  test('exporting is audited in the same transaction; an unknown user is not found', async () => {
    const h = await createPersonWithHistory()
    const admin = await createUser(db)
    await db.transaction().execute((trx) => exportPersonalData(trx, admin.id, h.person.id))
    const event = await db.selectFrom('audit_events').selectAll().where('action', '=', 'privacy.subject_access_exported').executeTakeFirstOrThrow()
    expect(event).toMatchObject({ actor_user_id: admin.id, entity_type: 'user', entity_id: String(h.person.id), after: JSON.stringify({ bySubject: false }) })
    await expect(subjectAccessExport(db, 999_999)).rejects.toBeInstanceOf(NotFoundError)
  })

  test('the file is named for the person and the day', () => {
    expect(subjectAccessFilename(42, new Date('2027-03-05T12:00:00Z'))).toBe('commonpot-personal-data-42-2027-03-05.json')
  })
})
