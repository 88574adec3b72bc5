/**
 * POST /awards/<awardId>/conditions/<conditionId>: a member of the organisation sends a file as evidence for a
 * condition; it is checked by content, linked to the condition, and readable by the fund manager; outsiders get 404, as on the award's page.
 */
import { describe, expect, test } from 'vitest'
import { createPaymentScenario } from '../../tests/factories/payments.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { tinyPdf } from '~/domain/applications/test-support.server.ts'
import { listConditions } from '~/domain/awards/terms.server.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { action } from './awards.$awardId_.conditions.$conditionId.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

async function send(awardId: number, conditionId: number, userId: number, file: File) {
  const form = new FormData()
  form.append('evidence', file)
  const request = await signedInRequest(`/awards/${awardId}/conditions/${conditionId}`, { userId, body: form })
  return respond(() => action({ request, params: { awardId: String(awardId), conditionId: String(conditionId) }, context }))
}

describe('evidence for a condition', () => {
  test('a member sends a PDF; a file that is not what it says is refused; another group gets 404', async () => {
    const s = await createPaymentScenario(db)
    const award = await s.acceptedAward({ conditions: ['Send us your safeguarding policy'], conditionsOutstanding: true })
    const other = await s.acceptedAward()
    const [condition] = await listConditions(db, award.awardId)
    const fake = await send(award.awardId, condition.id, award.adminUserId, new File(['<html>not a pdf</html>'], 'policy.pdf', { type: 'application/pdf' }))
    expect(fake.status).toBe(400)
    expect(((await fake.json()) as { message: string }).message).toContain('must be a PDF')
    expect((await send(award.awardId, condition.id, other.adminUserId, new File([tinyPdf()], 'policy.pdf', { type: 'application/pdf' }))).status).toBe(404)
    const ok = await send(award.awardId, condition.id, award.adminUserId, new File([tinyPdf()], 'policy.pdf', { type: 'application/pdf' }))
    expect(ok.status).toBe(302)
    expect(ok.headers.get('Location')).toBe(`/awards/${award.awardId}`)
    const [after] = await listConditions(db, award.awardId)
    expect(after.evidenceDocumentId).not.toBeNull()
    const manager = await createUserWithRole(db, 'fund_manager')
    const { findViewableDocument } = await import('~/domain/applications/documents.server.ts')
    expect((await findViewableDocument(db, { id: manager.id, readsAnyApplication: true }, after.evidenceDocumentId!)).filename).toBe('policy.pdf')
  })
})
