import crypto from 'node:crypto'
import type { Transaction } from 'kysely'
import { beforeAll, describe, expect, test } from 'vitest'
import type { DB } from '../../../db/schema.ts'
import { createAwardScenario, type AwardScenario } from '../../../tests/factories/award-decisions.ts'
import { createMember, createOfferReadyAward } from '../../../tests/factories/offers.ts'
import { createUser } from '../../../tests/factories/organisations.ts'
import { pdfText } from '../../../tests/factories/pdf-text.ts'
import { createAwardFromDecision } from './awards.server.ts'
import {
  acceptOffer,
  declineOffer,
  enqueueRoundOffers,
  issueOffer,
  NotOrganisationMemberError,
  OFFER_JOB_KIND,
  offerJobHandler,
  OfferClosedError,
  OfferInputError,
  OfferNotReadyError,
} from './offers.server.ts'
import { offerDeclaration } from './offer-labels.ts'
import { offerLetterData } from './offer-letter.server.ts'
import { awardLetterDocument } from './offer-views.server.ts'
import { contributionBalances } from '~/domain/budgets/contributions.server.ts'
import { verifyLedger } from '~/domain/budgets/ledger.server.ts'
import { db } from '~/lib/db.server.ts'
import { sha256Hex } from '~/lib/generated-documents.server.ts'
import { drainJobs, getJob, registerJobHandler } from '~/lib/jobs.server.ts'
import { readUpload } from '~/lib/uploads.server.ts'

const dataDir = () => process.env.DATA_DIR!
const tx = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => db.transaction().execute(fn)
const issue = (awardId: number, respondBy?: string) => tx((trx) => issueOffer(trx, s.managerUserId, { awardId, respondBy, dataDir: dataDir(), appOrigin: 'https://commonpot.example' }))
const accept = (awardId: number, userId: number, input: Partial<{ name: string; role: string; declaration: boolean; idempotencyKey: string }> = {}) =>
  tx((trx) => acceptOffer(trx, userId, { awardId, name: 'Ada Okafor', role: 'Treasurer', declaration: true, idempotencyKey: crypto.randomUUID(), dataDir: dataDir(), ...input }))

let s: AwardScenario
beforeAll(async () => {
  s = await createAwardScenario(db)
})

async function awardRow(awardId: number) {
  return db.selectFrom('awards').selectAll().where('id', '=', awardId).executeTakeFirstOrThrow()
}

async function documentText(documentId: number) {
  const doc = await db.selectFrom('documents').selectAll().where('id', '=', documentId).executeTakeFirstOrThrow()
  const bytes = await readUpload(dataDir(), doc.storage_key)
  return { doc, bytes, text: await pdfText(Buffer.from(bytes)) }
}

async function potAvailable(): Promise<number> {
  const balances = await contributionBalances(db, Object.values(s.contributions))
  return [...balances.values()].reduce((sum, b) => sum + b.available, 0)
}

const INSTALMENTS = {
  kind: 'instalments' as const,
  tranches: [
    { amountPence: 500_000, dueDate: '2027-01-04', gate: 'acceptance' as const },
    { amountPence: 300_000, dueDate: '2027-04-01', gate: 'condition' as const, conditionIndex: 1 },
    { amountPence: 100_000, dueDate: '2027-09-01', gate: 'date' as const },
  ],
}
const CONDITIONS = ['Send us your safeguarding policy', 'Send us a copy of your lease for the hall']

