import { describe, expect, test } from 'vitest'
import { pdfText } from '../../tests/factories/pdf-text.ts'
import { assignRaw, createPanelRound, submitScoresRaw, type PanelRound } from '../../tests/factories/assessment.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { DEMO_OVERRIDE_REASON, seedPanelDecisions } from '../../db/seed/decisions.ts'
import { acceptProposal } from '~/domain/assessment/decisions.server.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { loader as indexLoader } from './panel._index.tsx'
import { loader as listLoader } from './panel.$roundId._index.tsx'
import { action as decisionAction, loader as decisionLoader } from './panel.$roundId.bids.$applicationId.decision.tsx'
import { action as minutesAction, loader as minutesPageLoader } from './panel.$roundId.minutes.tsx'
import { loader as minutesLoader } from './panel.$roundId.minutes[.]pdf.ts'
import { loader as packLoader } from './panel.$roundId.pack[.]pdf.ts'
import { action as optimiserAction, loader as optimiserLoader } from './panel.$roundId.optimiser.tsx'
import { action as releaseAction, loader as releaseLoader } from './panel.$roundId.release.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

type Handler = (args: { request: Request; params: Record<string, string>; context: typeof context }) => Promise<unknown>

async function call(fn: Handler, url: string, userId: number, params: Record<string, string> = {}, body?: Record<string, string>) {
  const request = await signedInRequest(url, { userId, body })
  return respond(() => fn({ request, params, context }))
}


/** Three bids, each scored by both assessors (the first best), on a round whose chair is panel.chair. */
async function scoredPanel(): Promise<PanelRound> {
  const panel = await createPanelRound(db, { bids: 3, assessors: 2 })
  const scores = [
    [5, 5, 10, 1],
    [4, 4, 8, 1],
    [3, 2, 6, 1],
  ]
  for (const [i, bid] of panel.bids.entries()) {
    for (const assessor of panel.assessors) await submitScoresRaw(db, panel, { applicationId: bid.applicationId, assessorId: assessor.id, scores: scores[i]!, comment: `Comment from ${assessor.name} on bid ${i + 1}` })
  }
  return panel
}

const params = (panel: PanelRound, applicationId?: number) => ({ roundId: String(panel.roundId), ...(applicationId ? { applicationId: String(applicationId) } : {}) })

describe('who may use the panel pages', () => {
  test('assessors and finance officers are refused; a chair sees only the panels they chair; only a fund manager releases', async () => {
    const panel = await scoredPanel()
    const other = await createPanelRound(db, { bids: 1, assessors: 1 })
    const finance = await createUserWithRole(db, 'finance_officer', { totp: true })
    expect((await call(indexLoader, '/panel', panel.assessors[0]!.id)).status).toBe(403)
    expect((await call(listLoader, `/panel/${panel.roundId}`, panel.assessors[0]!.id, params(panel))).status).toBe(403)
    expect((await call(listLoader, `/panel/${panel.roundId}`, finance.id, params(panel))).status).toBe(403)
    expect((await call(packLoader, `/panel/${panel.roundId}/pack.pdf`, panel.assessors[0]!.id, params(panel))).status).toBe(403)

    expect((await call(listLoader, `/panel/${panel.roundId}`, panel.chair.id, params(panel))).status).toBe(200)
    expect((await call(listLoader, `/panel/${other.roundId}`, panel.chair.id, params(other))).status).toBe(403)
    expect((await call(packLoader, `/panel/${other.roundId}/pack.pdf`, panel.chair.id, params(other))).status).toBe(403)
    const index = await (await call(indexLoader, '/panel', panel.chair.id)).json()
    expect(index.rounds.map((r: { id: number }) => r.id)).toEqual([panel.roundId])

    expect((await call(releaseLoader, `/panel/${panel.roundId}/release`, panel.chair.id, params(panel))).status).toBe(403)
    expect((await call(releaseAction, `/panel/${panel.roundId}/release`, panel.chair.id, params(panel), {})).status).toBe(403)
    expect((await call(listLoader, `/panel/999999`, panel.manager.id, { roundId: '999999' })).status).toBe(404)
  })
})

