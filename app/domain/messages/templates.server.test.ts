import Mustache from 'mustache'
import { describe, expect, test } from 'vitest'
import { EmailTemplateDataError, renderEmail, type EmailData, type EmailTemplate } from './templates.server.ts'

/** Every template with the data its callers pass. Adding a template without adding it here fails the type check. */
const EXAMPLES: Record<EmailTemplate, EmailData> = {
  welcome: { name: 'Ada Lovelace', signInUrl: 'https://commonpot.example/login' },
  'password-reset': { name: 'Ada Lovelace', resetUrl: 'https://commonpot.example/reset-password?token=abc&x=1', expiresInMinutes: 60 },
  'password-changed': { name: 'Ada Lovelace' },
  'two-factor-enabled': { name: 'Ada Lovelace' },
  'organisation-invitation': {
    organisationName: 'Hackney Food Hub',
    inviterName: 'Grace Hopper',
    acceptUrl: 'https://commonpot.example/invitations/xyz',
    expiresInDays: 7,
  },
  'application-submitted': {
    name: 'Ada Lovelace',
    organisationName: 'Hackney Food Hub',
    reference: 'TCF-2026-00042',
    roundTitle: 'Thriving Communities 2026/27',
    submittedAt: '12:00 on Friday 8 January 2027',
    outcome: 'The panel will decide by March.',
  },
  'application-invited': { organisationName: 'Hackney Food Hub', eoiReference: 'TCF-2026-00041', reference: 'TCF-2026-00042', roundTitle: 'Thriving Communities 2026/27' },
  'application-declined': { organisationName: 'Hackney Food Hub', reference: 'TCF-2026-00042', roundTitle: 'Thriving Communities 2026/27', reason: 'The panel chose bids closer to the aims.' },
  'decision-successful': { organisationName: 'Hackney Food Hub', title: 'Lunch club', reference: 'TCF-2026-00042', roundTitle: 'Thriving Communities 2026/27', amount: '£25,000.00', feedback: 'A strong plan.' },
  'decision-reserve': { organisationName: 'Hackney Food Hub', title: 'Lunch club', reference: 'TCF-2026-00042', roundTitle: 'Thriving Communities 2026/27', feedback: 'Close to the line.' },
  'decision-unsuccessful': { organisationName: 'Hackney Food Hub', title: 'Lunch club', reference: 'TCF-2026-00042', roundTitle: 'Thriving Communities 2026/27', reason: 'Did not show enough local need', feedback: 'Say more about who comes.' },
  'offer-made': { organisationName: 'Hackney Food Hub', fundName: 'Healthy Communities', roundTitle: 'Thriving Communities 2026/27', amount: '£25,000.00', awardReference: 'TCF-2026-00042-AWD', respondBy: '8 January 2027', offerUrl: 'https://commonpot.example/awards/7' },
  'payment-failed': { reference: 'TCF-2026-00042/1', amount: '£2,000.00', organisationName: 'Hackney Food Hub', reason: 'Account closed (ARUCS code 2)', link: 'https://commonpot.example/finance/payments' },
  'remittance-advice': {
    amount: '£2,000.00',
    awardReference: 'TCF-2026-00042-AWD',
    projectTitle: 'Lunch club',
    organisationName: 'Hackney Food Hub',
    reference: 'TCF-2026-00042/1',
    paidOn: '2026-11-21',
    paidTo: 'the bank account ending 5678',
    paidSoFar: '£2,000.00',
    awardAmount: '£6,000.00',
    fundName: 'Healthy Communities',
    link: 'https://commonpot.example/awards/7/remittance/3.pdf',
  },
  'bank-details-changed': { name: 'Ada Lovelace', organisationName: 'Hackney Food Hub', changedBy: 'Grace Hopper', accountName: 'Hackney Food Hub', sortCode: '30-94-57', accountNumberMasked: '••••5678' },
  'return-submitted': { organisationName: 'Hackney Food Hub', periodLabel: 'Year 1', awardReference: 'TCF-2026-00042-AWD', version: 2, link: 'https://commonpot.example/manage/returns/7' },
  'return-changes-requested': { organisationName: 'Hackney Food Hub', periodLabel: 'Year 1', awardReference: 'TCF-2026-00042-AWD', comments: 'Please add the spend on the venue.', link: 'https://commonpot.example/awards/7/returns/9' },
  'return-accepted': { organisationName: 'Hackney Food Hub', periodLabel: 'Year 1', awardReference: 'TCF-2026-00042-AWD', paymentNote: 'A payment that was waiting for this return can now be paid when it is due.', link: 'https://commonpot.example/awards/7' },
  'return-due-soon': { organisationName: 'Hackney Food Hub', periodLabel: 'Final', awardReference: 'TCF-2026-00042-AWD', dueDate: '8 January 2027', link: 'https://commonpot.example/awards/7/returns/9' },
  'return-overdue': { organisationName: 'Hackney Food Hub', periodLabel: 'Final', awardReference: 'TCF-2026-00042-AWD', dueDate: '8 January 2027', link: 'https://commonpot.example/awards/7/returns/9' },
}

