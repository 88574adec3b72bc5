import { describe, expect, test } from 'vitest'
import { context, createPerson, get, respond, sessionFor } from '~/domain/identity/test-support.server.ts'
import { loader } from './account._index.tsx'

describe('the account page', () => {
  test('shows name, email, role labels and whether two-factor is on', async () => {
    const person = await createPerson({ role: 'fund_manager' })
    const { cookie } = await sessionFor(person.id)
    const response = await respond(() => loader({ request: get('/account', { cookie }), params: {}, context: context() }))
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({
      name: 'Sam Example',
      email: person.email,
      roles: ['Fund manager'],
      twoFactorRequired: false,
      hasPassword: true,
      totpEnabledAt: null,
    })
  })

  test('someone signed out is sent to sign in', async () => {
    const response = await respond(() => loader({ request: get('/account'), params: {}, context: context() }))
    expect(response.headers.get('Location')).toBe('/login?redirectTo=%2Faccount')
  })
})
