/**
 * What the browser journeys' global setup hands to every test file (vitest `provide` in global-setup.ts, `inject` in
 * the helpers). Global setup runs in vitest's main process and test files in workers, so everything here is plain data:
 * URLs and file paths.
 */
import { inject } from 'vitest'

export interface JourneyEnvironment {
  /** The built app under test, e.g. http://127.0.0.1:41234 (no trailing slash). */
  baseUrl: string
  /** The engine the app under test runs on (what /healthz must report). */
  engine: 'sqlite' | 'postgres'
  /** The database the app under test uses, as createDatabase's options (a PostgreSQL URL or a SQLite file). */
  database: { url?: string; path?: string }
  /** The SMTP sink the app sends through (smtp://127.0.0.1:PORT). */
  smtpUrl: string
  /** A loopback HTTP endpoint listing the messages the SMTP sink has received, as JSON (see global-setup.ts). */
  mailboxUrl: string
  /** The server's stdout and stderr, interleaved. */
  serverLog: string
  /** The server's stderr only: anything written here during a test fails that test (see setup-journey.ts). */
  serverStderrLog: string
}

declare module 'vitest' {
  export interface ProvidedContext {
    journey: JourneyEnvironment
  }
}

export function journeyEnvironment(): JourneyEnvironment {
  const provided = inject('journey')
  if (!provided) throw new Error('The browser journeys need their global setup: run them with `npm run test:e2e`.')
  return provided
}
