/** The app under test, reached over plain HTTP (for what a browser cannot show: headers, refused requests). */
import crypto from 'node:crypto'
import { journeyEnvironment } from './provided.ts'

/** An absolute URL on the app under test, e.g. `appUrl('/login')`. */
export function appUrl(path: string): string {
  return new URL(path, journeyEnvironment().baseUrl).toString()
}

/** The app's own origin, e.g. http://127.0.0.1:41234 (what a same-origin form sends as its Origin header). */
export function appOrigin(): string {
  return new URL(journeyEnvironment().baseUrl).origin
}

/** The engine the app under test runs on. */
export function engineUnderTest(): 'sqlite' | 'postgres' {
  return journeyEnvironment().engine
}

/** `fetch` against the app, without following redirects (so a test sees the 302 and its Location). */
export function fetchApp(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(appUrl(path), { redirect: 'manual', ...init })
}

/**
 * An email address no other test uses. Journeys share one database for the whole run, so anything a test creates
 * (people, organisations) must be unique to it.
 */
export function uniqueEmail(label = 'person'): string {
  return `${label}-${crypto.randomBytes(5).toString('hex')}@example.org`
}
