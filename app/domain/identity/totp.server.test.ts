import { describe, expect, test } from 'vitest'
import { currentTotpCode, isValidTotpCode, totpFor } from './totp.server.ts'

// Fixed secrets and times, so every code below is known and the test is the same on every run.
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'
// Base32 of the ASCII "12345678901234567890", the secret in RFC 6238's test vectors.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'
const NOW = Date.parse('2026-11-21T10:00:15Z')

describe('TOTP codes', () => {
  test('the authenticator URI names Commonpot as issuer and the email address as the account', () => {
    expect(totpFor(SECRET, 'ann@example.org').toString()).toBe(
      `otpauth://totp/Commonpot:ann%40example.org?issuer=Commonpot&secret=${SECRET}&algorithm=SHA1&digits=6&period=30`,
    )
  })

  test('codes match RFC 6238 (SHA-1, 6 digits, 30 seconds)', () => {
    // RFC 6238 appendix B: at T = 59 s the SHA-1 code is 94287082 (8 digits); a 6-digit code is its last six.
    expect(currentTotpCode(RFC_SECRET, 59_000)).toBe('287082')
  })

  test('the current code and the codes one step either side are accepted; two steps away is not', () => {
    const codes = [-60_000, -30_000, 0, 30_000].map((d) => currentTotpCode(SECRET, NOW + d))
    expect(new Set(codes).size).toBe(4)
    const [twoStepsAgo, oneStepAgo, current, oneStepAhead] = codes
    expect(isValidTotpCode(SECRET, current, NOW)).toBe(true)
    expect(isValidTotpCode(SECRET, oneStepAgo, NOW)).toBe(true)
    expect(isValidTotpCode(SECRET, oneStepAhead, NOW)).toBe(true)
    expect(isValidTotpCode(SECRET, twoStepsAgo, NOW)).toBe(false)
  })

  test('a code for a different secret is refused', () => {
    const code = currentTotpCode(RFC_SECRET, NOW)
    expect([-30_000, 0, 30_000].map((d) => currentTotpCode(SECRET, NOW + d))).not.toContain(code)
    expect(isValidTotpCode(SECRET, code, NOW)).toBe(false)
  })
})