describe('the ranked list page', () => {
  test('lists the bids in rank order with the running total against the round budget', async () => {
    const panel = await scoredPanel()
    const response = await call(listLoader, `/panel/${panel.roundId}`, panel.chair.id, params(panel))
    const { page: view } = await response.json()
    expect(view.rows.map((r: { reference: string }) => r.reference)).toEqual(panel.bids.map((b) => b.reference))
    expect(view.rows.map((r: { running: string }) => r.running)).toEqual(['£25,000.00', '£50,000.00', '£75,000.00'])
    expect(view.rows.map((r: { roundLeft: { text: string } }) => r.roundLeft.text)).toEqual(['£75,000.00', '£50,000.00', '£25,000.00'])
  })
})

describe('deciding a bid', () => {
  test('declining without a reason is refused next to the field; with one it is recorded and the page goes back to the list', async () => {
    const panel = await scoredPanel()
    const bid = panel.bids[2]!
    const url = `/panel/${panel.roundId}/bids/${bid.applicationId}/decision`
    const refused = await call(decisionAction, url, panel.chair.id, params(panel, bid.applicationId), { status: 'declined', rationale: 'Lowest score' })
    expect(refused.status).toBe(400)
    expect((await refused.json()).error).toMatchObject({ declineReason: ['Choose the reason for declining the bid'] })
    expect(await db.selectFrom('panel_decisions').select('id').where('application_id', '=', bid.applicationId).execute()).toHaveLength(0)

    const done = await call(decisionAction, url, panel.chair.id, params(panel, bid.applicationId), { status: 'declined', rationale: 'Lowest score', declineReason: 'Outside the round’s priorities', feedback: 'Try the spring round' })
    expect(done.status).toBe(302)
    expect(done.headers.get('Location')).toBe(`/panel/${panel.roundId}`)
    const row = await db.selectFrom('panel_decisions').select(['status', 'decline_reason', 'feedback']).where('application_id', '=', bid.applicationId).executeTakeFirstOrThrow()
    expect(row).toEqual({ status: 'declined', decline_reason: 'Outside the round’s priorities', feedback: 'Try the spring round' })
  })

  test('a malformed amount is refused with a message; an amount above the largest grant too', async () => {
    const panel = await scoredPanel()
    const bid = panel.bids[0]!
    const url = `/panel/${panel.roundId}/bids/${bid.applicationId}/decision`
    const malformed = await call(decisionAction, url, panel.chair.id, params(panel, bid.applicationId), { status: 'recommended', amount: 'lots', rationale: 'Strong' })
    expect(malformed.status).toBe(400)
    expect((await malformed.json()).error.amount).toHaveLength(1)
    const tooMuch = await call(decisionAction, url, panel.chair.id, params(panel, bid.applicationId), { status: 'recommended', amount: '£60,000', rationale: 'Strong' })
    expect(tooMuch.status).toBe(400)
    expect((await tooMuch.json()).error.amount).toEqual(['The amount must be no more than the round’s largest grant, £50,000.00'])
  })

  test('a chair with a declared conflict on the bid cannot open or post its decision (403)', async () => {
    const panel = await scoredPanel()
    const bid = panel.bids[0]!
    await assignRaw(db, bid.applicationId, panel.chair.id, 'conflict')
    const url = `/panel/${panel.roundId}/bids/${bid.applicationId}/decision`
    expect((await call(decisionLoader, url, panel.chair.id, params(panel, bid.applicationId))).status).toBe(403)
    const posted = await call(decisionAction, url, panel.chair.id, params(panel, bid.applicationId), { status: 'recommended', rationale: 'Strong' })
    expect(posted.status).toBe(403)
    expect(await db.selectFrom('panel_decisions').select('id').where('application_id', '=', bid.applicationId).execute()).toHaveLength(0)
    // The fund manager, who has no conflict, can decide it.
    expect((await call(decisionAction, url, panel.manager.id, params(panel, bid.applicationId), { status: 'recommended', rationale: 'Strong' })).status).toBe(302)
  })
})

