import { getFormProps, useForm, type SubmissionResult } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { CheckboxGroup } from '~/components/choice-fields.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SelectField, SubmitButton, TextArea } from '~/components/forms.tsx'
import { answerLines, isVisible } from '~/domain/applications/answers.ts'
import { budgetOf, getApplication } from '~/domain/applications/applications.server.ts'
import { outcomeAreasOf, setOutcomeAreas } from '~/domain/applications/outcome-areas.server.ts'
import { hasDeclaredConflict } from '~/domain/assessment/conflicts.server.ts'
import { OUTCOME_AREA_LABELS, OUTCOME_AREAS } from '~/domain/budgets/ring-fence.ts'
import { awardableBid, awardForApplication, canMakeAward } from '~/domain/awards/awards.server.ts'
import { overrideScreening, screeningView } from '~/domain/applications/screening.server.ts'
import { SCREENING_LABELS, SCREENING_RESULTS } from '~/domain/applications/screening-labels.ts'
import { reopenForChanges } from '~/domain/applications/submission.server.ts'
import { statusLabel } from '~/domain/applications/status-labels.ts'
import { declineExpressionOfInterest, inviteToFullApplication } from '~/domain/applications/two-stage.server.ts'
import { formatDeadline } from '~/lib/dates.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { forbidden, notFound, requirePermission } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'
import { setFlash } from '~/lib/session.server.ts'
import { SummaryRow } from '~/components/summary-list.tsx'
import { AnswerSections } from '~/components/answer-sections.tsx'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.reference ?? 'Application'} – Fund management – Commonpot` }]

const reason = (what: string) =>
  z.string({ required_error: `Enter the reason ${what}` }).trim().min(1, `Enter the reason ${what}`).max(2000, 'The reason must be 2,000 characters or fewer')

const ScreeningSchema = z.object({
  intent: z.literal('screening'),
  result: z.enum(SCREENING_RESULTS, { errorMap: () => ({ message: 'Select eligible or not eligible' }) }),
  reason: reason('for your screening decision'),
})
const ChangesSchema = z.object({ intent: z.literal('changes'), reason: reason('for asking for changes') })
const InviteSchema = z.object({ intent: z.literal('invite') })
const DeclineSchema = z.object({ intent: z.literal('decline'), reason: reason('for declining') })

const OutcomesSchema = z.object({ intent: z.literal('outcomes'), outcomeAreas: z.array(z.enum(OUTCOME_AREAS)).default([]) })

const SCHEMAS = { screening: ScreeningSchema, changes: ChangesSchema, invite: InviteSchema, decline: DeclineSchema, outcomes: OutcomesSchema } as const
type Intent = keyof typeof SCHEMAS

function applicationIdOf(param: string | undefined): number {
  return idParam(param)
}

/** GET /manage/applications/<id>: the application as submitted, its screening, and what the fund manager can do next. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:application:any', context)
  const id = applicationIdOf(params.applicationId)
  if (await hasDeclaredConflict(db, user.id, id)) throw forbidden('You declared a conflict of interest on this bid, so you cannot see it.')
  const application = await getApplication(db, id).catch((e: unknown) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
  if (application.status === 'draft') throw notFound()
  const screening = await screeningView(db, id)
  const [bid, award, outcomeAreas] = await Promise.all([awardableBid(db, id), awardForApplication(db, id), outcomeAreasOf(db, id)])
  return json({
    id,
    reference: application.reference,
    title: application.title,
    organisationName: application.organisationName,
    roundId: application.round.id,
    roundTitle: application.round.title,
    status: application.status,
    statusLabel: statusLabel(application.status),
    stage: application.stage,
    submittedAt: application.submittedAt ? formatDeadline(application.submittedAt) : null,
    amountRequested: formatPence(application.amountRequestedPence),
    sections: application.sections.map((s) => ({
      number: s.number,
      title: s.title,
      answers: s.questions.filter((q) => isVisible(q, application.answers)).map((q) => ({ key: q.key, label: q.label, lines: answerLines(q, application.answers[q.key]) })),
    })),
    budget: budgetOf(application.round, application.questions, application.answers),
    screening: {
      ...screening,
      automaticLabel: SCREENING_LABELS[screening.automatic.result],
      overrideLabel: screening.override ? SCREENING_LABELS[screening.override] : null,
      screenedAt: screening.screenedAt ? formatDeadline(screening.screenedAt) : null,
    },
    canDecide: user.permissions.has('decide:application:any'),
    mayMakeAward: user.permissions.has('issue:award:any') && canMakeAward(bid),
    award,
    outcomeAreas,
  })
}

/** POST: override screening (reason required), ask for changes, or invite/decline an expression of interest. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'decide:application:any')
  const id = applicationIdOf(params.applicationId)
  if (await hasDeclaredConflict(db, user.id, id)) throw forbidden('You declared a conflict of interest on this bid, so you cannot act on it.')
  const formData = await request.formData()
  const intent = String(formData.get('intent') ?? '')
  if (!Object.hasOwn(SCHEMAS, intent)) return json({ intent: null, result: null, message: 'Choose what to do with this application.' }, { status: 400 })
  const submission = parseWithZod(formData, { schema: SCHEMAS[intent as Intent] })
  if (submission.status !== 'success') return json({ intent, result: submission.reply(), message: null }, { status: 400 })
  const now = new Date()
  let message: string
  try {
    const value = submission.value
    message = await db.transaction().execute(async (trx) => {
      if (value.intent === 'screening') {
        await overrideScreening(trx, user.id, { applicationId: id, result: value.result, reason: value.reason, now })
        return `Screening recorded: ${SCREENING_LABELS[value.result]}`
      }
      if (value.intent === 'outcomes') {
        const areas = await setOutcomeAreas(trx, user.id, { applicationId: id, outcomeAreas: value.outcomeAreas })
        return areas.length === 0 ? 'Outcome areas cleared' : `Outcome areas recorded: ${areas.map((a) => OUTCOME_AREA_LABELS[a]).join(', ')}`
      }
      if (value.intent === 'changes') {
        await reopenForChanges(trx, user, { applicationId: id, reason: value.reason, now })
        return 'The applicant has been asked for changes'
      }
      if (value.intent === 'invite') {
        const full = await inviteToFullApplication(trx, user, { applicationId: id, now })
        return `Invited to a full application (${full.reference})`
      }
      await declineExpressionOfInterest(trx, user, { applicationId: id, reason: value.reason, now })
      return 'The expression of interest has been declined'
    })
  } catch (e) {
    if (e instanceof NotFoundError) throw notFound()
    if (e instanceof DomainError) {
      const reply = e.field ? submission.reply({ fieldErrors: { [e.field]: [e.message] } }) : submission.reply({ formErrors: [e.message] })
      return json({ intent, result: reply, message: null }, { status: e.status })
    }
    throw e
  }
  return redirect(`/manage/applications/${id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
}

