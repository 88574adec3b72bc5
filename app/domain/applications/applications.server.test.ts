import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { createOrganisationWithAdmin, createUser, addMember } from '../../../tests/factories/organisations.ts'
import { db } from '~/lib/db.server.ts'
import { londonDateTimeToUtc } from '~/lib/dates.ts'
import { sectionsOf, type SectionInput } from './answers.ts'
import { getApplicationForMember, NotEligibleError, referencePrefix, saveSection, startApplication, ApplicationReadOnlyError } from './applications.server.ts'
import { findViewableDocument } from './documents.server.ts'
import { applicationProblems, listVersions, reopenForChanges, submitApplication, withdrawApplication } from './submission.server.ts'
import { createPartnershipRound, tinyPdf } from './test-support.server.ts'
import { declineExpressionOfInterest, inviteToFullApplication } from './two-stage.server.ts'

const DAY = 86_400_000
const dataDir = process.env.DATA_DIR!
const YES = { link_workers: 'Yes' }

async function started(now = new Date()) {
  const round = await createPartnershipRound(db, { now })
  const { organisation, admin } = await createOrganisationWithAdmin(db)
  const actor = { ...admin }
  const app = await db.transaction().execute((trx) => startApplication(trx, actor, { roundId: round.id, organisationId: organisation.id, eligibilityAnswers: YES, now }))
  return { round, organisation, actor, app }
}

function section(answers: SectionInput['answers'], files: SectionInput['files'] = {}): SectionInput {
  return { answers, files, removals: [] }
}

async function save(actor: { id: number }, applicationId: number, sectionNumber: number, input: SectionInput, now = new Date()) {
  return db.transaction().execute((trx) => saveSection(trx, actor, { applicationId, sectionNumber, input, dataDir, now }))
}

async function complete(actor: { id: number }, applicationId: number, now = new Date()) {
  await save(actor, applicationId, 1, section({ project_title: 'Singing for the Brain', summary: 'Weekly singing sessions.', has_venue: 'no' }), now)
  await save(
    actor,
    applicationId,
    2,
    section({
      amount_requested: 4_000_000,
      budget: [
        { category: 'Staff and freelance fees', description: 'Musicians', amountPence: 4_200_000, kind: 'cash' },
        { category: 'Venue hire', description: 'Church hall, given free', amountPence: 800_000, kind: 'in_kind' },
      ],
    }),
    now,
  )
  await save(
    actor,
    applicationId,
    3,
    section(
      {
        partners: [
          { name: 'Leeds Library', role: 'Hosts sessions', letter: null },
          { name: 'Age UK Leeds', role: 'Referrals', letter: null },
        ],
        reach: 'Older people',
      },
      { 'partners[0].letter': new File([tinyPdf()], 'support.pdf') },
    ),
    now,
  )
}

describe('eligibility before starting', () => {
  test('a group that passes gets a draft with a reference made of the fund prefix, year and a sequence', async () => {
    const { app } = await started(new Date('2026-11-21T10:00:00Z'))
    expect(app.reference).toMatch(/^TCF-2026-\d{5}$/)
    expect(referencePrefix('Power of Music')).toBe('PM')
  })

  test('every "no" is explained, and nothing is created', async () => {
    const now = new Date()
    const round = await createPartnershipRound(db, { now, rules: { eligibleOrganisationTypes: ['registered_charity'] } })
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const before = await db.selectFrom('applications').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    const attempt = db.transaction().execute((trx) => startApplication(trx, admin, { roundId: round.id, organisationId: organisation.id, eligibilityAnswers: { link_workers: 'No' }, now }))
    await expect(attempt).rejects.toBeInstanceOf(NotEligibleError)
    const error = (await attempt.catch((e: NotEligibleError) => e)) as NotEligibleError
    expect(error.reasons.map((r) => r.message)).toEqual([
      expect.stringContaining('This round is open to Registered charity. Test Community Group'),
      'Projects must work with social prescribing link workers.',
    ])
    const after = await db.selectFrom('applications').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    expect(Number(after.n)).toBe(Number(before.n))
  })

  test('an organisation outside the round’s places, or a closed round, is told so', async () => {
    const now = new Date()
    const otherPlace = await db.selectFrom('places').select('id').where('valid_to', 'is', null).orderBy('name', 'desc').executeTakeFirstOrThrow()
    const round = await createPartnershipRound(db, { now, details: { placeIds: [otherPlace.id] } })
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const late = new Date(now.getTime() + 30 * DAY)
    const error = await db
      .transaction()
      .execute((trx) => startApplication(trx, admin, { roundId: round.id, organisationId: organisation.id, eligibilityAnswers: YES, now: late }))
      .catch((e: NotEligibleError) => e)
    expect((error as NotEligibleError).reasons.map((r) => r.message)).toEqual([expect.stringMatching(/^This round closed at 12:00|^This round closed at \d\d:\d\d on/), expect.stringContaining('does not work in any of those areas')])
  })
})

