/**
 * Configuration, read once from the environment. Every variable is listed in the README's configuration table.
 * Domain code never reads this: routes and lib pass what the domain needs.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { z } from 'zod'

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value)

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().positive().default(3000),
  DATA_DIR: z.string().default('data'),
  DATABASE_PATH: z.string().optional(),
  DATABASE_URL: z.string().optional(),
  SESSION_SECRET: z.string().min(32).optional(),
  SEED_DEMO: z.enum(['true', 'false']).default('true'),
  SMTP_URL: z.string().optional(),
  MAIL_FROM: z.string().default('Commonpot <no-reply@commonpot.local>'),
  APP_URL: z.string().url().optional(),
  TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  SECURE_COOKIES: z.enum(['true', 'false']).optional(),
  // Public donations through Stripe Checkout; unset (or empty) turns donations off. STRIPE_API_BASE points the SDK
  // at a Stripe-shaped server (tests use tests/fakes/stripe-server.ts).
  STRIPE_SECRET_KEY: z.preprocess(emptyToUndefined, z.string().optional()),
  STRIPE_WEBHOOK_SECRET: z.preprocess(emptyToUndefined, z.string().optional()),
  STRIPE_API_BASE: z.preprocess(emptyToUndefined, z.string().url().optional()),
})

export type Env = z.infer<typeof EnvSchema> & { sessionSecret: string; secureCookies: boolean }

let cached: Env | undefined

export function env(): Env {
  if (cached) return cached
  const parsed = EnvSchema.parse(process.env)
  cached = {
    ...parsed,
    sessionSecret: parsed.SESSION_SECRET ?? sessionSecretFromDataDir(parsed.DATA_DIR),
    secureCookies: parsed.SECURE_COOKIES ? parsed.SECURE_COOKIES === 'true' : parsed.NODE_ENV === 'production' && !!parsed.APP_URL?.startsWith('https:'),
  }
  return cached
}

/**
 * With no SESSION_SECRET set, the quick start needs no configuration: a random secret is created once in the data
 * folder with owner-only permissions and reused on every start, so sessions survive restarts.
 */
function sessionSecretFromDataDir(dataDir: string): string {
  const file = path.join(dataDir, 'session-secret')
  try {
    const existing = fs.readFileSync(file, 'utf8').trim()
    if (existing.length >= 32) return existing
  } catch {
    // not there yet
  }
  fs.mkdirSync(dataDir, { recursive: true })
  const secret = crypto.randomBytes(32).toString('hex')
  try {
    fs.writeFileSync(file, secret, { mode: 0o600, flag: 'wx' })
    return secret
  } catch {
    // Another process created it first: use theirs.
    return fs.readFileSync(file, 'utf8').trim()
  }
}

/** For tests that change the environment between cases. */
export function resetEnvForTests(): void {
  cached = undefined
}

/** The public base URL for links in emails: APP_URL when set, otherwise the origin the request came to. */
export function appOrigin(request: Request): string {
  const configured = env().APP_URL
  return configured ? new URL(configured).origin : new URL(request.url).origin
}
