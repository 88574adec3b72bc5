/**
 * Password hashing: Argon2id with the OWASP Password Storage Cheat Sheet's first recommended parameters (19 MiB of
 * memory, 2 passes, 1 lane). The PHC string stored in users.password_hash carries its own salt and parameters, so the
 * cost can be raised later without invalidating existing hashes.
 */
import { hash, verify, type Algorithm, type Options } from '@node-rs/argon2'
import { PasswordRuleError } from './errors.ts'
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './validation.ts'

// `Algorithm` is an ambient const enum, which isolated modules cannot read: 2 is its Argon2id member.
const ARGON2ID = 2 as Algorithm

export const ARGON2_OPTIONS: Options = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 }

/** The same length rule the forms apply, enforced again here for callers that bypass a form (seeds, scripts). */
export function assertPasswordAllowed(password: string, field = 'password'): void {
  if (password.length < PASSWORD_MIN_LENGTH) throw new PasswordRuleError(`Password must be ${PASSWORD_MIN_LENGTH} characters or more`, field)
  if (password.length > PASSWORD_MAX_LENGTH) throw new PasswordRuleError(`Password must be ${PASSWORD_MAX_LENGTH} characters or fewer`, field)
}

export async function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS)
}

/** True when the password matches the stored hash; false for a mismatch or a malformed hash (never throws on those). */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password, ARGON2_OPTIONS)
  } catch {
    return false
  }
}

let dummyHash: Promise<string> | undefined

/**
 * Spends the same time as checking a real password, for sign-in attempts on an email address with no account (or no
 * password yet), so response times do not reveal which addresses are registered.
 */
export async function verifyDummyPassword(password: string): Promise<false> {
  dummyHash ??= hashPassword('commonpot-timing-equaliser-not-a-real-password')
  await verifyPassword(await dummyHash, password)
  return false
}