describe('email templates', () => {
  test.each(Object.entries(EXAMPLES))('%s renders a subject, a text body and an HTML page with every value in them', (template, data) => {
    const email = renderEmail(template as EmailTemplate, data)
    expect(email.subject.length).toBeGreaterThan(5)
    expect(email.subject).not.toMatch(/\{\{|\n/)
    expect(email.text).not.toMatch(/\{\{|\}\}/)
    expect(email.html).toMatch(/^<!doctype html>\n<html lang="en">/)
    expect(email.html).toContain(`<title>${Mustache.escape(email.subject)}</title>`)
    for (const value of Object.values(data)) {
      expect(email.text).toContain(String(value))
      expect(email.html).toContain(Mustache.escape(String(value)))
    }
  })

  test.each(Object.entries(EXAMPLES))('%s says it is from Commonpot and what to do if it was not expected', (template, data) => {
    const email = renderEmail(template as EmailTemplate, data)
    for (const body of [email.text, email.html]) {
      expect(body).toContain('This email was sent by Commonpot')
      expect(body).toMatch(/If (that was not you|you did not|you were not expecting)/)
    }
  })

  test('a password-reset email carries the link and how long it lasts', () => {
    const email = renderEmail('password-reset', EXAMPLES['password-reset'])
    expect(email.subject).toBe('Reset your Commonpot password')
    expect(email.text).toContain('https://commonpot.example/reset-password?token=abc&x=1\n')
    expect(email.text).toContain('expires in 60 minutes')
    // Mustache's escaping also encodes / and =, which browsers and mail clients decode in attributes.
    expect(email.html).toContain('<a href="https:&#x2F;&#x2F;commonpot.example&#x2F;reset-password?token&#x3D;abc&amp;x&#x3D;1">')
  })

  test('the invitation subject names the inviter and the organisation, unescaped', () => {
    const email = renderEmail('organisation-invitation', { ...EXAMPLES['organisation-invitation'], organisationName: 'Tea & Talk' })
    expect(email.subject).toBe('Grace Hopper invited you to join Tea & Talk on Commonpot')
    expect(email.html).toContain('<title>Grace Hopper invited you to join Tea &amp; Talk on Commonpot</title>')
  })

  test('a missing value throws and names every missing key', () => {
    expect(() => renderEmail('password-reset', { name: 'Ada' })).toThrow(EmailTemplateDataError)
    expect(() => renderEmail('password-reset', { name: 'Ada' })).toThrow('expiresInMinutes, resetUrl')
  })

  test('a null or empty value counts as missing', () => {
    expect(() => renderEmail('welcome', { name: null, signInUrl: 'https://commonpot.example/login' })).toThrow('needs data it was not given: name.')
    expect(() => renderEmail('welcome', { name: '', signInUrl: 'https://commonpot.example/login' })).toThrow(EmailTemplateDataError)
  })

  test('a key used only in the subject is checked too', () => {
    const { inviterName: _unused, ...rest } = EXAMPLES['organisation-invitation']
    expect(() => renderEmail('organisation-invitation', rest)).toThrow('inviterName')
  })

  test('a script in a name is escaped in the HTML and left as typed in the text', () => {
    const name = '<script>alert("hi")</script>'
    const email = renderEmail('welcome', { name, signInUrl: 'https://commonpot.example/login' })
    expect(email.html).not.toContain('<script>')
    expect(email.html).toContain('&lt;script&gt;alert(&quot;hi&quot;)&lt;&#x2F;script&gt;')
    expect(email.text).toContain(`Hello ${name},`)
  })
})