describe('releasing decisions', () => {
  test('is refused (409) with the bids still to decide; once all are decided it sets statuses and queues the emails', async () => {
    const panel = await scoredPanel()
    const url = `/panel/${panel.roundId}/release`
    const decide = (i: number, body: Record<string, string>) =>
      call(decisionAction, `/panel/${panel.roundId}/bids/${panel.bids[i]!.applicationId}/decision`, panel.chair.id, params(panel, panel.bids[i]!.applicationId), body)
    expect((await decide(0, { status: 'recommended', rationale: 'Top' })).status).toBe(302)
    const early = await call(releaseAction, url, panel.manager.id, params(panel), {})
    expect(early.status).toBe(409)
    expect((await early.json()).message).toContain(panel.bids[1]!.reference)
    expect((await decide(1, { status: 'reserve', rationale: 'Next' })).status).toBe(302)
    expect((await decide(2, { status: 'declined', rationale: 'Low', declineReason: 'Did not show enough local need', feedback: 'More evidence please' })).status).toBe(302)

    const preview = await (await call(releaseLoader, url, panel.manager.id, params(panel))).json()
    expect(preview.preview).toMatchObject({ missing: [], counts: { recommended: 1, reserve: 1, declined: 1 }, emails: 3 })
    const released = await call(releaseAction, url, panel.manager.id, params(panel), {})
    expect(released.status).toBe(302)
    const statuses = await db.selectFrom('applications').select('status').where('round_id', '=', panel.roundId).orderBy('id').execute()
    expect(statuses.map((s) => s.status)).toEqual(['successful', 'reserve', 'unsuccessful'])
    const emails = await db.selectFrom('outbox_messages').select(['template', 'body_text']).where('to_address', 'in', panel.bids.map((b) => b.admin.email)).where('template', 'like', 'decision-%').orderBy('id').execute()
    expect(emails.map((e) => e.template)).toEqual(['decision-successful', 'decision-reserve', 'decision-unsuccessful'])
    expect(emails[2]!.body_text).toContain('More evidence please')
    // Locked: a further change is refused.
    expect((await decide(1, { status: 'recommended', rationale: 'Changed' })).status).toBe(409)
  })
})

