import { describe, expect, test } from 'vitest'
import { EmailSchema, newPasswordSchema, safeRedirect, TotpCodeSchema } from './validation.ts'

describe('redirects after sign-in', () => {
  test.each(['/home', '/applications/12?tab=scores', '/account/two-factor'])('the same-site path %s is followed', (to) => {
    expect(safeRedirect(to)).toBe(to)
  })

  test.each(['//evil.example', 'https://evil.example/', 'home', '/\\evil.example', '/\t/evil.example', '', null, undefined])(
    'anything else (%j) goes to /home instead',
    (to) => {
      expect(safeRedirect(to)).toBe('/home')
    },
  )
})

describe('form rules', () => {
  test('email addresses are trimmed and lower-cased', () => {
    expect(EmailSchema.parse('  Ann.Other@Example.ORG ')).toBe('ann.other@example.org')
    expect(EmailSchema.safeParse('not an email').success).toBe(false)
  })

  test('a new password needs 12 to 200 characters, and the message names the field', () => {
    const schema = newPasswordSchema('New password')
    expect(schema.safeParse('x'.repeat(11)).error?.issues[0].message).toBe('New password must be 12 characters or more')
    expect(schema.safeParse('x'.repeat(201)).error?.issues[0].message).toBe('New password must be 200 characters or fewer')
    expect(schema.safeParse('x'.repeat(12)).success).toBe(true)
  })

  test('an authenticator code is 6 digits, with spaces ignored', () => {
    expect(TotpCodeSchema.parse('123 456')).toBe('123456')
    expect(TotpCodeSchema.safeParse('12345').success).toBe(false)
    expect(TotpCodeSchema.safeParse('12345a').success).toBe(false)
  })
})
