import { describe, expect, test } from 'vitest'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { listQuestionsInOrder } from '~/domain/funds/questions.server.ts'
import { createOpenRound, createReadyDraft } from '~/domain/funds/test-support.server.ts'
import { replyErrors, respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { action as editAction, loader as editLoader } from './manage.rounds.$roundId.questions.$questionId.edit.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

type Handler = (args: { request: Request; params: Record<string, string>; context: typeof context }) => Promise<unknown>

async function call(handler: Handler, roundId: number, questionId: number, userId: number, body?: Record<string, string>) {
  const request = await signedInRequest(`/manage/rounds/${roundId}/questions/${questionId}/edit`, { userId, body })
  return respond(() => handler({ request, params: { roundId: String(roundId), questionId: String(questionId) }, context }))
}

describe('/manage/rounds/<id>/questions/<questionId>/edit', () => {
  test('the form is filled in with the question as it is', async () => {
    const manager = await createUserWithRole(db, 'fund_manager')
    const draft = await createReadyDraft(db)
    const [question] = await listQuestionsInOrder(db, draft.id, 'full')
    const response = await call(editLoader, draft.id, question.id, manager.id)
    expect(response.status).toBe(200)
    const body = (await response.json()) as { question: Record<string, unknown> }
    expect(body.question).toEqual({
      label: question.label,
      type: question.type,
      section: question.section,
      helpText: question.helpText ?? '',
      required: question.required,
      wordLimit: '',
      options: '',
      showIfQuestion: '',
      showIfValue: '',
    })
  })

  test('saving changes the question and goes back to the builder with a message', async () => {
    const manager = await createUserWithRole(db, 'fund_manager')
    const draft = await createReadyDraft(db)
    const [question] = await listQuestionsInOrder(db, draft.id, 'full')
    const response = await call(editAction, draft.id, question.id, manager.id, { section: 'About the project', label: 'What is your project called?', helpText: 'A few words.' })
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe(`/manage/rounds/${draft.id}/questions`)
    expect(response.headers.get('Set-Cookie')).toBeTruthy()
    const [after] = await listQuestionsInOrder(db, draft.id, 'full')
    expect([after.id, after.section, after.label, after.helpText, after.required]).toEqual([question.id, 'About the project', 'What is your project called?', 'A few words.', false])
  })

  test('a missing question label is a 400 next to the field, and nothing changes', async () => {
    const manager = await createUserWithRole(db, 'fund_manager')
    const draft = await createReadyDraft(db)
    const [question] = await listQuestionsInOrder(db, draft.id, 'full')
    const response = await call(editAction, draft.id, question.id, manager.id, { section: 'Your project', label: '  ' })
    expect(response.status).toBe(400)
    expect((await replyErrors(response)).fields.label).toEqual(['Enter the question'])
    expect((await listQuestionsInOrder(db, draft.id, 'full'))[0].label).toBe(question.label)
  })

  test('a question of another round is 404 to see and to change', async () => {
    const manager = await createUserWithRole(db, 'fund_manager')
    const a = await createReadyDraft(db)
    const b = await createReadyDraft(db)
    const [question] = await listQuestionsInOrder(db, b.id, 'full')
    expect((await call(editLoader, a.id, question.id, manager.id)).status).toBe(404)
    expect((await call(editAction, a.id, question.id, manager.id, { section: 'Hijacked', label: 'Hijacked' })).status).toBe(404)
    expect((await listQuestionsInOrder(db, b.id, 'full'))[0].label).toBe(question.label)
  })

  test('a published round’s question cannot change (409)', async () => {
    const manager = await createUserWithRole(db, 'fund_manager')
    const open = await createOpenRound(db)
    const [question] = await listQuestionsInOrder(db, open.id, 'full')
    const response = await call(editAction, open.id, question.id, manager.id, { section: question.section, label: 'Changed after publishing' })
    expect(response.status).toBe(409)
    expect((await listQuestionsInOrder(db, open.id, 'full'))[0].label).toBe(question.label)
  })

  test('only people who manage rounds may edit questions', async () => {
    const assessor = await createUserWithRole(db, 'assessor')
    const draft = await createReadyDraft(db)
    const [question] = await listQuestionsInOrder(db, draft.id, 'full')
    expect((await call(editLoader, draft.id, question.id, assessor.id)).status).toBe(403)
  })
})