export default function ManageApplication() {
  const d = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const resultFor = (intent: Intent) => (actionData?.intent === intent ? (actionData.result as SubmissionResult<string[]>) : undefined)
  return (
    <>
      <span className="secondary">
        <Link to={`/manage/rounds/${d.roundId}/applications`}>Applications to {d.roundTitle}</Link>
      </span>
      <h1>
        {d.reference}: {d.organisationName}
      </h1>
      {actionData?.message ? (
        <div className="error-summary" role="alert">
          <p>{actionData.message}</p>
        </div>
      ) : null}
      <dl className="summary-list">
        <SummaryRow label="Title">{d.title}</SummaryRow>
        <SummaryRow label="Status">{d.statusLabel}</SummaryRow>
        <SummaryRow label="Stage">{d.stage === 'eoi' ? 'Expression of interest' : 'Full application'}</SummaryRow>
        <SummaryRow label="Submitted">{d.submittedAt ?? 'Not submitted'}</SummaryRow>
        <SummaryRow label="Amount requested">{d.amountRequested}</SummaryRow>
      </dl>

      <h2>Eligibility screening</h2>
      <dl className="summary-list">
        <SummaryRow label="Automatic result">
          {d.screening.automaticLabel}
          {d.screening.automatic.reasons.length > 0 ? (
            <ul>
              {d.screening.automatic.reasons.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          ) : null}
        </SummaryRow>
        {d.screening.overrideLabel ? (
          <SummaryRow label="Fund manager’s decision">
            {d.screening.overrideLabel}, by {d.screening.screenedBy ?? 'a fund manager'} on {d.screening.screenedAt}: “{d.screening.reason}”
          </SummaryRow>
        ) : null}
      </dl>
      {d.mayMakeAward ? (
        <p>
          The panel recommended this bid. <Link to={`/manage/applications/${d.id}/award`}>Make the award and commit it to a pot</Link>
        </p>
      ) : null}
      {d.award ? <AwardCommitments award={d.award} /> : null}

      {d.canDecide ? <ScreeningForm lastResult={resultFor('screening')} current={d.screening.effective} /> : null}

      <h2>Outcome areas</h2>
      <p>
        {d.outcomeAreas.length > 0
          ? `This bid works towards: ${d.outcomeAreas.map((a) => OUTCOME_AREA_LABELS[a]).join(', ')}.`
          : 'No outcome areas recorded yet.'}{' '}
        Ring-fenced money that funds only some outcomes (for example NHS money for health and wellbeing outcomes only) can fund this bid only when they match.
      </p>
      {d.canDecide ? <OutcomesForm lastResult={resultFor('outcomes')} current={d.outcomeAreas} /> : null}

      {d.canDecide ? <Decisions status={d.status} stage={d.stage} changesResult={resultFor('changes')} declineResult={resultFor('decline')} /> : null}

      <AnswerSections sections={d.sections} headingLevel={2} />
      {d.budget && d.budget.projectCostPence > 0 ? (
        <section aria-labelledby="budget-heading">
          <h2 id="budget-heading">Budget</h2>
          <dl className="summary-list">
            <SummaryRow label="Total project cost">{formatPence(d.budget.projectCostPence)}</SummaryRow>
            <SummaryRow label="Amount requested">{formatPence(d.budget.amountRequestedPence)}</SummaryRow>
            <SummaryRow label="Match funding">{`${d.budget.matchPercent}% of the project cost`}</SummaryRow>
          </dl>
        </section>
      ) : null}
    </>
  )
}

function OutcomesForm({ lastResult, current }: { lastResult: SubmissionResult<string[]> | undefined; current: readonly string[] }) {
  const [form, fields] = useForm({
    id: 'outcomes',
    lastResult,
    defaultValue: { outcomeAreas: [...current] },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: OutcomesSchema }),
  })
  return (
    <Form method="post" {...getFormProps(form)}>
      <ErrorSummary form={form} fields={{ outcomeAreas: fields.outcomeAreas }} />
      <input type="hidden" name="intent" value="outcomes" />
      <CheckboxGroup legend="Outcome areas this bid works towards" field={fields.outcomeAreas} options={OUTCOME_AREAS.map((a) => ({ value: a, label: OUTCOME_AREA_LABELS[a] }))} />
      <SubmitButton secondary>Save outcome areas</SubmitButton>
    </Form>
  )
}

