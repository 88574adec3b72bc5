/**
 * Rules for identity forms, shared by the browser (Conform validates as you type when JavaScript is on) and the server.
 * For passwords, length is the rule (NIST SP 800-63B): at least 12 characters, at most 200 so hashing stays cheap, and
 * no composition rules.
 */
import { z } from 'zod'

export const PASSWORD_MIN_LENGTH = 12
export const PASSWORD_MAX_LENGTH = 200

export const PASSWORD_HINT = `Use at least ${PASSWORD_MIN_LENGTH} characters (up to ${PASSWORD_MAX_LENGTH}). A few unrelated words together make a strong password.`

/** A new password, with messages that name the field as the person sees it ("Password", "New password"). */
export function newPasswordSchema(fieldLabel = 'Password') {
  return z
    .string({ required_error: `Enter a ${fieldLabel.toLowerCase()}` })
    .min(PASSWORD_MIN_LENGTH, `${fieldLabel} must be ${PASSWORD_MIN_LENGTH} characters or more`)
    .max(PASSWORD_MAX_LENGTH, `${fieldLabel} must be ${PASSWORD_MAX_LENGTH} characters or fewer`)
}

/** An email address as typed: trimmed and lower-cased before it is checked or stored. */
export const EmailSchema = z
  .string({ required_error: 'Enter your email address' })
  .trim()
  .toLowerCase()
  .max(254, 'Email address must be 254 characters or fewer')
  .email('Enter an email address in the correct format, like name@example.com')

/**
 * Only same-site paths are followed after sign-in: "/x", never "//evil.example", "https://..." or a path hiding a
 * backslash or control character (browsers read "/\evil.example" and "/\t/evil.example" as another host).
 */
export function safeRedirect(to: FormDataEntryValue | null | undefined, fallback = '/home'): string {
  if (typeof to !== 'string' || !to.startsWith('/') || to.startsWith('//')) return fallback
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f]/.test(to)) return fallback
  return to
}

/** A 6-digit code from an authenticator app; spaces are ignored ("123 456" is how many apps show it). */
export const TotpCodeSchema = z
  .string({ required_error: 'Enter the code from your authenticator app' })
  .transform((value) => value.replace(/\s+/g, ''))
  .pipe(z.string().regex(/^\d{6}$/, 'The code must be 6 digits'))