describe('the panel pack and minutes', () => {
  test('the pack PDF names every bid with its moderated score and each assessor’s score and comments', async () => {
    const panel = await scoredPanel()
    await assignRaw(db, panel.bids[1]!.applicationId, panel.chair.id, 'conflict')
    const response = await call(packLoader, `/panel/${panel.roundId}/pack.pdf`, panel.chair.id, params(panel))
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toBe('application/pdf')
    const text = await pdfText(response)
    const { page } = await (await call(listLoader, `/panel/${panel.roundId}`, panel.chair.id, params(panel))).json()
    for (const row of page.rows as { reference: string; score: string }[]) {
      expect(text).toContain(row.reference)
      expect(text).toContain(row.score)
    }
    expect(text).toContain('Assessor 1')
    expect(text).toContain('Comment from Assessor 2 on bid 3')
    expect(text).toContain('Conflicts of interest declared')
    expect(text).toContain('Chair Person')
    expect(text).toContain('£100,000.00')
  })

  test('the minutes name the attendees, the conflicts and each change to the accepted proposal with its reason', async () => {
    const panel = await scoredPanel()
    const [a, b, c] = panel.bids.map((x) => x.applicationId) as [number, number, number]
    const carol = await createUserWithRole(db, 'assessor', { name: 'Conflicted Carol' })
    await assignRaw(db, c, carol.id, 'conflict')
    const run = await db
      .insertInto('optimiser_runs')
      .values({
        round_id: panel.roundId,
        status: 'proposed',
        inputs: JSON.stringify({ budgetPence: 10_000_000, bids: [a, b, c].map((id) => ({ id, label: String(id), scoreMilli: 1, amountPence: 2_500_000, placeId: null, placeName: null })), sources: null, placeLimits: [] }),
        inputs_sha256: 'f'.repeat(64),
        selected: JSON.stringify([a, b]),
        created_by: panel.chair.id,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await db.transaction().execute((trx) => acceptProposal(trx, panel.chair.id, { runId: run.id, overrides: [{ applicationId: c, status: 'recommended', reason: 'Only bid reaching the estate' }] }))
    const saved = await call(minutesAction, `/panel/${panel.roundId}/minutes`, panel.chair.id, params(panel), {
      panelHeldOn: '2027-02-14',
      'attendees[0].name': 'Chair Person',
      'attendees[0].role': 'Chair',
      'attendees[1].name': 'Observer Olu',
      'attendees[1].role': 'Observer',
    })
    expect(saved.status).toBe(302)
    const page = await (await call(minutesPageLoader, `/panel/${panel.roundId}/minutes`, panel.chair.id, params(panel))).json()
    expect(page.overrides).toEqual([{ reference: panel.bids[2]!.reference, title: expect.any(String), proposedStatus: 'reserve', status: 'recommended', reason: 'Only bid reaching the estate' }])

    const text = await pdfText(await call(minutesLoader, `/panel/${panel.roundId}/minutes.pdf`, panel.chair.id, params(panel)))
    expect(text).toContain('Observer Olu')
    expect(text).toContain('14 February 2027')
    expect(text).toContain('Conflicted Carol')
    expect(text).toContain(panel.bids[2]!.reference)
    expect(text).toContain('Only bid reaching the estate')
    expect(text.replace(/\s+/g, ' ')).toContain('Recommended for funding')
  })

  test('an attendee without a role is refused next to the field', async () => {
    const panel = await scoredPanel()
    const response = await call(minutesAction, `/panel/${panel.roundId}/minutes`, panel.chair.id, params(panel), { 'attendees[0].name': 'Someone', 'attendees[0].role': '' })
    expect(response.status).toBe(400)
    expect((await response.json()).error).toMatchObject({ 'attendees[0].role': ['Enter Someone’s role at the panel'] })
  })
})

describe('the optimiser page', () => {
  test('proposes, shows the proposal beside fund down the list, and accepts it with one override that needs a reason', async () => {
    const panel = await scoredPanel()
    const url = `/panel/${panel.roundId}/optimiser`
    await db.updateTable('rounds').set({ budget_pence: 5_000_000 }).where('id', '=', panel.roundId).execute()
    expect((await call(optimiserAction, url, panel.assessors[0]!.id, params(panel), { intent: 'run' })).status).toBe(403)
    expect((await call(optimiserAction, url, panel.chair.id, params(panel), { intent: 'run' })).status).toBe(302)
    const page = await (await call(optimiserLoader, url, panel.chair.id, params(panel))).json()
    const [a, b, c] = panel.bids.map((x) => x.applicationId)
    expect(page.run).toMatchObject({ status: 'proposed', totalPence: 5_000_000 })
    expect(page.run.explanation.length).toBeGreaterThan(0)
    expect(page.bids.map((x: { applicationId: number; optimiser: boolean; greedy: boolean }) => [x.applicationId, x.optimiser, x.greedy])).toEqual([
      [a, true, true],
      [b, true, true],
      [c, false, false],
    ])
    const rows = {
      intent: 'accept',
      runId: String(page.run.id),
      'overrides[0].applicationId': String(a),
      'overrides[0].status': '',
      'overrides[1].applicationId': String(b),
      'overrides[1].status': '',
      'overrides[2].applicationId': String(c),
      'overrides[2].status': 'recommended',
    }
    const refused = await call(optimiserAction, url, panel.chair.id, params(panel), rows)
    expect(refused.status).toBe(400)
    expect((await refused.json()).error).toMatchObject({ 'overrides[2].reason': [`Give a reason for changing ${panel.bids[2]!.reference} from the proposal`] })
    expect(await db.selectFrom('panel_decisions').select('id').where('round_id', '=', panel.roundId).execute()).toHaveLength(0)

    const accepted = await call(optimiserAction, url, panel.chair.id, params(panel), { ...rows, 'overrides[2].reason': 'Reaches the estate nobody else does' })
    expect(accepted.status).toBe(302)
    expect(accepted.headers.get('Location')).toBe(`/panel/${panel.roundId}`)
    const decisions = await db.selectFrom('panel_decisions').select(['application_id', 'status', 'proposed_status', 'override_reason']).where('round_id', '=', panel.roundId).orderBy('application_id').execute()
    expect(decisions).toEqual([
      { application_id: a, status: 'recommended', proposed_status: 'recommended', override_reason: null },
      { application_id: b, status: 'recommended', proposed_status: 'recommended', override_reason: null },
      { application_id: c, status: 'recommended', proposed_status: 'reserve', override_reason: 'Reaches the estate nobody else does' },
    ])
  })

  test('a place limit is saved; a maximum below the minimum is refused', async () => {
    const panel = await scoredPanel()
    const url = `/panel/${panel.roundId}/optimiser`
    const placeId = String(panel.bids[0]!.placeId)
    const bad = await call(optimiserAction, url, panel.chair.id, params(panel), { intent: 'limit', placeId, min: '£30,000', max: '£10,000' })
    expect(bad.status).toBe(400)
    // The message comes back for that place's maximum field, to be shown beside it.
    expect(await bad.json()).toEqual({ limitPlaceId: Number(placeId), fieldErrors: { max: ['The maximum must be at least the minimum'] } })
    const nonsense = await call(optimiserAction, url, panel.chair.id, params(panel), { intent: 'limit', placeId, min: 'lots', max: '-5' })
    expect(nonsense.status).toBe(400)
    const { fieldErrors } = (await nonsense.json()) as { fieldErrors: { min?: string[]; max?: string[] } }
    expect(fieldErrors.min?.[0]).toMatch(/minimum/i)
    expect(fieldErrors.max?.[0]).toMatch(/maximum/i)
    expect(await db.selectFrom('round_place_limits').select('id').where('round_id', '=', panel.roundId).execute()).toEqual([])
    expect((await call(optimiserAction, url, panel.chair.id, params(panel), { intent: 'limit', placeId, min: '', max: '£40,000' })).status).toBe(302)
    const page = await (await call(optimiserLoader, url, panel.chair.id, params(panel))).json()
    expect(page.limits).toEqual([expect.objectContaining({ placeId: panel.bids[0]!.placeId, minPence: null, maxPence: 4_000_000 })])
  })
})

describe('the demo seed for the panel meeting', () => {
  test('runs the optimiser, accepts it with one override and its reason, and records attendees without releasing', async () => {
    const panel = await scoredPanel()
    await db.updateTable('rounds').set({ budget_pence: 5_000_000 }).where('id', '=', panel.roundId).execute()
    const result = await db.transaction().execute((trx) => seedPanelDecisions(trx, { roundId: panel.roundId, chairUserId: panel.chair.id, managerUserId: panel.manager.id, heldOn: '2027-02-14' }))
    expect(result).toMatchObject({ decided: 3, overridden: 1 })
    const overridden = await db.selectFrom('panel_decisions').select(['application_id', 'override_reason']).where('round_id', '=', panel.roundId).where('override_reason', 'is not', null).execute()
    expect(overridden).toEqual([{ application_id: panel.bids[2]!.applicationId, override_reason: DEMO_OVERRIDE_REASON }])
    const attendees = await db.selectFrom('panel_attendees').select(['name', 'role']).where('round_id', '=', panel.roundId).orderBy('id').execute()
    expect(attendees[0]).toEqual({ name: 'Chair Person', role: 'Chair' })
    expect(attendees.map((x) => x.name)).toEqual(expect.arrayContaining(['Fund Manager', 'Assessor 1', 'Assessor 2']))
    const round = await db.selectFrom('rounds').select(['decisions_released_at', 'panel_held_on']).where('id', '=', panel.roundId).executeTakeFirstOrThrow()
    expect(round).toEqual({ decisions_released_at: null, panel_held_on: '2027-02-14' })
    // Running it again changes nothing.
    expect(await db.transaction().execute((trx) => seedPanelDecisions(trx, { roundId: panel.roundId, chairUserId: panel.chair.id, managerUserId: panel.manager.id }))).toMatchObject({ decided: 0 })
  })
})
