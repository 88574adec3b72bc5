/**
 * What each demo role sees when it signs in: its own home page, with a section for each of its roles and none for the
 * roles it does not hold; the administration pages refuse everyone but administrators; and the home page asks
 * anyone not signed in to sign in. Finance officers and the administrator pass two-factor authentication first, with
 * codes worked out from their secrets in the journey database.
 */
import type { Page } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import { currentTotpCode } from '../../app/domain/identity/totp.server.ts'
import { DEMO_DOMAIN, DEMO_PASSWORD } from '../../db/seed/demo.ts'
import { heading, landOn, newPage, pathAndQuery, submit, totpSecretOf, visit } from './support/journey.ts'

/** The second-level headings of the home page's sections, one per kind of work. */
const SECTIONS = ['Your organisation', 'Your assessments', 'Your panel work', 'Funds you manage', 'Finance', 'Your money', 'Administration'] as const
type Section = (typeof SECTIONS)[number]

interface RoleHome {
  account: string
  name: string
  twoFactor: boolean
  /** The "You are signed in as: ..." line. */
  roles: string
  sections: Section[]
  /** Text the home page must show (names from the demo data). */
  shows: string[]
  /** Anything more to check on this role's home page. */
  check?: (page: Page) => Promise<void>
}

const HOMES: RoleHome[] = [
  { account: 'applicant', name: 'Amira Khan', twoFactor: false, roles: 'Applicant', sections: ['Your organisation'], shows: ['Wandle Valley Dementia Choir', 'Your applications'] },
  {
    account: 'orgadmin',
    name: 'Grace Okafor',
    twoFactor: false,
    roles: 'Applicant, Organisation admin',
    sections: ['Your organisation'],
    shows: ['Wandle Valley Dementia Choir', '(you are an admin)', 'Invite colleagues and manage members'],
  },
  { account: 'assessor', name: 'Priya Patel', twoFactor: false, roles: 'Assessor', sections: ['Your assessments'], shows: ['Bids to score'] },
  { account: 'chair', name: 'David Mensah', twoFactor: false, roles: 'Assessor, Panel chair', sections: ['Your panel work'], shows: ['Bids to score'] },
  {
    account: 'manager',
    name: 'Helen Carter',
    twoFactor: false,
    roles: 'Fund manager',
    sections: ['Funds you manage'],
    shows: ['Thriving Communities Fund', 'Power of Music Fund'],
    check: async (page) => {
      const table = page.getByRole('region', { name: 'Funds you manage' }).getByRole('table')
      for (const fund of ['Thriving Communities Fund', 'Power of Music Fund']) {
        expect(await table.getByRole('row').filter({ has: page.getByRole('cell', { name: fund, exact: true }) }).count(), `${fund} row`).toBe(1)
      }
    },
  },
  { account: 'finance', name: 'Sam Rowe', twoFactor: true, roles: 'Finance officer', sections: ['Finance'], shows: ['Payments due', 'Bank details to verify'] },
  { account: 'finance2', name: 'Jo Lee', twoFactor: true, roles: 'Finance officer', sections: ['Finance'], shows: ['Payments due', 'Bank details to verify'] },
  {
    account: 'funder',
    name: 'Nadia Hussain',
    twoFactor: false,
    roles: 'Funder viewer',
    sections: ['Your money'],
    shows: ['NHS South West London Integrated Care Board'],
    check: async (page) => {
      const money = page.getByRole('region', { name: 'Your money' })
      expect(await money.getByRole('heading', { level: 3 }).allInnerTexts()).toEqual(['NHS South West London Integrated Care Board'])
    },
  },
  { account: 'admin', name: 'Alex Morgan', twoFactor: true, roles: 'Administrator', sections: ['Administration'], shows: ['People with accounts', 'Go to administration'] },
]

describe('each demo role signs in to its own home page', () => {
  for (const home of HOMES) {
    test(`${home.account}@ (${home.roles}) sees ${home.sections.join(' and ')} and no other role's section`, async () => {
      const page = await signInAs(home.account)
      expect(await heading(page)).toBe(`Welcome, ${home.name}`)
      const main = page.locator('main')
      expect(await main.innerText()).toContain(`You are signed in as: ${home.roles}.`)
      for (const section of SECTIONS) {
        const shown = await main.getByRole('heading', { level: 2, name: section, exact: true }).count()
        expect(shown, `the "${section}" section`).toBe(home.sections.includes(section) ? 1 : 0)
      }
      for (const text of home.shows) expect(await main.innerText()).toContain(text)
      await home.check?.(page)
    })
  }
})

describe('administration is for administrators', () => {
  for (const account of ['manager', 'finance']) {
    test(`${account}@ asking for /admin gets the "no permission" page`, async () => {
      const page = await signInAs(account)
      expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Administration' }).count()).toBe(0)
      for (const adminPage of ['/admin', '/admin/users', '/admin/audit']) {
        await visit(page, adminPage, { status: 403 })
        expect(await heading(page)).toBe('You do not have permission to see this page')
      }
    })
  }

  test('the administrator reaches the administration page from the navigation', async () => {
    const page = await signInAs('admin')
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Administration' }).click()
    await landOn(page, '/admin')
    expect(await heading(page)).toBe('Administration')
    for (const card of ['Users', 'Outbox', 'Audit trail']) expect(await page.getByRole('link', { name: card, exact: true }).count()).toBe(1)
  })
})

test('someone not signed in who asks for the home page is asked to sign in, and comes back to it', async () => {
  const page = await newPage()
  await visit(page, '/home')
  expect(pathAndQuery(page)).toBe('/login?redirectTo=%2Fhome')
  expect(await heading(page)).toBe('Sign in')

  await page.getByLabel('Email address', { exact: true }).fill(`applicant@${DEMO_DOMAIN}`)
  await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD)
  await submit(page, 'Sign in')
  await landOn(page, '/home')
  expect(await heading(page)).toBe('Welcome, Amira Khan')
})

/** Signs in as a demo account (passing two-factor where it is on) and waits for the home page. */
async function signInAs(account: string): Promise<Page> {
  const email = `${account}@${DEMO_DOMAIN}`
  const page = await newPage()
  await visit(page, '/login')
  await page.getByLabel('Email address', { exact: true }).fill(email)
  await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD)
  await submit(page, 'Sign in')
  if (HOMES.find((h) => h.account === account)?.twoFactor) {
    await landOn(page, '/login/two-factor?redirectTo=%2Fhome')
    await page.getByLabel('Code from your authenticator app', { exact: true }).fill(currentTotpCode(await totpSecretOf(email)))
    await submit(page, 'Continue')
  }
  await landOn(page, '/home')
  return page
}