describe('saving sections', () => {
  test('the budget and the amount asked for keep the money columns in step, and uploads become documents', async () => {
    const { actor, app } = await started()
    await complete(actor, app.id)
    const row = await db.selectFrom('applications').selectAll().where('id', '=', app.id).executeTakeFirstOrThrow()
    expect({ title: row.title, requested: Number(row.amount_requested_pence), cost: Number(row.project_cost_pence), cash: Number(row.match_cash_pence), inKind: Number(row.match_in_kind_pence) }).toEqual({
      title: 'Singing for the Brain',
      requested: 4_000_000,
      cost: 5_000_000,
      cash: 200_000,
      inKind: 800_000,
    })
    const detail = await getApplicationForMember(db, actor, app.id)
    const letter = (detail.answers.partners as { letter: { documentId: number } | null }[])[0]!.letter!
    const doc = await db.selectFrom('documents').selectAll().where('id', '=', letter.documentId).executeTakeFirstOrThrow()
    expect(doc).toMatchObject({ owner_type: 'application', owner_id: app.id, content_type: 'application/pdf', filename: 'support.pdf' })
    expect(fs.existsSync(path.join(dataDir, 'uploads', doc.storage_key))).toBe(true)
    expect(applicationProblems(detail)).toEqual([])
  })

  test('answers hidden by a "show only if" are dropped', async () => {
    const { actor, app } = await started()
    await save(actor, app.id, 1, section({ project_title: 'T', summary: 'S', has_venue: 'yes', venue_name: 'Hall' }))
    await save(actor, app.id, 1, section({ project_title: 'T', summary: 'S', has_venue: 'no', venue_name: 'Hall' }))
    expect((await getApplicationForMember(db, actor, app.id)).answers.venue_name).toBeUndefined()
  })

  test('match funding below the round’s percentage, too few partners and an amount above the maximum are problems', async () => {
    const { actor, app } = await started()
    await save(actor, app.id, 2, section({ amount_requested: 6_000_000, budget: [{ category: 'Other', description: 'All', amountPence: 6_000_000, kind: 'cash' }] }))
    await save(actor, app.id, 3, section({ partners: [{ name: 'One', role: 'Help', letter: null }], reach: 'Everyone' }))
    const problems = applicationProblems(await getApplicationForMember(db, actor, app.id)).map((p) => p.message)
    expect(problems).toEqual(
      expect.arrayContaining([
        'The amount you ask for must be no more than £50,000',
        'Match funding must be at least 20% of the project cost; yours is 0%',
        'A partnership bid needs at least 2 partner organisations; you have listed 1',
        'Enter an answer for “Project title”',
      ]),
    )
  })
})

describe('submitting', () => {
  test('a complete bid is submitted: a version is written, the email queued, and it becomes read-only', async () => {
    const { actor, app } = await started()
    await complete(actor, app.id)
    const result = await db.transaction().execute((trx) => submitApplication(trx, actor, { applicationId: app.id, declaration: true, now: new Date() }))
    expect(result).toMatchObject({ status: 'submitted', allocation: null })
    const versions = await listVersions(db, actor, app.id)
    expect(versions.map((v) => v.version)).toEqual([1])
    const email = await db.selectFrom('outbox_messages').selectAll().where('template', '=', 'application-submitted').where('to_address', '=', actor.email).executeTakeFirstOrThrow()
    expect(email.subject).toBe(`We have received your application ${app.reference}`)
    await expect(save(actor, app.id, 1, section({ project_title: 'Changed' }))).rejects.toBeInstanceOf(ApplicationReadOnlyError)
    await expect(db.transaction().execute((trx) => submitApplication(trx, actor, { applicationId: app.id, declaration: true, now: new Date() }))).rejects.toMatchObject({ status: 409 })
  })

  test('a submission after the deadline is refused with 409 naming it, in British Summer Time', async () => {
    const closesAt = londonDateTimeToUtc('2026-07-03', '12:00')
    const opened = new Date('2026-06-01T09:00:00Z')
    const round = await createPartnershipRound(db, { now: opened, details: { opensAt: opened.toISOString(), closesAt } })
    expect(closesAt).toBe('2026-07-03T11:00:00.000Z')
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const app = await db.transaction().execute((trx) => startApplication(trx, admin, { roundId: round.id, organisationId: organisation.id, eligibilityAnswers: YES, now: new Date('2026-06-02T09:00:00Z') }))
    await complete(admin, app.id, new Date('2026-06-02T10:00:00Z'))
    const late = db.transaction().execute((trx) => submitApplication(trx, admin, { applicationId: app.id, declaration: true, now: new Date('2026-07-03T11:00:01Z') }))
    await expect(late).rejects.toMatchObject({ status: 409, message: 'This round closed at 12:00 on Friday 3 July 2026.' })
    const inTime = await db.transaction().execute((trx) => submitApplication(trx, admin, { applicationId: app.id, declaration: true, now: new Date('2026-07-03T10:59:59Z') }))
    expect(inTime.status).toBe('submitted')
  })

  test('without the declaration nothing is submitted', async () => {
    const { actor, app } = await started()
    await complete(actor, app.id)
    await expect(db.transaction().execute((trx) => submitApplication(trx, actor, { applicationId: app.id, declaration: false, now: new Date() }))).rejects.toMatchObject({ field: 'declaration' })
  })

  test('a fund manager reopens it for changes: a new version is editable and the history keeps the first', async () => {
    const { actor, app } = await started()
    await complete(actor, app.id)
    await db.transaction().execute((trx) => submitApplication(trx, actor, { applicationId: app.id, declaration: true, now: new Date() }))
    const manager = await createUser(db)
    expect(await db.transaction().execute((trx) => reopenForChanges(trx, manager, { applicationId: app.id, reason: 'Please add a second letter' }))).toEqual({ version: 2 })
    await save(actor, app.id, 1, section({ project_title: 'Singing for the Brain, again', summary: 'Weekly.', has_venue: 'no' }))
    await db.transaction().execute((trx) => submitApplication(trx, actor, { applicationId: app.id, declaration: true, now: new Date() }))
    const versions = await listVersions(db, actor, app.id)
    expect(versions.map((v) => [v.version, v.answers.project_title])).toEqual([
      [2, 'Singing for the Brain, again'],
      [1, 'Singing for the Brain'],
    ])
  })

  test('withdrawing before a decision is audited; a withdrawn bid cannot be withdrawn again', async () => {
    const { actor, app } = await started()
    await db.transaction().execute((trx) => withdrawApplication(trx, actor, { applicationId: app.id, reason: 'Plans changed', now: new Date() }))
    const event = await db.selectFrom('audit_events').selectAll().where('action', '=', 'application.withdrawn').where('entity_id', '=', String(app.id)).executeTakeFirstOrThrow()
    expect(JSON.parse(event.after!)).toEqual({ status: 'withdrawn', reason: 'Plans changed' })
    await expect(db.transaction().execute((trx) => withdrawApplication(trx, actor, { applicationId: app.id, reason: null, now: new Date() }))).rejects.toMatchObject({ status: 409 })
  })
})