function ScreeningForm({ lastResult, current }: { lastResult: SubmissionResult<string[]> | undefined; current: string }) {
  const [form, fields] = useForm({
    id: 'screening',
    lastResult,
    defaultValue: { result: current },
    shouldValidate: 'onBlur',
    onValidate: ({ formData }) => parseWithZod(formData, { schema: ScreeningSchema }),
  })
  return (
    <Form method="post" {...getFormProps(form)}>
      <ErrorSummary form={form} fields={{ result: fields.result, reason: fields.reason }} />
      <input type="hidden" name="intent" value="screening" />
      <SelectField field={fields.result} label="Your screening decision">
        <option value="eligible">{SCREENING_LABELS.eligible}</option>
        <option value="ineligible">{SCREENING_LABELS.ineligible}</option>
      </SelectField>
      <TextArea field={fields.reason} label="Reason for your decision" hint="This is kept in the audit trail." rows={3} />
      <SubmitButton>Record screening decision</SubmitButton>
    </Form>
  )
}

function Decisions({
  status,
  stage,
  changesResult,
  declineResult,
}: {
  status: string
  stage: 'eoi' | 'full'
  changesResult: SubmissionResult<string[]> | undefined
  declineResult: SubmissionResult<string[]> | undefined
}) {
  const [changesForm, changesFields] = useForm({
    id: 'changes',
    lastResult: changesResult,
    shouldValidate: 'onBlur',
    onValidate: ({ formData }) => parseWithZod(formData, { schema: ChangesSchema }),
  })
  const [declineForm, declineFields] = useForm({
    id: 'decline',
    lastResult: declineResult,
    shouldValidate: 'onBlur',
    onValidate: ({ formData }) => parseWithZod(formData, { schema: DeclineSchema }),
  })
  const eoiWaiting = stage === 'eoi' && status === 'eoi_submitted'
  if (status !== 'submitted' && !eoiWaiting) return null
  return (
    <>
      <h2>Next steps</h2>
      {status === 'submitted' ? (
        <Form method="post" {...getFormProps(changesForm)}>
          <ErrorSummary form={changesForm} fields={{ reason: changesFields.reason }} />
          <input type="hidden" name="intent" value="changes" />
          <TextArea field={changesFields.reason} label="What needs to change" hint="The applicant sees this." rows={3} />
          <SubmitButton secondary>Ask for changes</SubmitButton>
        </Form>
      ) : null}
      {eoiWaiting ? (
        <>
          <Form method="post">
            <input type="hidden" name="intent" value="invite" />
            <SubmitButton>Invite to full application</SubmitButton>
          </Form>
          <Form method="post" {...getFormProps(declineForm)}>
            <ErrorSummary form={declineForm} fields={{ reason: declineFields.reason }} />
            <input type="hidden" name="intent" value="decline" />
            <TextArea field={declineFields.reason} label="Reason for declining" hint="The organisation is told this." rows={3} />
            <SubmitButton secondary>Decline</SubmitButton>
          </Form>
        </>
      ) : null}
    </>
  )
}

