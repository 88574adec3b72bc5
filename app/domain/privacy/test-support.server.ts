/**
 * Helpers for the personal-data tests (not used by the app): a person with a history in most corners of the system
 * (an application with answers and versions and an uploaded file, an assessment with scores, a submitted return, bank
 * details, emails, sessions, sign-in attempts, audit events), built with raw inserts plus the real session and audit
 * functions, so the export, erasure and retention have something real to find.
 */
import crypto from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { createAward, createRound } from '../../../tests/factories/awards.ts'
import { createOrganisationWithAdmin, createUser } from '../../../tests/factories/organisations.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import { db } from '~/lib/db.server.ts'
import { startSession } from '~/lib/session.server.ts'

const tag = () => crypto.randomBytes(3).toString('hex')

export const SECRET_PASSWORD_HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2VjcmV0c2FsdA$secret-hash-never-exported'
export const SECRET_TOTP = 'JBSWY3DPEHPK3PXPSECRETTOTP'
export const ACCOUNT_NUMBER = '12345678'

/** Stores a small file under DATA_DIR/uploads as storeUpload would, and records it against the application. */
export async function uploadTo(applicationId: number, organisationId: number, uploadedBy: number): Promise<{ documentId: number; file: string }> {
  const storageKey = `${crypto.randomBytes(24).toString('hex')}.pdf`
  const file = path.join(process.env.DATA_DIR!, 'uploads', storageKey)
  await fs.mkdir(path.dirname(file), { recursive: true })
  await fs.writeFile(file, '%PDF-1.4\n%%EOF\n')
  const doc = await db
    .insertInto('documents')
    .values({
      organisation_id: organisationId,
      owner_type: 'application',
      owner_id: applicationId,
      purpose: 'plan',
      filename: 'project-plan.pdf',
      content_type: 'application/pdf',
      size_bytes: 15,
      storage_key: storageKey,
      sha256: '0'.repeat(64),
      uploaded_by: uploadedBy,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { documentId: doc.id, file }
}

export interface ApplicationSpec {
  roundId: number
  organisationId: number
  createdBy: number | null
  status?: string
  amountPence?: number
  decidedAt?: string | null
  updatedAt?: string
  answers?: Record<string, unknown>
  placeId?: number | null
}

export async function insertApplication(spec: ApplicationSpec): Promise<{ id: number; reference: string }> {
  const reference = `PRIV-${tag()}`
  const answers = JSON.stringify(spec.answers ?? { project_title: 'Knit and natter', summary: 'Weekly knitting group for isolated older people' })
  const row = await db
    .insertInto('applications')
    .values({
      reference,
      round_id: spec.roundId,
      organisation_id: spec.organisationId,
      status: spec.status ?? 'submitted',
      title: 'Knit and natter',
      place_id: spec.placeId ?? null,
      amount_requested_pence: spec.amountPence ?? 250_000,
      answers,
      created_by: spec.createdBy,
      decided_at: spec.decidedAt ?? null,
      updated_at: spec.updatedAt ?? new Date().toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await db.insertInto('application_versions').values({ application_id: row.id, version: 1, answers, created_by: spec.createdBy }).execute()
  return { id: row.id, reference }
}

export interface PersonWithHistory {
  person: { id: number; email: string; name: string }
  organisationId: number
  roundId: number
  applicationId: number
  assessmentId: number
  returnId: number
  documentId: number
  file: string
}

/** A person who applied, assessed someone else's bid, submitted a return, entered bank details and got emails. */
export async function createPersonWithHistory(): Promise<PersonWithHistory> {
  const person = await createUser(db, { name: 'Priya Subject', email: `priya-${tag()}@example.org` })
  await db.updateTable('users').set({ password_hash: SECRET_PASSWORD_HASH, totp_secret: SECRET_TOTP, totp_enabled_at: new Date().toISOString() }).where('id', '=', person.id).execute()
  const { organisation } = await createOrganisationWithAdmin(db, { admin: person })
  const { roundId } = await createRound(db)
  const application = await insertApplication({ roundId, organisationId: organisation.id, createdBy: person.id, answers: { project_title: 'Knit and natter', summary: 'Priya’s weekly knitting group' } })
  const { documentId, file } = await uploadTo(application.id, organisation.id, person.id)

  // Someone else's bid that Priya scored as an assessor.
  const other = await createOrganisationWithAdmin(db)
  const otherBid = await insertApplication({ roundId, organisationId: other.organisation.id, createdBy: other.admin.id })
  const criterion = await db.insertInto('criteria').values({ round_id: roundId, position: 1, name: 'Need' }).returning('id').executeTakeFirstOrThrow()
  const assessment = await db
    .insertInto('assessments')
    .values({ application_id: otherBid.id, assessor_user_id: person.id, status: 'submitted', submitted_at: new Date().toISOString() })
    .returning('id')
    .executeTakeFirstOrThrow()
  await db.insertInto('criterion_scores').values({ assessment_id: assessment.id, criterion_id: criterion.id, score: 4, comment: 'Clear local need' }).execute()

  // A return Priya submitted on her group's award.
  const award = await createAward(db, { roundId })
  const ret = await db
    .insertInto('returns')
    .values({ award_id: award.id, kind: 'final', period_label: 'Final', due_date: '2027-03-31', status: 'submitted', data: JSON.stringify({ story: 'Forty people came every week' }), people_reached: 40, submitted_by: person.id, submitted_at: new Date().toISOString() })
    .returning('id')
    .executeTakeFirstOrThrow()
  await db.insertInto('return_versions').values({ return_id: ret.id, version: 1, data: JSON.stringify({ story: 'Forty people came every week' }), submitted_by: person.id, submitted_at: new Date().toISOString() }).execute()

  await db.insertInto('bank_accounts').values({ organisation_id: organisation.id, account_name: 'KNIT AND NATTER', sort_code: '309457', account_number: ACCOUNT_NUMBER, status: 'unverified', entered_by: person.id }).execute()
  await db
    .insertInto('outbox_messages')
    .values([
      { template: 'welcome', to_address: person.email, subject: 'Welcome to Commonpot', body_text: 'Hello Priya, welcome aboard.', status: 'sent', sent_at: new Date().toISOString() },
      { template: 'password-reset', to_address: person.email, subject: 'Reset your password', body_text: 'Reset: https://commonpot.example/reset-password/SECRETLINKTOKEN', status: 'pending' },
    ])
    .execute()
  await db.insertInto('sign_in_attempts').values({ email: person.email, ip: '10.0.0.9', succeeded: 0 }).execute()
  await db.transaction().execute(async (trx) => {
    await startSession(trx, { userId: person.id, ip: '10.0.0.9', userAgent: 'Firefox', secondFactor: true })
    await recordAudit(trx, { actorUserId: person.id, action: 'application.submitted', entityType: 'application', entityId: application.id, after: { reference: application.reference } })
    await recordAudit(trx, { actorUserId: null, action: 'user.created', entityType: 'user', entityId: person.id, after: { email: person.email, name: person.name } })
  })
  return { person, organisationId: organisation.id, roundId, applicationId: application.id, assessmentId: assessment.id, returnId: ret.id, documentId, file }
}

/** Applications per round with their total asked for: what statistics count, before and after a change. */
export async function applicationFigures(): Promise<{ round_id: number; status: string; n: number; pence: number }[]> {
  const rows = await db
    .selectFrom('applications')
    .select((eb) => ['round_id', 'status', eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('amount_requested_pence').as('pence')])
    .groupBy(['round_id', 'status'])
    .orderBy('round_id')
    .orderBy('status')
    .execute()
  return rows.map((r) => ({ round_id: r.round_id, status: r.status, n: Number(r.n), pence: Number(r.pence) }))
}