describe('who may see an application', () => {
  test('another organisation’s application and documents are not found; a colleague and a fund manager may see them', async () => {
    const { actor, app, organisation } = await started()
    await complete(actor, app.id)
    const stranger = (await createOrganisationWithAdmin(db)).admin
    await expect(getApplicationForMember(db, stranger, app.id)).rejects.toMatchObject({ status: 404 })
    const detail = await getApplicationForMember(db, actor, app.id)
    const documentId = (detail.answers.partners as { letter: { documentId: number } | null }[])[0]!.letter!.documentId
    await expect(findViewableDocument(db, { id: stranger.id, readsAnyApplication: false }, documentId)).rejects.toMatchObject({ status: 404 })
    const colleague = await createUser(db)
    await addMember(db, organisation.id, colleague.id)
    expect((await findViewableDocument(db, { id: colleague.id, readsAnyApplication: false }, documentId)).filename).toBe('support.pdf')
    expect((await findViewableDocument(db, { id: stranger.id, readsAnyApplication: true }, documentId)).contentType).toBe('application/pdf')
  })
})

describe('two-stage rounds', () => {
  test('a submitted expression of interest is invited to a full application pre-filled from matching keys, or declined', async () => {
    const now = new Date()
    const round = await createPartnershipRound(db, { now, details: { stages: 'two_stage' } })
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const manager = await createUser(db)
    const eois: { id: number; reference: string }[] = []
    for (let i = 0; i < 2; i++) {
      const eoi = await db.transaction().execute((trx) => startApplication(trx, admin, { roundId: round.id, organisationId: organisation.id, eligibilityAnswers: YES, now }))
      const detail = await getApplicationForMember(db, admin, eoi.id)
      expect(detail.stage).toBe('eoi')
      expect(sectionsOf(detail.questions).length).toBe(1)
      await save(admin, eoi.id, 1, section({ project_title: `Idea ${i}` }))
      expect((await db.transaction().execute((trx) => submitApplication(trx, admin, { applicationId: eoi.id, declaration: true, now }))).status).toBe('eoi_submitted')
      eois.push(eoi)
    }
    const full = await db.transaction().execute((trx) => inviteToFullApplication(trx, manager, { applicationId: eois[0]!.id }))
    const fullDetail = await getApplicationForMember(db, admin, full.id)
    expect(fullDetail).toMatchObject({ stage: 'full', status: 'draft', eoiApplicationId: eois[0]!.id, answers: { project_title: 'Idea 0' } })
    await db.transaction().execute((trx) => declineExpressionOfInterest(trx, manager, { applicationId: eois[1]!.id, reason: 'Outside the fund’s aims' }))
    const statuses = await db.selectFrom('applications').select(['id', 'status']).where('id', 'in', [eois[0]!.id, eois[1]!.id]).orderBy('id').execute()
    expect(statuses.map((s) => s.status)).toEqual(['invited', 'eoi_declined'])
    const templates = await db.selectFrom('outbox_messages').select('template').where('to_address', '=', admin.email).execute()
    expect(templates.map((t) => t.template)).toEqual(expect.arrayContaining(['application-invited', 'application-declined']))
  })
})
