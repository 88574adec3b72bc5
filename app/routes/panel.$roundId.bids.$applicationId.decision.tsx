import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { RadioGroup } from '~/components/choice-fields.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SelectField, SubmitButton, TextArea, TextField } from '~/components/forms.tsx'
import { conflictedBidIds, DecisionInputError, recordDecision } from '~/domain/assessment/decisions.server.ts'
import { DECISION_LABELS, DECISION_STATUSES, decisionLabel } from '~/domain/assessment/panel-labels.ts'
import { panelView, requirePanelAccess, type PanelViewer } from '~/domain/assessment/panel.server.ts'
import { formatPoints } from '~/domain/assessment/scoring.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { forbidden, notFound, requirePermission } from '~/lib/guards.server.ts'
import { formatPence, moneyField } from '~/lib/money.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Decide ${data?.bid.reference ?? 'a bid'} – Panels – Commonpot` }]

const text = (max: number, message: string) => z.string().trim().max(max, message).optional()

const DecisionSchema = z.object({
  status: z.enum(DECISION_STATUSES, { errorMap: () => ({ message: 'Select the panel’s decision' }) }),
  amount: moneyField({ label: 'recommended amount', required: false, min: 1 }),
  rationale: z.string({ required_error: 'Give the panel’s reason for this decision' }).trim().min(1, 'Give the panel’s reason for this decision').max(4000, 'The reason must be 4,000 characters or fewer'),
  declineReason: z.string().trim().optional(),
  feedback: text(4000, 'The feedback must be 4,000 characters or fewer'),
  overrideReason: text(4000, 'The reason must be 4,000 characters or fewer'),
})

const LABELS = { status: 'Decision', amount: 'Recommended amount', rationale: 'Reason', declineReason: 'Reason for declining', feedback: 'Feedback', overrideReason: 'Reason for changing the proposal' }

function idOf(param: string | undefined): number {
  return idParam(param)
}

/** The bid on the round's panel, when the user may decide it (403 for a conflict or another chair's round). */
async function decidableBid(user: PanelViewer, params: { roundId?: string; applicationId?: string }) {
  const roundId = idOf(params.roundId)
  const applicationId = idOf(params.applicationId)
  await requirePanelAccess(db, user, roundId).catch((e: unknown) => {
    if (e instanceof NotFoundError) throw notFound()
    if (e instanceof DomainError && e.status === 403) throw forbidden(e.message)
    throw e
  })
  const view = await panelView(db, roundId)
  const bid = view.rows.find((r) => r.applicationId === applicationId)
  if (!bid) throw notFound()
  if ((await conflictedBidIds(db, user.id, [applicationId])).has(applicationId)) throw forbidden('You declared a conflict of interest on this bid, so you cannot take part in its decision.')
  return { round: view.round, bid }
}

/** GET /panel/<roundId>/bids/<applicationId>/decision: the decision form for one bid. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'decide:application:any', context)
  const { round, bid } = await decidableBid(user, params)
  return json({ round: { id: round.id, title: round.title, declineReasons: round.declineReasons, maxGrantPence: round.maxGrantPence, released: !!round.decisionsReleasedAt }, bid })
}

/** POST: records the decision (400 with the field's message when a rule is broken, 409 once released). */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'decide:application:any')
  const { round, bid } = await decidableBid(user, params)
  const submission = parseWithZod(await request.formData(), { schema: DecisionSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  const v = submission.value
  try {
    await db.transaction().execute((trx) =>
      recordDecision(trx, user.id, { applicationId: bid.applicationId, status: v.status, amountPence: v.amount ?? null, rationale: v.rationale, declineReason: v.declineReason, feedback: v.feedback, overrideReason: v.overrideReason }),
    )
  } catch (e) {
    if (e instanceof DecisionInputError) return json(submission.reply({ fieldErrors: { [e.field!]: [e.message] } }), { status: 400 })
    if (e instanceof DomainError && e.status === 409) return json(submission.reply({ formErrors: [e.message] }), { status: 409 })
    if (e instanceof DomainError && e.status === 403) throw forbidden(e.message)
    throw e
  }
  const message = `${bid.reference}: ${DECISION_LABELS[v.status]}`
  return redirect(`/panel/${round.id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
}

export default function DecideBid() {
  const { round, bid } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const d = bid.decision
  const [form, fields] = useForm({
    id: 'decision',
    lastResult,
    defaultValue: {
      status: d?.status,
      amount: d?.amountPence ? formatPence(d.amountPence) : undefined,
      rationale: d?.rationale,
      declineReason: d?.declineReason ?? undefined,
      feedback: d?.feedback ?? undefined,
      overrideReason: d?.overrideReason ?? undefined,
    },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: DecisionSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
  })
  return (
    <>
      <p className="secondary">
        <Link to={`/panel/${round.id}`}>{round.title}: ranked bids</Link>
      </p>
      <h1>
        Decide {bid.reference}: {bid.title}
      </h1>
      <dl className="summary-list">
        <div>
          <dt>Rank</dt>
          <dd>{bid.rank}</dd>
        </div>
        <div>
          <dt>Amount requested</dt>
          <dd>{formatPence(bid.amountRequestedPence)}</dd>
        </div>
        <div>
          <dt>Moderated score</dt>
          <dd>{formatPoints(bid.moderatedTotalMilli)} out of 100</dd>
        </div>
        <div>
          <dt>Gateway</dt>
          <dd>{bid.gatewayFailed ? `Failed: ${bid.failedGatewayNames.join(', ')}` : 'Passed'}</dd>
        </div>
        <div>
          <dt>Current decision</dt>
          <dd>{decisionLabel(d?.status)}</dd>
        </div>
        {d?.proposedStatus ? (
          <div>
            <dt>The accepted proposal</dt>
            <dd>{decisionLabel(d.proposedStatus)}</dd>
          </div>
        ) : null}
      </dl>
      <p>
        <Link to={`/panel/${round.id}/bids/${bid.applicationId}`}>See the assessors’ scores and comments</Link>
      </p>
      {round.released ? (
        <p className="inset">Decisions have been released to applicants and can no longer be changed.</p>
      ) : (
        <>
          <ErrorSummary form={form} fields={fields} labels={LABELS} />
          <Form method="post" {...getFormProps(form)}>
            <RadioGroup field={fields.status} legend="Decision" options={DECISION_STATUSES.map((s) => ({ value: s, label: DECISION_LABELS[s] }))} />
            <TextField
              field={fields.amount}
              label="Recommended amount (if recommended)"
              hint={`Leave blank for the amount requested, ${formatPence(bid.amountRequestedPence)}.${round.maxGrantPence !== null ? ` The largest grant is ${formatPence(round.maxGrantPence)}.` : ''}`}
              inputMode="decimal"
              width="medium"
            />
            <TextArea field={fields.rationale} label="Reason for the decision" hint="For the minutes. Applicants do not see this." rows={3} />
            <SelectField width="full" field={fields.declineReason} label="Reason for declining (if declined)" hint="Applicants are told this reason." placeholder="Select a reason">
              {round.declineReasons.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </SelectField>
            <TextArea field={fields.feedback} label="Feedback for the applicant (optional)" hint="Sent with the decision when it is released." rows={3} />
            {d?.proposedStatus ? (
              <TextArea field={fields.overrideReason} label="Reason for changing the proposal" hint={`Needed if your decision differs from the accepted proposal (${decisionLabel(d.proposedStatus)}).`} rows={3} />
            ) : null}
            <SubmitButton>Record decision</SubmitButton>
          </Form>
        </>
      )}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