function AwardCommitments({ award }: { award: { id: number; reference: string; amountPence: number; status: string; commitments: Array<{ id: number; potName: string; funderName: string; amountPence: number; overrideReason: string | null; releasedAt: string | null }> } }) {
  return (
    <section aria-labelledby="award-heading">
      <h2 id="award-heading">Award {award.reference}</h2>
      <p>
        {formatPence(award.amountPence)}, {award.status}. <Link to={`/manage/awards/${award.id}`}>Offer terms, schedule and payments for {award.reference}</Link>
      </p>
      {award.commitments.length === 0 ? (
        <p>No money is committed to this award yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption>Where the award’s money comes from</caption>
            <thead>
              <tr>
                <th scope="col">Funder</th>
                <th scope="col">Pot</th>
                <th scope="col" className="num">
                  Committed
                </th>
                <th scope="col">Reason for the fund manager’s own split</th>
              </tr>
            </thead>
            <tbody>
              {award.commitments.map((c) => (
                <tr key={c.id}>
                  <th scope="row">{c.funderName}</th>
                  <td>{c.potName}</td>
                  <td className="num">
                    {formatPence(c.amountPence)}
                    {c.releasedAt ? ' (released)' : ''}
                  </td>
                  <td>{c.overrideReason ?? 'The pot’s proposed split'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
