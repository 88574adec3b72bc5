import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useFetcher, useLoaderData, type ShouldRevalidateFunction } from '@remix-run/react'
import { useEffect, useRef, type FormEvent, type ReactNode } from 'react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import {
  BUDGET_ROWS,
  budgetLines,
  DEFAULT_BUDGET_CATEGORIES,
  isDocumentRef,
  isVisible,
  PARTNER_ROWS,
  partnerRows,
  sectionSchema,
  toSectionInput,
  wordsRemainingMessage,
  type Answers,
  type QuestionDef,
} from '~/domain/applications/answers.ts'
import { budgetOf, getApplicationForMember, isEditable, saveSection, type ApplicationDetail } from '~/domain/applications/applications.server.ts'
import { db } from '~/lib/db.server.ts'
import { formatLondon } from '~/lib/dates.ts'
import { env } from '~/lib/env.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'
import { setFlash } from '~/lib/session.server.ts'
import { deleteUpload, parseMultipartForm, UploadRejectedError } from '~/lib/uploads.server.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data ? `${data.section.title}: ` : ''}Your application – Commonpot` }]

const IntentSchema = z.enum(['continue', 'later', 'totals', 'autosave'])

/** How long after the last change the page saves by itself (JavaScript on only). */
const AUTOSAVE_DELAY_MS = 2000

type FlatValues = Record<string, string | string[]>

/** Autosave never touches files: it keeps only text values and drops the "remove this file" ticks. */
function isAutosavedField(name: string, value: FormDataEntryValue): value is string {
  return typeof value === 'string' && name !== 'intent' && !name.endsWith('__remove') && !name.endsWith('.letterRemove')
}