describe('issueOffer', () => {
  test('makes the letter with the organisation, amount, schedule, conditions and funders, stores it, emails every member and marks the award offered', async () => {
    const award = await createOfferReadyAward(db, s, { amountPence: 900_000, conditions: CONDITIONS, schedule: INSTALMENTS })
    const otherMember = await createMember(db, award.organisationId)
    const result = await issue(award.awardId, '2099-01-31')
    expect(result).toMatchObject({ awardId: award.awardId, replayed: false, emails: 2 })

    const row = await awardRow(award.awardId)
    expect(row).toMatchObject({ status: 'offered', offer_document_id: result.documentId, offer_sha256: result.sha256, offered_by: s.managerUserId })
    expect(row.offered_at).not.toBeNull()
    const { doc, bytes, text } = await documentText(result.documentId)
    expect(doc).toMatchObject({ owner_type: 'award', owner_id: award.awardId, purpose: 'offer_letter', organisation_id: award.organisationId, content_type: 'application/pdf', sha256: result.sha256 })
    expect(sha256Hex(bytes)).toBe(result.sha256)

    const flat = text.replace(/\s+/g, ' ')
    expect(flat).toContain('Grant offer letter')
    expect(flat).toContain(award.organisationName)
    expect(flat).toContain('£9,000')
    expect(flat).toContain(award.reference)
    expect(flat).toContain('31 January 2099')
    expect(flat).toContain('The grant is paid in 3 instalments.')
    expect(flat).toMatch(/1 £5,000(\.00)? 4 January 2027 Once you have accepted this offer/)
    expect(flat).toMatch(/2 £3,000(\.00)? 1 April 2027 Once condition 2 is met/)
    expect(flat).toMatch(/3 £1,000(\.00)? 1 September 2027 On or after 1 September 2027/)
    expect(flat).toContain('1 Send us your safeguarding policy')
    expect(flat).toContain('2 Send us a copy of your lease for the hall')
    for (const funder of [s.funders.nhs, s.funders.lottery, s.funders.council]) expect(flat).toContain(funder)
    expect(flat).toContain('360Giving')
    expect(flat).toMatch(/Safeguarding\./)
    expect(flat).toContain(`https://commonpot.example/awards/${award.awardId}`)
    expect(flat).not.toContain('Accepted by')

    const terms = JSON.parse(row.offer_terms!)
    expect(terms).toMatchObject({ awardId: award.awardId, amountPence: 900_000, respondBy: '2099-01-31', conditions: [{ sequence: 1, text: CONDITIONS[0] }, { sequence: 2, text: CONDITIONS[1] }] })
    expect(terms.funders.reduce((sum: number, f: { amountPence: number }) => sum + f.amountPence, 0)).toBe(900_000)

    const emails = await db.selectFrom('outbox_messages').select(['to_address', 'template', 'body_text']).where('idempotency_key', 'like', `offer-made:${award.awardId}:%`).execute()
    expect(emails).toHaveLength(2)
    const other = await db.selectFrom('users').select('email').where('id', '=', otherMember).executeTakeFirstOrThrow()
    expect(emails.map((e) => e.to_address)).toContain(other.email)
    expect(emails[0].body_text).toContain(`https://commonpot.example/awards/${award.awardId}`)
    const audit = await db.selectFrom('audit_events').select(['action', 'after']).where('entity_type', '=', 'award').where('entity_id', '=', String(award.awardId)).where('action', '=', 'award.offered').execute()
    expect(audit).toHaveLength(1)
    expect(JSON.parse(audit[0].after!)).toMatchObject({ status: 'offered', sha256: result.sha256, emails: 2 })
  })

  test('issuing again is a replay: the same letter, no new document or email', async () => {
    const award = await createOfferReadyAward(db, s)
    const first = await issue(award.awardId)
    const again = await issue(award.awardId)
    expect(again).toEqual({ ...first, emails: 0, replayed: true })
    expect(await db.selectFrom('documents').select('id').where('owner_type', '=', 'award').where('owner_id', '=', award.awardId).execute()).toHaveLength(1)
    expect(await db.selectFrom('outbox_messages').select('id').where('idempotency_key', 'like', `offer-made:${award.awardId}:%`).execute()).toHaveLength(1)
  })

  test('an award without a payment schedule, or a reply date in the past, is refused and nothing is written', async () => {
    const bid = await s.bid({ decisionAmountPence: 200_000 })
    const made = await tx((trx) => createAwardFromDecision(trx, s.managerUserId, { applicationId: bid.applicationId, amountPence: 200_000, potId: s.potId, outcomeAreas: ['health_and_wellbeing'], idempotencyKey: crypto.randomUUID() }))
    await expect(issue(made.award.id)).rejects.toBeInstanceOf(OfferNotReadyError)
    const ready = await createOfferReadyAward(db, s)
    await expect(issue(ready.awardId, '2001-01-01')).rejects.toMatchObject({ field: 'respondBy', status: 400 })
    for (const id of [made.award.id, ready.awardId]) {
      expect((await awardRow(id)).status).toBe('committed')
      expect(await db.selectFrom('documents').select('id').where('owner_type', '=', 'award').where('owner_id', '=', id).execute()).toHaveLength(0)
    }
  })
})

