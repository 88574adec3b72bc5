/**
 * Email templates: templates/email/<name>.txt (first line `Subject: ...`, then a blank line, then the plain-text body)
 * and templates/email/<name>.html (an HTML body fragment, placed inside templates/email/_layout.html).
 *
 * Rendering uses Mustache (logic-less): values are HTML-escaped in the HTML body and left as they are in the subject
 * and text body. Before rendering, the data is checked against the variables the template uses, so a template bug or
 * a caller's typo throws instead of sending a half-empty email.
 *
 * To add an email: add the two files and a member to `EmailTemplate`.
 */
import fs from 'node:fs'
import path from 'node:path'
import Mustache from 'mustache'
import { DomainError } from '~/lib/errors.ts'

export type EmailTemplate =
  | 'welcome'
  | 'password-reset'
  | 'password-changed'
  | 'two-factor-enabled'
  | 'organisation-invitation'
  | 'application-submitted'
  | 'application-invited'
  | 'application-declined'
  | 'decision-successful'
  | 'decision-reserve'
  | 'decision-unsuccessful'
  | 'offer-made'
  | 'payment-failed'
  | 'remittance-advice'
  | 'bank-details-changed'
  | 'return-submitted'
  | 'return-changes-requested'
  | 'return-accepted'
  | 'return-due-soon'
  | 'return-overdue'

export type EmailData = Record<string, string | number | null>

export interface RenderedEmail {
  subject: string
  text: string
  html: string
}

export class EmailTemplateDataError extends DomainError {
  constructor(template: string, missing: string[]) {
    super(`The email template "${template}" needs data it was not given: ${missing.join(', ')}.`, {
      code: 'email_template_data_missing',
      status: 422,
    })
  }
}

export class EmailTemplateFormatError extends DomainError {
  constructor(template: string, problem: string) {
    super(`The email template "${template}" is not in the expected format: ${problem}.`, {
      code: 'email_template_format',
      status: 422,
    })
  }
}

const TEMPLATE_DIR = ['templates', 'email']
const LAYOUT = '_layout.html'

// Template files are read once per process (the app runs from the repository root) and kept here.
const fileCache = new Map<string, string>()

function readTemplateFile(fileName: string): string {
  const file = path.join(process.cwd(), ...TEMPLATE_DIR, fileName)
  let content = fileCache.get(file)
  if (content === undefined) {
    content = fs.readFileSync(file, 'utf8')
    fileCache.set(file, content)
  }
  return content
}

type Spans = ReturnType<typeof Mustache.parse>

/**
 * The names a template reads, split into plain variables (which must have a value) and section names (which may be
 * null, to leave the section out). Dotted names (`a.b`) are checked by their first part.
 */
function templateNames(spans: Spans, found = { variables: new Set<string>(), sections: new Set<string>() }) {
  for (const span of spans) {
    const [type, name] = span
    const key = name.split('.')[0]!
    if (type === 'name' || type === '&') found.variables.add(key)
    if (type === '#' || type === '^') {
      found.sections.add(key)
      const inner = span[4]
      if (Array.isArray(inner)) templateNames(inner, found)
    }
  }
  return found
}

function missingKeys(source: string, data: EmailData): string[] {
  const { variables, sections } = templateNames(Mustache.parse(source))
  const missing = new Set<string>()
  for (const name of variables) {
    if (name !== '.' && (data[name] === undefined || data[name] === null || data[name] === '')) missing.add(name)
  }
  for (const name of sections) {
    if (!Object.hasOwn(data, name)) missing.add(name)
  }
  return [...missing]
}

function splitSubject(template: string, source: string): { subject: string; body: string } {
  const match = /^Subject: *(.+)\r?\n\r?\n([\s\S]*)$/.exec(source)
  if (!match) throw new EmailTemplateFormatError(template, 'the .txt file must start with "Subject: ..." and a blank line')
  return { subject: match[1]!.trim(), body: match[2]! }
}

const noEscape = { escape: (value: unknown) => String(value) }

/** Renders one email. Throws EmailTemplateDataError when the data lacks a value the template uses. */
export function renderEmail(template: EmailTemplate, data: EmailData): RenderedEmail {
  const { subject: subjectSource, body: textSource } = splitSubject(template, readTemplateFile(`${template}.txt`))
  const htmlSource = readTemplateFile(`${template}.html`)

  const missing = [...new Set([subjectSource, textSource, htmlSource].flatMap((source) => missingKeys(source, data)))]
  if (missing.length > 0) throw new EmailTemplateDataError(template, missing.sort())

  const subject = Mustache.render(subjectSource, data, undefined, noEscape).replace(/\s+/g, ' ').trim()
  const text = Mustache.render(textSource, data, undefined, noEscape)
  const body = Mustache.render(htmlSource, data)
  const html = Mustache.render(readTemplateFile(LAYOUT), { subject, body })
  return { subject, text, html }
}
