/**
 * Real HTTP against the built server (support/server.ts) for the race and crash proofs: a signed-in person's session
 * cookie (second factor passed, made in this file's database as tests/factories/sessions.ts does) and same-origin form
 * posts that do not follow redirects, so a test sees what a browser's form post was answered.
 *
 *   const cookie = await sessionCookie(financeId)
 *   const res = await postForm(app, `/finance/payment-runs/${runId}`, cookie, { intent: 'approve' })
 *   res.status   // 302 approved, 409 "This payment run has already been approved."
 */
import { signedInRequest } from '../../factories/sessions.ts'
import type { RunningApp } from './server.ts'

/** A fresh session cookie ("name=value") for the user, two-factor passed. */
export async function sessionCookie(userId: number): Promise<string> {
  const request = await signedInRequest('/', { userId })
  return request.headers.get('Cookie')!
}

export interface Answer {
  status: number
  /** Where a redirect sends the browser (null when it is not one). */
  location: string | null
  body: string
}

/** POSTs a form (urlencoded, or multipart for FormData) from the app's own origin, as a browser would. */
export async function postForm(app: Pick<RunningApp, 'baseUrl'>, path: string, cookie: string, body: Record<string, string> | URLSearchParams | FormData, signal?: AbortSignal): Promise<Answer> {
  const res = await fetch(`${app.baseUrl}${path}`, {
    method: 'POST',
    headers: { Cookie: cookie, Origin: app.baseUrl },
    body: body instanceof FormData || body instanceof URLSearchParams ? body : new URLSearchParams(body),
    redirect: 'manual',
    signal,
  })
  return { status: res.status, location: res.headers.get('location'), body: await res.text() }
}

/** A redirect (the post/redirect/get of a form that worked). */
export function isRedirect(status: number): boolean {
  return status === 302 || status === 303
}