describe('acceptOffer', () => {
  test('records who accepted, moves the money into the schedule and re-issues the letter with the acceptance and the original hash', async () => {
    const award = await createOfferReadyAward(db, s, { amountPence: 900_000, conditions: CONDITIONS, schedule: INSTALMENTS, issue: { dataDir: dataDir() } })
    const before = await awardRow(award.awardId)
    const result = await accept(award.awardId, award.memberUserId, { name: '  Ada Okafor ', role: 'Treasurer' })
    expect(result.replayed).toBe(false)

    const row = await awardRow(award.awardId)
    expect(row).toMatchObject({
      status: 'accepted',
      accepted_by: award.memberUserId,
      accepted_name: 'Ada Okafor',
      accepted_role: 'Treasurer',
      accepted_declaration: offerDeclaration(award.organisationName),
      acceptance_document_id: result.documentId,
      acceptance_sha256: result.sha256,
      offer_sha256: before.offer_sha256,
      offer_document_id: before.offer_document_id,
    })
    const tranches = await db.selectFrom('tranches').select(['status']).where('award_id', '=', award.awardId).execute()
    expect(tranches.map((t) => t.status)).toEqual(['scheduled', 'scheduled', 'scheduled'])
    const parts = await db.selectFrom('tranche_parts').innerJoin('tranches', 'tranches.id', 'tranche_parts.tranche_id').select('tranche_parts.amount_pence').where('tranches.award_id', '=', award.awardId).execute()
    expect(parts.reduce((sum, p) => sum + p.amount_pence, 0)).toBe(900_000)
    expect((await verifyLedger(db)).ok).toBe(true)

    const { doc, bytes, text } = await documentText(result.documentId)
    expect(doc).toMatchObject({ purpose: 'offer_letter_accepted', owner_type: 'award', owner_id: award.awardId })
    expect(sha256Hex(bytes)).toBe(result.sha256)
    const flat = text.replace(/\s+/g, ' ')
    expect(flat).toContain('Accepted by: Ada Okafor')
    expect(flat).toContain('Role: Treasurer')
    expect(flat).toMatch(/Accepted at \(UK time\): \d{2}:\d{2} on \d{1,2} \w+ \d{4}/)
    expect(flat.replace(/ /g, '')).toContain(before.offer_sha256!)
    expect(flat).toContain(offerDeclaration(award.organisationName))
    expect(flat).toContain('Once condition 2 is met')
    const audit = await db.selectFrom('audit_events').select('after').where('entity_id', '=', String(award.awardId)).where('action', '=', 'award.accepted').executeTakeFirstOrThrow()
    expect(JSON.parse(audit.after!)).toMatchObject({ name: 'Ada Okafor', role: 'Treasurer', offerSha256: before.offer_sha256, acceptanceSha256: result.sha256 })
  })

  test('the same key again is a replay; another key after acceptance is refused (409)', async () => {
    const award = await createOfferReadyAward(db, s, { issue: { dataDir: dataDir() } })
    const key = crypto.randomUUID()
    const first = await accept(award.awardId, award.memberUserId, { idempotencyKey: key })
    expect(await accept(award.awardId, award.memberUserId, { idempotencyKey: key })).toEqual({ ...first, replayed: true })
    const error = await accept(award.awardId, award.memberUserId).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OfferClosedError)
    expect(error).toMatchObject({ status: 409, message: expect.stringContaining('already accepted by Ada Okafor') })
    expect(await db.selectFrom('documents').select('id').where('owner_id', '=', award.awardId).where('purpose', '=', 'offer_letter_accepted').execute()).toHaveLength(1)
  })

  test('ten members accepting at once make one acceptance, one schedule and one letter; the rest are told it was accepted', async () => {
    const award = await createOfferReadyAward(db, s, { issue: { dataDir: dataDir() } })
    const members = [award.memberUserId, ...(await Promise.all(Array.from({ length: 9 }, (_, i) => createMember(db, award.organisationId, `Member ${i}`))))]
    const results = await Promise.allSettled(members.map((userId, i) => accept(award.awardId, userId, { name: `Member ${i}` })))
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(OfferClosedError)
    expect(await db.selectFrom('documents').select('id').where('owner_id', '=', award.awardId).where('purpose', '=', 'offer_letter_accepted').execute()).toHaveLength(1)
    const scheduled = await db.selectFrom('ledger_entries').select('id').where('idempotency_key', 'like', `award:${award.awardId}:scheduled:%`).execute()
    expect(scheduled.length).toBeGreaterThan(0)
    expect(await db.selectFrom('audit_events').select('id').where('entity_id', '=', String(award.awardId)).where('action', '=', 'award.accepted').execute()).toHaveLength(1)
    expect((await verifyLedger(db)).ok).toBe(true)
  })

  test('someone outside the organisation cannot accept, and nothing changes', async () => {
    const award = await createOfferReadyAward(db, s, { issue: { dataDir: dataDir() } })
    const outsider = await createUser(db, { name: 'Ivy Outsider' })
    await expect(accept(award.awardId, outsider.id)).rejects.toBeInstanceOf(NotOrganisationMemberError)
    await expect(accept(award.awardId, s.managerUserId)).rejects.toMatchObject({ status: 403 })
    expect((await awardRow(award.awardId)).status).toBe('offered')
    expect((await db.selectFrom('tranches').select('status').where('award_id', '=', award.awardId).executeTakeFirstOrThrow()).status).toBe('offered')
  })

  test('a missing name, role or declaration is refused beside its field; an award not yet offered cannot be accepted', async () => {
    const award = await createOfferReadyAward(db, s, { issue: { dataDir: dataDir() } })
    await expect(accept(award.awardId, award.memberUserId, { name: ' ' })).rejects.toMatchObject({ field: 'name', status: 400 })
    await expect(accept(award.awardId, award.memberUserId, { role: '' })).rejects.toMatchObject({ field: 'role' })
    await expect(accept(award.awardId, award.memberUserId, { declaration: false })).rejects.toBeInstanceOf(OfferInputError)
    const draft = await createOfferReadyAward(db, s)
    await expect(accept(draft.awardId, draft.memberUserId)).rejects.toBeInstanceOf(OfferClosedError)
    expect((await awardRow(award.awardId)).status).toBe('offered')
  })
})