async function load(request: Request, params: LoaderFunctionArgs['params']) {
  const user = await requirePermission(request, 'write:application:own')
  const id = idParam(params.applicationId)
  const number = Number(params.sectionNumber)
  if (!Number.isSafeInteger(number)) throw notFound()
  const application = await getApplicationForMember(db, user, id).catch((e) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
  const section = application.sections.find((s) => s.number === number)
  if (!section) throw notFound()
  return { user, application, section }
}

/** The stored answers as form values, by field name (money back in pounds, budget and partner lines by row). */
function formValues(questions: QuestionDef[], answers: Answers): FlatValues {
  const values: FlatValues = {}
  for (const q of questions) {
    const v = answers[q.key]
    if (v === undefined) continue
    if (q.type === 'money' && typeof v === 'number') values[q.key] = formatPence(v).replace('£', '')
    else if (q.type === 'budget_table') {
      budgetLines(v).forEach((line, i) => {
        values[`${q.key}[${i}].category`] = line.category
        values[`${q.key}[${i}].description`] = line.description
        values[`${q.key}[${i}].amount`] = formatPence(line.amountPence).replace('£', '')
        values[`${q.key}[${i}].kind`] = line.kind
      })
    } else if (q.type === 'partners_table') {
      partnerRows(v).forEach((row, i) => {
        values[`${q.key}[${i}].name`] = row.name
        values[`${q.key}[${i}].role`] = row.role
        if (row.letter) values[`${q.key}[${i}].letterId`] = String(row.letter.documentId)
      })
    } else if (Array.isArray(v)) values[q.key] = v as string[]
    else if (typeof v === 'string' || typeof v === 'number') values[q.key] = String(v)
  }
  return values
}

function files(application: ApplicationDetail) {
  const found: Record<string, { documentId: number; filename: string }> = {}
  for (const q of application.questions) {
    const v = application.answers[q.key]
    if (q.type === 'file_upload' && isDocumentRef(v)) found[q.key] = v
    if (q.type === 'partners_table') partnerRows(v).forEach((row) => row.letter && (found[`letter:${row.letter.documentId}`] = row.letter))
  }
  return found
}

/** GET /applications/<id>/sections/<n>: one section of the form. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { application, section } = await load(request, params)
  if (!isEditable(application.status)) throw redirect(`/applications/${application.id}/check`)
  const budget = budgetOf(application.round, application.questions, application.answers)
  return json({
    id: application.id,
    reference: application.reference,
    section: { number: section.number, title: section.title, count: application.sections.length },
    questions: section.questions.filter((q) => isVisible(q, application.answers)),
    values: formValues(section.questions, application.answers),
    files: files(application),
    budget: section.questions.some((q) => q.type === 'budget_table') && budget && budget.projectCostPence > 0 ? budget : null,
    matchRule: application.round.rules.matchFunding,
    multiYear: application.round.rules.multiYear,
  })
}

/**
 * POST: "Save and continue" (required answers enforced) or "Save and come back later" (format rules only).
 * With JavaScript on, the page also posts intent=autosave a moment after each change (see `autosave`).
 */
export async function action({ request, params }: ActionFunctionArgs) {
  const { user, application, section } = await load(request, params)
  let formData: FormData
  try {
    formData = await parseMultipartForm(request)
  } catch (e) {
    if (e instanceof UploadRejectedError) return json({ result: { status: 'error' as const, error: { [e.field ?? '']: [e.message] } }, values: {} }, { status: 400 })
    throw e
  }
  const intent = IntentSchema.catch('later').parse(formData.get('intent'))
  if (intent === 'autosave') return autosave(user, application, section, formData)
  const storedFiles = new Set(Object.entries(application.answers).flatMap(([k, v]) => (isDocumentRef(v) ? [k] : [])))
  const submission = parseWithZod(formData, { schema: sectionSchema(section, application.answers, intent === 'continue' ? 'continue' : 'later', storedFiles) })
  const values: FlatValues = {}
  for (const [name, value] of formData.entries()) {
    if (typeof value !== 'string') continue
    const existing = values[name]
    values[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value]
  }
  if (submission.status !== 'success') return json({ result: submission.reply(), values }, { status: 400 })
  let unused: string[] = []
  try {
    const saved = await db.transaction().execute((trx) =>
      saveSection(trx, user, {
        applicationId: application.id,
        sectionNumber: section.number,
        input: toSectionInput(section, submission.value as Record<string, unknown>),
        dataDir: env().DATA_DIR,
        now: new Date(),
      }),
    )
    unused = saved.unusedStorageKeys
  } catch (e) {
    if (e instanceof UploadRejectedError) return json({ result: submission.reply({ fieldErrors: { [e.field ?? '']: [e.message] } }), values }, { status: 400 })
    if (e instanceof DomainError && e.status === 409) return json({ result: submission.reply({ formErrors: [e.message] }), values }, { status: 409 })
    throw e
  }
  await Promise.all(unused.map((key) => deleteUpload(env().DATA_DIR, key)))
  if (intent === 'totals') return redirect(`/applications/${application.id}/sections/${section.number}#budget-summary`)
  if (intent === 'later') {
    const message = 'Your answers have been saved. You can come back to them at any time before the deadline.'
    return redirect(`/applications/${application.id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  }
  const next = section.number < application.sections.length ? `/applications/${application.id}/sections/${section.number + 1}` : `/applications/${application.id}/check`
  return redirect(next)
}

/**
 * Saves the section's text answers (never files) when they pass the format rules that "Save and come back later"
 * applies; otherwise saves nothing and shows no errors while the person is still typing.
 */
async function autosave(user: Awaited<ReturnType<typeof load>>['user'], application: ApplicationDetail, section: Awaited<ReturnType<typeof load>>['section'], formData: FormData) {
  const fields = new FormData()
  for (const [name, value] of formData.entries()) if (isAutosavedField(name, value)) fields.append(name, value)
  const storedFiles = new Set(Object.entries(application.answers).flatMap(([k, v]) => (isDocumentRef(v) ? [k] : [])))
  const submission = parseWithZod(fields, { schema: sectionSchema(section, application.answers, 'later', storedFiles) })
  if (submission.status !== 'success') return json({ autosaved: false as const, savedAt: null, message: null })
  const now = new Date()
  try {
    const input = toSectionInput(section, submission.value as Record<string, unknown>)
    const saved = await db.transaction().execute((trx) =>
      saveSection(trx, user, { applicationId: application.id, sectionNumber: section.number, input: { ...input, files: {}, removals: [] }, dataDir: env().DATA_DIR, now }),
    )
    await Promise.all(saved.unusedStorageKeys.map((key) => deleteUpload(env().DATA_DIR, key)))
  } catch (e) {
    if (e instanceof DomainError && e.status === 409) return json({ autosaved: false as const, savedAt: null, message: e.message }, { status: 409 })
    throw e
  }
  return json({ autosaved: true as const, savedAt: now.toISOString(), message: null })
}

/** An autosave changes nothing on the page, so the page's data is not reloaded after one. */
export const shouldRevalidate: ShouldRevalidateFunction = ({ formData, defaultShouldRevalidate }) =>
  formData?.get('intent') === 'autosave' ? false : defaultShouldRevalidate

function idFor(name: string): string {
  return name.replace(/[[\].]+/g, '-').replace(/-$/, '')
}

export default function Section() {
  const d = useLoaderData<typeof loader>()
  const lastAction = useActionData<typeof action>()
  const actionData = lastAction && 'result' in lastAction ? lastAction : undefined
  const { scheduleAutosave, cancelAutosave, status } = useAutosave()
  const errors: Record<string, string[] | null> = actionData?.result.error ?? {}
  const values: FlatValues = actionData ? { ...actionData.values } : d.values
  const value = (name: string) => {
    const v = values[name]
    return Array.isArray(v) ? v[0] ?? '' : v ?? ''
  }
  const error = (name: string) => errors[name]?.[0]
  const hasFiles = d.questions.some((q) => q.type === 'file_upload' || q.type === 'partners_table')
  const fieldErrors = Object.entries(errors).filter(([name, messages]) => name !== '' && messages?.length)
  const formErrors = errors['']?.filter(Boolean) ?? []
  return (
    <>
      <p className="secondary">
        Reference {d.reference} · Section {d.section.number} of {d.section.count}
      </p>
      {fieldErrors.length + formErrors.length > 0 ? (
        <div className="error-summary" role="alert" aria-labelledby="section-error-summary-title" tabIndex={-1}>
          <h2 className="error-summary__title" id="section-error-summary-title">
            There is a problem
          </h2>
          <ul className="error-summary__list">
            {formErrors.map((m) => (
              <li key={m}>{m}</li>
            ))}
            {fieldErrors.map(([name, messages]) => (
              <li key={name}>
                <a href={`#${idFor(name)}`}>{messages![0]}</a>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <h1>{d.section.title}</h1>
      <Form
        method="post"
        encType={hasFiles ? 'multipart/form-data' : undefined}
        key={actionData ? JSON.stringify(actionData.values) : 'stored'}
        noValidate
        onChange={scheduleAutosave}
        onSubmit={cancelAutosave}
      >
        {d.questions.map((q) => (
          <Question key={q.key} q={q} value={value} values={values} error={error} files={d.files} errors={errors} />
        ))}
        {d.budget ? (
          <section id="budget-summary" aria-labelledby="budget-summary-title" className="panel">
            <h2 id="budget-summary-title">Your budget, as saved</h2>
            <dl className="summary-list">
              <div>
                <dt>Total project cost</dt>
                <dd>{formatPence(d.budget.projectCostPence)}</dd>
              </div>
              <div>
                <dt>Cash costs</dt>
                <dd>{formatPence(d.budget.cashPence)}</dd>
              </div>
              <div>
                <dt>In-kind support</dt>
                <dd>{formatPence(d.budget.inKindPence)}</dd>
              </div>
              <div>
                <dt>Amount you ask for</dt>
                <dd>{formatPence(d.budget.amountRequestedPence)}</dd>
              </div>
              <div>
                <dt>Match funding</dt>
                <dd>
                  {formatPence(d.budget.matchCountedPence)} ({d.budget.matchPercent}% of the project cost)
                  {d.matchRule ? ` – this round needs at least ${d.matchRule.percentOfProjectCost}%${d.matchRule.inKindCounts ? ', and in-kind support counts' : '; in-kind support does not count'}` : ''}
                </dd>
              </div>
            </dl>
            {d.matchRule && !d.budget.meetsMatchFunding ? <p className="error-message">Your match funding is below what this round needs.</p> : null}
          </section>
        ) : null}
        <div className="button-group">
          <button type="submit" className="button" name="intent" value="continue">
            Save and continue
          </button>
          {d.questions.some((q) => q.type === 'budget_table') ? (
            <button type="submit" className="button button--secondary" name="intent" value="totals">
              Save and update the totals
            </button>
          ) : null}
          <button type="submit" className="button button--secondary" name="intent" value="later">
            Save and come back later
          </button>
        </div>
        <p className="hint" role="status" aria-live="polite">
          {status}
        </p>
      </Form>
      <p>
        <Link to={`/applications/${d.id}`}>Back to your application</Link>
      </p>
    </>
  )
}

/** JavaScript on: saves the section's text answers a moment after each change, and says so politely. */
function useAutosave() {
  const fetcher = useFetcher<typeof action>()
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  useEffect(() => () => clearTimeout(timer.current), [])
  const cancelAutosave = () => clearTimeout(timer.current)
  const scheduleAutosave = (event: FormEvent<HTMLFormElement>) => {
    if (event.target instanceof HTMLInputElement && event.target.type === 'file') return
    const form = event.currentTarget
    clearTimeout(timer.current)
    timer.current = setTimeout(() => {
      const body = new URLSearchParams()
      for (const [name, value] of new FormData(form).entries()) if (isAutosavedField(name, value)) body.append(name, value)
      body.set('intent', 'autosave')
      fetcher.submit(body, { method: 'post' })
    }, AUTOSAVE_DELAY_MS)
  }
  const data = fetcher.data && 'autosaved' in fetcher.data ? fetcher.data : undefined
  let status = ''
  if (data?.autosaved) status = `Saved at ${formatLondon(data.savedAt, 'HH:mm')}`
  else if (data?.message) status = `Not saved: ${data.message}`
  else if (data) status = 'Not saved yet: some answers are not in the right format. Press “Save and come back later” to see what to fix.'
  return { scheduleAutosave, cancelAutosave, status }
}

type QuestionProps = {
  q: QuestionDef
  value: (name: string) => string
  values: FlatValues
  error: (name: string) => string | undefined
  errors: Record<string, string[] | null>
  files: Record<string, { documentId: number; filename: string }>
}

function Hint({ q, extra }: { q: QuestionDef; extra?: ReactNode }) {
  if (!q.helpText && !extra) return null
  return (
    <div className="hint" id={`${q.key}-hint`}>
      {q.helpText}
      {q.helpText && extra ? ' ' : null}
      {extra}
    </div>
  )
}

function ErrorText({ id, message }: { id: string; message?: string }) {
  if (!message) return null
  return (
    <p className="error-message" id={`${id}-error`}>
      <span className="visually-hidden">Error: </span>
      {message}
    </p>
  )
}

function describedBy(...ids: (string | false | undefined)[]): string | undefined {
  const list = ids.filter(Boolean)
  return list.length ? list.join(' ') : undefined
}

function Question({ q, value, values, error, errors, files }: QuestionProps) {
  const message = error(q.key)
  const optional = q.required ? '' : ' (optional)'
  const groupClass = `form-group${message ? ' form-group--error' : ''}`
  const hintId = q.helpText ? `${q.key}-hint` : undefined
  switch (q.type) {
    case 'short_text':
    case 'number':
    case 'money':
    case 'date':
      return (
        <div className={groupClass}>
          <label className="label" htmlFor={q.key}>
            {q.label}
            {optional}
          </label>
          <Hint q={q} extra={q.type === 'money' ? 'In pounds, for example 25,000.' : undefined} />
          <ErrorText id={q.key} message={message} />
          <input
            className={`input${q.type === 'short_text' ? '' : ' input--medium'}${message ? ' input--error' : ''}`}
            id={q.key}
            name={q.key}
            type={q.type === 'date' ? 'date' : 'text'}
            inputMode={q.type === 'number' ? 'numeric' : q.type === 'money' ? 'decimal' : undefined}
            defaultValue={value(q.key)}
            aria-invalid={message ? true : undefined}
            aria-describedby={describedBy(q.helpText || q.type === 'money' ? `${q.key}-hint` : undefined, message && `${q.key}-error`)}
          />
        </div>
      )
    case 'long_text': {
      const limit = q.config.wordLimit
      const text = value(q.key)
      return (
        <div className={groupClass}>
          <label className="label" htmlFor={q.key}>
            {q.label}
            {optional}
          </label>
          <Hint q={q} extra={limit ? `Up to ${limit} words.` : undefined} />
          <ErrorText id={q.key} message={message} />
          <textarea
            className={`textarea${message ? ' input--error' : ''}`}
            id={q.key}
            name={q.key}
            rows={8}
            defaultValue={text}
            aria-invalid={message ? true : undefined}
            aria-describedby={describedBy(q.helpText || limit ? `${q.key}-hint` : undefined, limit ? `${q.key}-count` : undefined, message && `${q.key}-error`)}
          />
          {limit ? (
            <p className="hint" id={`${q.key}-count`}>
              {wordsRemainingMessage(text, limit)}
            </p>
          ) : null}
        </div>
      )
    }
    case 'single_choice':
    case 'yes_no':
    case 'multiple_choice': {
      const options = q.type === 'yes_no' ? ['yes', 'no'] : (q.config.options ?? [])
      const labelOf = (o: string) => (q.type === 'yes_no' ? (o === 'yes' ? 'Yes' : 'No') : o)
      const chosen = values[q.key]
      const isChosen = (o: string) => (Array.isArray(chosen) ? chosen.includes(o) : chosen === o)
      return (
        <div className={groupClass}>
          <fieldset className="fieldset" aria-describedby={describedBy(hintId, message && `${q.key}-error`)}>
            <legend>
              {q.label}
              {optional}
            </legend>
            <Hint q={q} extra={q.type === 'multiple_choice' ? 'Select all that apply.' : undefined} />
            <ErrorText id={q.key} message={message} />
            {options.map((o, i) => (
              <div className="checkbox" key={o}>
                <input
                  type={q.type === 'multiple_choice' ? 'checkbox' : 'radio'}
                  id={i === 0 ? q.key : `${q.key}-${i}`}
                  name={q.key}
                  value={o}
                  defaultChecked={isChosen(o)}
                />
                <label htmlFor={i === 0 ? q.key : `${q.key}-${i}`}>{labelOf(o)}</label>
              </div>
            ))}
          </fieldset>
        </div>
      )
    }
    case 'file_upload': {
      const current = files[q.key]
      return (
        <div className={groupClass}>
          <label className="label" htmlFor={q.key}>
            {q.label}
            {optional}
          </label>
          <Hint q={q} extra="A PDF, Word document (DOCX), Excel spreadsheet (XLSX), JPEG or PNG, smaller than 10 MB." />
          <ErrorText id={q.key} message={message} />
          {current ? (
            <p>
              Current file: <a href={`/documents/${current.documentId}`}>{current.filename}</a>. Choose a new file to replace it.
            </p>
          ) : null}
          <input
            className="file-input"
            type="file"
            id={q.key}
            name={q.key}
            accept=".pdf,.docx,.xlsx,.jpg,.jpeg,.png"
            aria-invalid={message ? true : undefined}
            aria-describedby={describedBy(`${q.key}-hint`, message && `${q.key}-error`)}
          />
          {current ? (
            <div className="checkbox">
              <input type="checkbox" id={`${q.key}__remove`} name={`${q.key}__remove`} value="on" />
              <label htmlFor={`${q.key}__remove`}>Remove {current.filename}</label>
            </div>
          ) : null}
        </div>
      )
    }
    case 'budget_table':
      return <BudgetTable q={q} value={value} error={error} message={message} />
    case 'partners_table':
      return <PartnersTable q={q} value={value} error={error} errors={errors} message={message} files={files} />
  }
}

function Cell({ name, label, error, children }: { name: string; label: string; error?: string; children: (props: { id: string; 'aria-invalid'?: boolean; 'aria-describedby'?: string }) => ReactNode }) {
  const id = idFor(name)
  return (
    <td>
      <label className="visually-hidden" htmlFor={id}>
        {label}
      </label>
      <ErrorText id={id} message={error} />
      {children({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': error ? `${id}-error` : undefined })}
    </td>
  )
}

function BudgetTable({ q, value, error, message }: { q: QuestionDef; value: (n: string) => string; error: (n: string) => string | undefined; message?: string }) {
  const categories = q.config.categories ?? DEFAULT_BUDGET_CATEGORIES
  const rows = Array.from({ length: q.config.rows ?? BUDGET_ROWS }, (_, i) => i)
  return (
    <div className={`form-group${message ? ' form-group--error' : ''}`} id={q.key}>
      <h2 className="label">
        {q.label}
        {q.required ? '' : ' (optional)'}
      </h2>
      <Hint q={q} extra="One line for each cost. Mark support given in kind (staff time, venue, materials) as in-kind. Leave lines you do not need empty." />
      <ErrorText id={q.key} message={message} />
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Budget lines</caption>
          <thead>
            <tr>
              <th scope="col">Category</th>
              <th scope="col">Description</th>
              <th scope="col">Amount (£)</th>
              <th scope="col">Cash or in-kind</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((i) => {
              const n = (f: string) => `${q.key}[${i}].${f}`
              return (
                <tr key={i}>
                  <Cell name={n('category')} label={`Category, line ${i + 1}`} error={error(n('category'))}>
                    {(p) => (
                      <select className="input" name={n('category')} defaultValue={value(n('category'))} {...p}>
                        <option value="">Select</option>
                        {categories.map((c) => (
                          <option key={c} value={c}>
                            {c}
                          </option>
                        ))}
                      </select>
                    )}
                  </Cell>
                  <Cell name={n('description')} label={`Description, line ${i + 1}`} error={error(n('description'))}>
                    {(p) => <input className="input" name={n('description')} defaultValue={value(n('description'))} {...p} />}
                  </Cell>
                  <Cell name={n('amount')} label={`Amount in pounds, line ${i + 1}`} error={error(n('amount'))}>
                    {(p) => <input className="input input--narrow" inputMode="decimal" name={n('amount')} defaultValue={value(n('amount'))} {...p} />}
                  </Cell>
                  <Cell name={n('kind')} label={`Cash or in-kind, line ${i + 1}`} error={error(n('kind'))}>
                    {(p) => (
                      <select className="input" name={n('kind')} defaultValue={value(n('kind')) || 'cash'} {...p}>
                        <option value="cash">Cash</option>
                        <option value="in_kind">In-kind</option>
                      </select>
                    )}
                  </Cell>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
    </div>
  )
}

function PartnersTable({
  q,
  value,
  error,
  message,
  files,
}: {
  q: QuestionDef
  value: (n: string) => string
  error: (n: string) => string | undefined
  errors: Record<string, string[] | null>
  message?: string
  files: Record<string, { documentId: number; filename: string }>
}) {
  const rows = Array.from({ length: q.config.rows ?? PARTNER_ROWS }, (_, i) => i)
  return (
    <div className={`form-group${message ? ' form-group--error' : ''}`} id={q.key}>
      <h2 className="label">
        {q.label}
        {q.required ? '' : ' (optional)'}
      </h2>
      <Hint q={q} extra="One line for each partner organisation, with a letter of support from each if you have one (PDF, DOCX, XLSX, JPEG or PNG, smaller than 10 MB)." />
      <ErrorText id={q.key} message={message} />
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Partner organisations</caption>
          <thead>
            <tr>
              <th scope="col">Organisation name</th>
              <th scope="col">Role in the project</th>
              <th scope="col">Letter of support</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((i) => {
              const n = (f: string) => `${q.key}[${i}].${f}`
              const letterId = value(n('letterId'))
              const letter = letterId ? files[`letter:${letterId}`] : undefined
              return (
                <tr key={i}>
                  <Cell name={n('name')} label={`Partner organisation name, line ${i + 1}`} error={error(n('name'))}>
                    {(p) => <input className="input" name={n('name')} defaultValue={value(n('name'))} {...p} />}
                  </Cell>
                  <Cell name={n('role')} label={`Partner’s role, line ${i + 1}`} error={error(n('role'))}>
                    {(p) => <input className="input" name={n('role')} defaultValue={value(n('role'))} {...p} />}
                  </Cell>
                  <Cell name={n('letter')} label={`Letter of support, line ${i + 1}`} error={error(n('letter'))}>
                    {(p) => (
                      <>
                        {letter ? (
                          <>
                            <input type="hidden" name={n('letterId')} value={letter.documentId} />
                            <a href={`/documents/${letter.documentId}`}>{letter.filename}</a>
                            <span className="checkbox">
                              <input type="checkbox" id={`${idFor(n('letterRemove'))}`} name={n('letterRemove')} value="on" />
                              <label htmlFor={`${idFor(n('letterRemove'))}`}>Remove letter, line {i + 1}</label>
                            </span>
                          </>
                        ) : null}
                        <input className="file-input" type="file" name={n('letter')} accept=".pdf,.docx,.xlsx,.jpg,.jpeg,.png" {...p} />
                      </>
                    )}
                  </Cell>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
    </div>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
