import { parseOptions } from '@node-rs/argon2'
import { describe, expect, test } from 'vitest'
import { PasswordRuleError } from './errors.ts'
import { assertPasswordAllowed, hashPassword, verifyDummyPassword, verifyPassword } from './passwords.server.ts'

describe('password hashing', () => {
  test('a password is stored as an Argon2id hash with the OWASP parameters and its own salt', async () => {
    const hash = await hashPassword('correct horse battery staple')
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    expect(parseOptions(hash)).toMatchObject({ memoryCost: 19456, timeCost: 2, parallelism: 1 })
    expect(hash).not.toContain('correct horse')
    expect(await hashPassword('correct horse battery staple')).not.toBe(hash)
  })

  test('the right password verifies and a wrong one does not', async () => {
    const hash = await hashPassword('correct horse battery staple')
    expect(await verifyPassword(hash, 'correct horse battery staple')).toBe(true)
    expect(await verifyPassword(hash, 'correct horse battery stapler')).toBe(false)
    expect(await verifyPassword(hash, '')).toBe(false)
  })

  test('a malformed stored hash fails to verify rather than throwing', async () => {
    expect(await verifyPassword('not-a-hash', 'anything at all here')).toBe(false)
  })

  test('the dummy check used for unknown accounts always fails', async () => {
    expect(await verifyDummyPassword('commonpot-timing-equaliser-not-a-real-password')).toBe(false)
  })

  test('passwords shorter than 12 or longer than 200 characters are refused', () => {
    expect(() => assertPasswordAllowed('elevenchars')).toThrow(PasswordRuleError)
    expect(() => assertPasswordAllowed('x'.repeat(201))).toThrow('200 characters or fewer')
    expect(() => assertPasswordAllowed('twelve chars')).not.toThrow()
    expect(() => assertPasswordAllowed('x'.repeat(200))).not.toThrow()
  })
})