describe('declineOffer', () => {
  test('cancels the tranches and gives the money back to the pot; a repeat is a replay; it cannot then be accepted', async () => {
    const beforeAward = await potAvailable()
    const award = await createOfferReadyAward(db, s, { issue: { dataDir: dataDir() } })
    expect(await potAvailable()).toBe(beforeAward - 300_000)
    const key = crypto.randomUUID()
    const result = await tx((trx) => declineOffer(trx, award.memberUserId, { awardId: award.awardId, reason: 'We could not find a hall', idempotencyKey: key }))
    expect(result).toEqual({ awardId: award.awardId, releasedPence: 300_000, replayed: false })
    expect(await potAvailable()).toBe(beforeAward)
    expect(await awardRow(award.awardId)).toMatchObject({ status: 'declined', declined_by: award.memberUserId, declined_reason: 'We could not find a hall' })
    expect((await db.selectFrom('tranches').select('status').where('award_id', '=', award.awardId).execute()).map((t) => t.status)).toEqual(['cancelled'])
    expect((await verifyLedger(db)).ok).toBe(true)

    expect(await tx((trx) => declineOffer(trx, award.memberUserId, { awardId: award.awardId, reason: 'We could not find a hall', idempotencyKey: key }))).toMatchObject({ replayed: true })
    expect(await potAvailable()).toBe(beforeAward)
    await expect(accept(award.awardId, award.memberUserId)).rejects.toMatchObject({ status: 409, message: expect.stringContaining('declined') })
    await expect(tx((trx) => declineOffer(trx, award.memberUserId, { awardId: award.awardId, reason: 'Again', idempotencyKey: crypto.randomUUID() }))).rejects.toBeInstanceOf(OfferClosedError)
    const audit = await db.selectFrom('audit_events').select('after').where('entity_id', '=', String(award.awardId)).where('action', '=', 'award.declined').execute()
    expect(audit).toHaveLength(1)
  })

  test('needs a reason, and a member of the organisation', async () => {
    const award = await createOfferReadyAward(db, s, { issue: { dataDir: dataDir() } })
    await expect(tx((trx) => declineOffer(trx, award.memberUserId, { awardId: award.awardId, reason: '  ', idempotencyKey: 'k' }))).rejects.toMatchObject({ field: 'reason', status: 400 })
    await expect(tx((trx) => declineOffer(trx, s.managerUserId, { awardId: award.awardId, reason: 'No', idempotencyKey: 'k2' }))).rejects.toBeInstanceOf(NotOrganisationMemberError)
    expect((await awardRow(award.awardId)).status).toBe('offered')
  })
})

