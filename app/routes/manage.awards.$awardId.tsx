import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { notAnImpossibleDate } from '~/lib/calendar-date.ts'
import { RadioGroup } from '~/components/choice-fields.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, FieldError, SubmitButton, TextArea, TextField } from '~/components/forms.tsx'
import { SummaryRow } from '~/components/summary-list.tsx'
import { CONDITION_STATUS_LABELS, TRANCHE_STATUS_LABELS } from '~/domain/awards/award-labels.ts'
import { awardView } from '~/domain/awards/award-view.server.ts'
import { awardStatusLabel } from '~/domain/awards/offer-labels.ts'
import { SCHEDULE_KIND_LABELS, SCHEDULE_KINDS, type ScheduleInput } from '~/domain/awards/schedule.ts'
import { decideCondition, setOfferTerms } from '~/domain/awards/terms.server.ts'
import { awardPublication } from '~/domain/open-data/publishing.server.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { formatPence, moneyField, penceToDecimalPounds } from '~/lib/money.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idParam, idText } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data ? `Award ${data.award.reference}` : 'Award'} – Commonpot` }]

/** Rows of the instalment table offered without JavaScript; blank rows are ignored. */
const INSTALMENT_ROWS = 6

const date = (what: string) => z.string({ required_error: `Enter ${what}` }).regex(/^\d{4}-\d{2}-\d{2}$/, `Enter ${what} as a date, like 2027-04-01`).refine(notAnImpossibleDate, `Enter ${what} as a real date, like 2027-04-01`)

const InstalmentRow = z.object({
  amount: moneyField({ label: 'amount', required: false }),
  dueDate: z.string().optional(),
  gate: z.string().optional(),
})

const TermsSchema = z
  .object({
    intent: z.literal('terms'),
    conditions: z.string().max(5000, 'Keep the conditions to 5,000 characters').optional(),
    kind: z.enum(SCHEDULE_KINDS, { errorMap: () => ({ message: 'Choose how the award is paid' }) }),
    startDate: z.string().optional(),
    years: z.coerce.number().int().optional(),
    amountPerYear: moneyField({ label: 'amount each year', required: false }),
    tranches: z.array(InstalmentRow).default([]),
  })
  .superRefine((v, ctx) => {
    if (v.kind !== 'instalments') {
      const parsed = date('the start date').safeParse(v.startDate)
      if (!parsed.success) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['startDate'], message: parsed.error.issues[0].message })
    }
    if (v.kind === 'yearly') {
      if (!v.years) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['years'], message: 'Enter the number of years' })
      if (!v.amountPerYear) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['amountPerYear'], message: 'Enter the amount paid each year' })
    }
    if (v.kind === 'instalments') {
      v.tranches.forEach((row, i) => {
        if (!row.amount && !row.dueDate) return
        if (!row.amount) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['tranches', i, 'amount'], message: `Enter the amount of instalment ${i + 1}` })
        const d = date(`the date instalment ${i + 1} is due`).safeParse(row.dueDate)
        if (!d.success) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['tranches', i, 'dueDate'], message: d.error.issues[0].message })
      })
      if (!v.tranches.some((row) => row.amount)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['tranches'], message: 'Add at least one instalment' })
    }
  })

const ConditionSchema = z.object({
  intent: z.literal('condition'),
  conditionId: idText,
  decision: z.enum(['met', 'waived'], { errorMap: () => ({ message: 'Choose met or waived' }) }),
  note: z.string().trim().max(2000, 'Keep the note to 2,000 characters').default(''),
})

const LABELS = { kind: 'How it is paid', startDate: 'Start date', years: 'Years', amountPerYear: 'Amount each year', tranches: 'Instalments', conditions: 'Conditions' }

function awardIdOf(param: string | undefined): number {
  return idParam(param)
}

async function loadAward(param: string | undefined) {
  return awardView(db, awardIdOf(param)).catch((e: unknown) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
}

/** GET /manage/awards/<awardId> (issue:award:any): the award, its terms, conditions and payment schedule. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'issue:award:any', context)
  const award = await loadAward(params.awardId)
  // The open-data section, for those who may publish (the publish route checks again).
  const publication = user.permissions.has('publish:grant:any') ? await awardPublication(db, award.id) : null
  return json({ award, publication })
}

function scheduleFrom(v: z.infer<typeof TermsSchema>): ScheduleInput {
  if (v.kind === 'single') return { kind: 'single', startDate: v.startDate! }
  if (v.kind === 'yearly') return { kind: 'yearly', years: v.years!, amountPerYearPence: v.amountPerYear!, startDate: v.startDate! }
  const rows = v.tranches.map((row, index) => ({ row, index })).filter(({ row }) => row.amount)
  return {
    kind: 'instalments',
    tranches: rows.map(({ row }) => {
      const condition = /^condition:(\d+)$/.exec(row.gate ?? '')
      return { amountPence: row.amount!, dueDate: row.dueDate!, gate: condition ? 'condition' : row.gate === 'date' ? 'date' : 'acceptance', conditionIndex: condition ? Number(condition[1]) : null }
    }),
  }
}

/** POST intent=terms: sets the conditions and schedule (while the offer is being drafted); intent=condition: met/waived. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'issue:award:any')
  const award = await loadAward(params.awardId)
  const formData = await request.formData()
  if (formData.get('intent') === 'condition') {
    const submission = parseWithZod(formData, { schema: ConditionSchema })
    if (submission.status !== 'success') return json({ form: 'condition' as const, result: submission.reply() }, { status: 400 })
    if (!award.conditions.some((c) => c.id === submission.value.conditionId)) throw notFound()
    try {
      await db.transaction().execute((trx) => decideCondition(trx, user.id, submission.value))
    } catch (e) {
      if (e instanceof DomainError) return json({ form: 'condition' as const, result: submission.reply({ formErrors: [e.message] }) }, { status: e.status })
      throw e
    }
    const message = submission.value.decision === 'met' ? 'Condition marked as met' : 'Condition waived'
    return redirect(`/manage/awards/${award.id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  }
  const submission = parseWithZod(formData, { schema: TermsSchema })
  if (submission.status !== 'success') return json({ form: 'terms' as const, result: submission.reply() }, { status: 400 })
  const conditions = (submission.value.conditions ?? '').split(/\r?\n/).map((c) => c.trim()).filter(Boolean)
  try {
    await db.transaction().execute((trx) => setOfferTerms(trx, user.id, { awardId: award.id, conditions, schedule: scheduleFrom(submission.value) }))
  } catch (e) {
    if (e instanceof DomainError) {
      const field = e.field?.replace(/\[(\d+)\]\.(\w+)/, (_, i, f) => `tranches[${i}].${f === 'condition' ? 'gate' : f}`)
      const known = field && (field in LABELS || field.startsWith('tranches['))
      return json({ form: 'terms' as const, result: submission.reply(known ? { fieldErrors: { [field]: [e.message] } } : { formErrors: [e.message] }) }, { status: e.status })
    }
    throw e
  }
  return redirect(`/manage/awards/${award.id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message: 'Offer terms saved' }) } })
}

export default function ManageAward() {
  const { award } = useLoaderData<typeof loader>()
  const drafting = award.status === 'committed'
  return (
    <>
      <p className="secondary">
        <Link to={`/manage/applications/${award.applicationId}`}>
          {award.applicationReference}: {award.organisationName}
        </Link>{' '}
        · <Link to={`/manage/rounds/${award.roundId}/offers`}>Offers for {award.roundTitle}</Link>
      </p>
      <h1>Award {award.reference}</h1>
      <dl className="summary-list">
        <SummaryRow label="Organisation">{award.organisationName}</SummaryRow>
        <SummaryRow label="Project">{award.title}</SummaryRow>
        <SummaryRow label="Amount">{formatPence(award.amountPence)}</SummaryRow>
        <SummaryRow label="Status">{awardStatusLabel(award.status)}</SummaryRow>
        {award.acceptedAt ? (
          <SummaryRow label="Accepted by">
            {award.acceptedName}, {award.acceptedRole}, on {formatDate(award.acceptedAt)}
          </SummaryRow>
        ) : null}
        {award.declinedAt ? <SummaryRow label="Declined">{award.declinedReason ?? 'No reason given'}</SummaryRow> : null}
      </dl>
      <ul className="actions-list">
        {award.offeredAt ? (
          <li>
            <a href={`/awards/${award.id}/letter.pdf`}>Offer letter (PDF)</a>
          </li>
        ) : null}
        {award.status === 'accepted' || award.status === 'completed' ? (
          <>
            <li>
              <Link to={`/manage/awards/${award.id}/variations`}>Variations to the amount or schedule</Link>
            </li>
            <li>
              <Link to={`/finance/awards/${award.id}/repayments`}>Repayments and clawbacks</Link>
            </li>
          </>
        ) : null}
      </ul>

      <h2>Who funds it</h2>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Money committed to this award by each contributor</caption>
          <thead>
            <tr>
              <th scope="col">Contributor</th>
              <th scope="col">Pot</th>
              <th scope="col" className="num">
                Amount
              </th>
            </tr>
          </thead>
          <tbody>
            {award.commitments.map((c, i) => (
              <tr key={i}>
                <td>
                  {c.funderName}
                  {c.releasedAt ? ' (released)' : ''}
                </td>
                <td>{c.potName}</td>
                <td className="num">{formatPence(c.amountPence)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {drafting ? <TermsForm /> : null}
      <Conditions />
      <Schedule />
      <OpenData />
      {drafting && award.tranches.length > 0 ? (
        <Form method="post" action={`/manage/awards/${award.id}/offer`}>
          <h2>Send the offer</h2>
          <p>The organisation’s members will get an email with the offer letter to read and accept online.</p>
          <SubmitButton>Send the offer to {award.organisationName}</SubmitButton>
        </Form>
      ) : null}
    </>
  )
}

function formatDate(iso: string): string {
  return new Date(iso).toLocaleDateString('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'long', year: 'numeric' })
}

function TermsForm() {
  const { award } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const byTranche = award.tranches
  const [form, fields] = useForm({
    id: 'offer-terms',
    lastResult: actionData?.form === 'terms' ? actionData.result : undefined,
    defaultValue: {
      conditions: award.conditions.map((c) => c.text).join('\n'),
      kind: award.scheduleKind ?? 'single',
      startDate: byTranche[0]?.dueDate ?? '',
      years: award.scheduleKind === 'yearly' ? String(byTranche.length) : '',
      amountPerYear: award.scheduleKind === 'yearly' && byTranche[0] ? penceToDecimalPounds(byTranche[0].amountPence) : '',
      tranches: award.scheduleKind === 'instalments' ? byTranche.map((t) => ({ amount: penceToDecimalPounds(t.amountPence), dueDate: t.dueDate, gate: t.gate === 'condition' ? `condition:${award.conditions.findIndex((c) => String(c.id) === t.gateRef)}` : t.gate })) : [],
    },
    shouldRevalidate: 'onBlur',
  })
  const rows = fields.tranches.getFieldList()
  const conditionOptions = award.conditions.map((c, i) => ({ value: `condition:${i}`, label: `Once condition ${i + 1} is met` }))
  return (
    <section aria-labelledby="terms-heading">
      <h2 id="terms-heading">Offer terms</h2>
      <p>Set the conditions and how the {formatPence(award.amountPence)} is paid, then send the offer. You can change these until the offer is sent.</p>
      <Form method="post" {...getFormProps(form)}>
        <ErrorSummary form={form} fields={fields} labels={LABELS} />
        <input type="hidden" name="intent" value="terms" />
        <TextArea field={fields.conditions} label="Conditions before the first payment" hint="One a line, in plain words, for example: Send us your safeguarding policy. Leave empty for none." rows={4} />
        <RadioGroup field={fields.kind} legend="How is the award paid?" options={SCHEDULE_KINDS.map((k) => ({ value: k, label: SCHEDULE_KIND_LABELS[k] }))} />
        <TextField field={fields.startDate} label="Start date (one payment, or each year)" hint="For example, 2027-01-04. The first payment is made once the offer is accepted, on or after this date." type="date" width="medium" />
        <TextField field={fields.years} label="Number of years (the same amount each year)" hint="Each later year is paid once the previous year’s impact return is accepted." inputMode="numeric" width="narrow" />
        <TextField field={fields.amountPerYear} label="Amount each year, in pounds" inputMode="decimal" width="medium" />
        <fieldset className="fieldset form-group" id={fields.tranches.id}>
          <legend>Instalments (when paid in instalments)</legend>
          <FieldError field={fields.tranches} />
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Instalments: amount, due date and what each waits for</caption>
              <thead>
                <tr>
                  <th scope="col">Instalment</th>
                  <th scope="col">Amount (£)</th>
                  <th scope="col">Due date</th>
                  <th scope="col">Paid</th>
                </tr>
              </thead>
              <tbody>
                {Array.from({ length: INSTALMENT_ROWS }, (_, i) => {
                  const row = rows[i]?.getFieldset()
                  const name = (f: string) => `tranches[${i}].${f}`
                  const error = row ? [row.amount, row.dueDate, row.gate].flatMap((f) => f.errors ?? [])[0] : undefined
                  return (
                    <tr key={i}>
                      <th scope="row">
                        {i + 1}
                        {error ? (
                          <p className="error-message" id={`instalment-${i}-error`}>
                            <span className="visually-hidden">Error: </span>
                            {error}
                          </p>
                        ) : null}
                      </th>
                      <td>
                        <label className="visually-hidden" htmlFor={`instalment-${i}-amount`}>
                          Instalment {i + 1} amount
                        </label>
                        <input className="input input--narrow" id={`instalment-${i}-amount`} name={name('amount')} inputMode="decimal" defaultValue={row?.amount.initialValue as string | undefined} aria-describedby={error ? `instalment-${i}-error` : undefined} />
                      </td>
                      <td>
                        <label className="visually-hidden" htmlFor={`instalment-${i}-due`}>
                          Instalment {i + 1} due date
                        </label>
                        <input className="input" type="date" id={`instalment-${i}-due`} name={name('dueDate')} defaultValue={row?.dueDate.initialValue as string | undefined} />
                      </td>
                      <td>
                        <label className="visually-hidden" htmlFor={`instalment-${i}-gate`}>
                          Instalment {i + 1} is paid
                        </label>
                        <select className="select" id={`instalment-${i}-gate`} name={name('gate')} defaultValue={(row?.gate.initialValue as string | undefined) ?? 'acceptance'}>
                          <option value="acceptance">Once the offer is accepted</option>
                          <option value="date">On the due date</option>
                          {conditionOptions.map((o) => (
                            <option key={o.value} value={o.value}>
                              {o.label}
                            </option>
                          ))}
                        </select>
                      </td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
          </div>
          <p className="hint">Save the conditions first if an instalment waits for one of them.</p>
        </fieldset>
        <SubmitButton>Save the offer terms</SubmitButton>
      </Form>
    </section>
  )
}

function Conditions() {
  const { award } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const decidable = award.status === 'offered' || award.status === 'accepted'
  if (award.conditions.length === 0) return null
  const formError = actionData?.form === 'condition' ? (actionData.result.error?.[''] ?? Object.values(actionData.result.error ?? {}).flat())[0] : undefined
  return (
    <section aria-labelledby="conditions-heading">
      <h2 id="conditions-heading">Conditions before the first payment</h2>
      {formError ? (
        <div className="error-summary" role="alert" tabIndex={-1}>
          <h3 className="error-summary__title">There is a problem</h3>
          <p>{formError}</p>
        </div>
      ) : null}
      <ol className="conditions">
        {award.conditions.map((c) => (
          <li key={c.id}>
            <p>
              {c.text} <strong className="tag">{CONDITION_STATUS_LABELS[c.status]}</strong>
            </p>
            {c.note ? <p className="hint">Note: {c.note}</p> : null}
            {c.evidenceDocumentId ? (
              <p>
                <a href={`/documents/${c.evidenceDocumentId}`}>Evidence sent by the organisation</a>
              </p>
            ) : null}
            {decidable && c.status === 'outstanding' && !award.conditions.some(() => award.status === 'committed') ? (
              <Form method="post" className="inline-form">
                <input type="hidden" name="intent" value="condition" />
                <input type="hidden" name="conditionId" value={c.id} />
                <div className="form-group">
                  <label className="label" htmlFor={`note-${c.id}`}>
                    Note on condition {c.sequence} (needed to waive it)
                  </label>
                  <input className="input" id={`note-${c.id}`} name="note" />
                </div>
                <SubmitButton name="decision" value="met">
                  Mark condition {c.sequence} as met
                </SubmitButton>{' '}
                <SubmitButton name="decision" value="waived" secondary>
                  Waive condition {c.sequence}
                </SubmitButton>
              </Form>
            ) : null}
          </li>
        ))}
      </ol>
    </section>
  )
}

function Schedule() {
  const { award } = useLoaderData<typeof loader>()
  if (award.tranches.length === 0) return <p>No payment schedule yet.</p>
  return (
    <section aria-labelledby="schedule-heading">
      <h2 id="schedule-heading">Payment schedule</h2>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Each payment, when it is due, what it waits for and where it has got to</caption>
          <thead>
            <tr>
              <th scope="col">Payment</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col">Due</th>
              <th scope="col">Paid</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {award.tranches.map((t) => (
              <tr key={t.id}>
                <th scope="row">{t.reference}</th>
                <td className="num">{formatPence(t.amountPence)}</td>
                <td>{t.dueDate}</td>
                <td>{t.gateText}</td>
                <td>
                  {TRANCHE_STATUS_LABELS[t.status] ?? t.status}
                  {t.status === 'paid' && t.paidAt ? ` on ${t.paidAt}` : ''}
                  {t.status === 'scheduled' && t.reasonsNotDue.length === 0 ? ' (due now)' : ''}
                  {t.failureReason && t.status === 'scheduled' ? <span className="hint"> Last attempt failed: {t.failureReason}</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}

function OpenData() {
  const { award, publication } = useLoaderData<typeof loader>()
  if (!publication || (!publication.publishable && !publication.publishedAt)) return null
  return (
    <section aria-labelledby="open-data-heading">
      <h2 id="open-data-heading">Open data</h2>
      {publication.publishedAt ? (
        <p>
          Published in the <a href="/data/360giving.json">360Giving files</a> as {publication.grantId} on {formatDate(publication.publishedAt)}
          {publication.publishedByName ? ` by ${publication.publishedByName}` : ''}.
        </p>
      ) : (
        <p>Not published. Publishing adds this grant to the public 360Giving files as {publication.grantId}: the organisation, amount, place, funders and payments.</p>
      )}
      <Form method="post" action={`/manage/awards/${award.id}/publish`}>
        {publication.publishedAt ? (
          <SubmitButton name="intent" value="unpublish" secondary>
            Take award {award.reference} out of the open data
          </SubmitButton>
        ) : (
          <SubmitButton name="intent" value="publish">
            Publish award {award.reference} as open data
          </SubmitButton>
        )}
      </Form>
    </section>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