describe('a round of offers in bulk', () => {
  test('one job issues every ready award in the round, counting progress; the same key returns the same job', async () => {
    const round = await createAwardScenario(db)
    const a = await createOfferReadyAward(db, round, { amountPence: 300_000 })
    const b = await createOfferReadyAward(db, round, { amountPence: 200_000, conditions: ['Send us your constitution'] })
    const bid = await round.bid({ decisionAmountPence: 100_000 })
    const notReady = await tx((trx) => createAwardFromDecision(trx, round.managerUserId, { applicationId: bid.applicationId, amountPence: 100_000, potId: round.potId, outcomeAreas: ['health_and_wellbeing'], idempotencyKey: crypto.randomUUID() }))
    registerJobHandler(OFFER_JOB_KIND, offerJobHandler(dataDir()))

    const key = crypto.randomUUID()
    const queued = await tx((trx) => enqueueRoundOffers(trx, round.managerUserId, { roundId: round.roundId, idempotencyKey: key, appOrigin: 'https://commonpot.example' }))
    expect(queued.replayed).toBe(false)
    expect(queued.job).toMatchObject({ kind: OFFER_JOB_KIND, status: 'queued', total: 2, done: 0, createdBy: round.managerUserId, payload: { roundId: round.roundId, awardIds: [a.awardId, b.awardId], unit: 'letters made', returnTo: `/manage/rounds/${round.roundId}/offers` } })
    const again = await tx((trx) => enqueueRoundOffers(trx, round.managerUserId, { roundId: round.roundId, idempotencyKey: key, appOrigin: 'https://commonpot.example' }))
    expect(again).toMatchObject({ replayed: true, job: { id: queued.job.id } })

    await drainJobs(db)
    const job = await getJob(db, queued.job.id)
    expect(job).toMatchObject({ status: 'done', done: 2, result: { issued: 2, alreadyOffered: 0, failed: [] } })
    for (const id of [a.awardId, b.awardId]) expect((await awardRow(id)).status).toBe('offered')
    expect((await awardRow(notReady.award.id)).status).toBe('committed')
    const letter = await awardLetterDocument(db, { userId: b.memberUserId, readsAllAwards: false }, b.awardId, 'latest')
    expect(await pdfText(Buffer.from(await readUpload(dataDir(), letter.storageKey)))).toContain('Send us your constitution')

    // Nothing left to send in the round now.
    await expect(tx((trx) => enqueueRoundOffers(trx, round.managerUserId, { roundId: round.roundId, idempotencyKey: crypto.randomUUID(), appOrigin: 'https://commonpot.example' }))).rejects.toBeInstanceOf(OfferNotReadyError)
  })

  test('a job run again after a restart skips the letters already made', async () => {
    const round = await createAwardScenario(db)
    const a = await createOfferReadyAward(db, round)
    const b = await createOfferReadyAward(db, round)
    registerJobHandler(OFFER_JOB_KIND, offerJobHandler(dataDir()))
    const queued = await tx((trx) => enqueueRoundOffers(trx, round.managerUserId, { roundId: round.roundId, idempotencyKey: crypto.randomUUID(), appOrigin: 'http://localhost' }))
    await issue(a.awardId) // the first run got this far before the process stopped
    await drainJobs(db)
    expect(await getJob(db, queued.job.id)).toMatchObject({ status: 'done', result: { issued: 1, alreadyOffered: 1 } })
    expect((await awardRow(b.awardId)).status).toBe('offered')
  })
})

describe('letters and who may read them', () => {
  test("members of the award's organisation and those who read every award get the letter; anyone else is told it is not there", async () => {
    const award = await createOfferReadyAward(db, s, { issue: { dataDir: dataDir() } })
    const outsider = await createUser(db, { name: 'Ned Nosy' })
    const original = await awardLetterDocument(db, { userId: award.memberUserId, readsAllAwards: false }, award.awardId, 'latest')
    expect(original.filename).toBe(`offer-letter-${award.reference}.pdf`)
    expect((await awardLetterDocument(db, { userId: outsider.id, readsAllAwards: true }, award.awardId, 'original')).id).toBe(original.id)
    await expect(awardLetterDocument(db, { userId: outsider.id, readsAllAwards: false }, award.awardId, 'latest')).rejects.toMatchObject({ status: 404 })
    await expect(awardLetterDocument(db, { userId: award.memberUserId, readsAllAwards: false }, award.awardId, 'accepted')).rejects.toMatchObject({ status: 404 })
    const accepted = await accept(award.awardId, award.memberUserId)
    expect((await awardLetterDocument(db, { userId: award.memberUserId, readsAllAwards: false }, award.awardId, 'latest')).id).toBe(accepted.documentId)
  })

  test('the letter data names a yearly schedule and what each later year waits for', async () => {
    const award = await createOfferReadyAward(db, s, { amountPence: 600_000, schedule: { kind: 'yearly', years: 3, amountPerYearPence: 200_000, startDate: '2027-01-04' } })
    const data = await offerLetterData(db, award.awardId, { appOrigin: 'http://localhost', offerDate: '2026-12-01' })
    expect(data.respondBy).toBe('2026-12-29')
    expect(data.scheduleSummary).toMatch(/^The grant is paid as £2,000(\.00)? a year for 3 years\./)
    expect(data.tranches.map((t) => [t.dueDate, t.paidWhen])).toEqual([
      ['2027-01-04', 'Once you have accepted this offer'],
      ['2028-01-04', 'Once we have accepted your Year 1 report'],
      ['2029-01-04', 'Once we have accepted your Year 2 report'],
    ])
  })
})
