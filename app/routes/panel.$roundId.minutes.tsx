import { getFormProps, getInputProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SubmitButton, TextField } from '~/components/forms.tsx'
import { AttendeesInputError, panelMinutes, setAttendees } from '~/domain/assessment/minutes.server.ts'
import { DECISION_LABELS } from '~/domain/assessment/panel-labels.ts'
import { listRoundAssessors } from '~/domain/assessment/panel-members.server.ts'
import { requirePanelAccess, type PanelViewer } from '~/domain/assessment/panel.server.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { forbidden, notFound, requirePermission } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idParam, idText } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Panel minutes – Panels – Commonpot' }]

/** Blank rows offered for more attendees (the form works without JavaScript). */
const SPARE_ROWS = 3

const AttendeesSchema = z.object({
  panelHeldOn: z.string().trim().optional(),
  attendees: z
    .array(
      z.object({
        userId: idText.optional(),
        name: z.string().trim().max(200, 'The name must be 200 characters or fewer').optional(),
        role: z.string().trim().max(200, 'The role must be 200 characters or fewer').optional(),
      }),
    )
    .default([]),
})

async function access(user: PanelViewer, param: string | undefined) {
  const roundId = idParam(param)
  return requirePanelAccess(db, user, roundId).catch((e: unknown) => {
    if (e instanceof NotFoundError) throw notFound()
    if (e instanceof DomainError && e.status === 403) throw forbidden(e.message)
    throw e
  })
}

/** GET /panel/<roundId>/minutes: the minutes, and the form for who attended and when. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'decide:application:any', context)
  const round = await access(user, params.roundId)
  const minutes = await panelMinutes(db, round.id)
  // Until attendees are recorded, the form starts with the round's panel.
  const suggested =
    minutes.attendees.length > 0
      ? minutes.attendees.map((a) => ({ userId: a.userId, name: a.name, role: a.role }))
      : (await listRoundAssessors(db, round.id)).map((m) => ({ userId: m.userId, name: m.name, role: m.isChair ? 'Chair' : 'Assessor' }))
  return json({
    round: { id: round.id, title: round.title, panelHeldOn: round.panelHeldOn },
    attendees: minutes.attendees,
    formRows: [...suggested, ...Array.from({ length: SPARE_ROWS }, () => ({ userId: null, name: '', role: '' }))],
    conflicts: minutes.conflicts,
    decisions: minutes.decisions,
    overrides: minutes.overrides,
    undecided: minutes.undecided,
    acceptedRunId: minutes.acceptedRun?.id ?? null,
  })
}

/** POST: replaces the attendee list and the date the panel met. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'decide:application:any')
  const round = await access(user, params.roundId)
  const submission = parseWithZod(await request.formData(), { schema: AttendeesSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  const rows = submission.value.attendees.map((a) => ({ userId: a.userId ?? null, name: a.name ?? '', role: a.role ?? '' }))
  try {
    await db.transaction().execute((trx) => setAttendees(trx, user.id, round.id, rows, { panelHeldOn: submission.value.panelHeldOn ?? null }))
  } catch (e) {
    if (e instanceof AttendeesInputError) return json(submission.reply({ fieldErrors: { [e.field!]: [e.message] } }), { status: 400 })
    throw e
  }
  return redirect(`/panel/${round.id}/minutes`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message: 'Attendees saved' }) } })
}

export default function PanelMinutesPage() {
  const data = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'attendees',
    lastResult,
    defaultValue: { panelHeldOn: data.round.panelHeldOn ?? '', attendees: data.formRows.map((r) => ({ userId: r.userId === null ? '' : String(r.userId), name: r.name, role: r.role })) },
  })
  const rows = fields.attendees.getFieldList()
  return (
    <>
      <p className="secondary">
        <Link to={`/panel/${data.round.id}`}>{data.round.title}: ranked bids</Link>
      </p>
      <h1>Panel minutes: {data.round.title}</h1>
      <p>
        <a href={`/panel/${data.round.id}/minutes.pdf`}>Download the minutes (PDF)</a>
      </p>

      <h2>Attendees</h2>
      <ErrorSummary form={form} fields={fields} />
      <Form method="post" {...getFormProps(form)}>
        <TextField field={fields.panelHeldOn} label="Date the panel met" hint="For example, 2027-02-14." type="date" width="medium" />
        {rows.map((row, i) => {
          const f = row.getFieldset()
          return (
            <fieldset className="fieldset" key={row.key}>
              <legend>Attendee {i + 1}</legend>
              <input {...getInputProps(f.userId, { type: 'hidden' })} key={f.userId.key} />
              <TextField field={f.name} label="Name" />
              <TextField field={f.role} label="Role at the panel" hint="For example, Chair, Assessor, Fund manager, Observer." />
            </fieldset>
          )
        })}
        <p className="hint">Leave a row blank to remove it. Save to add more rows.</p>
        <SubmitButton>Save attendees</SubmitButton>
      </Form>

      <h2>Conflicts of interest declared</h2>
      {data.conflicts.length === 0 ? (
        <p>No conflicts of interest were declared.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Conflicts of interest declared</caption>
            <thead>
              <tr>
                <th scope="col">Who</th>
                <th scope="col">Bid</th>
                <th scope="col">Type</th>
                <th scope="col">Note</th>
              </tr>
            </thead>
            <tbody>
              {data.conflicts.map((c) => (
                <tr key={c.assessmentId}>
                  <th scope="row">{c.assessorName}</th>
                  <td>{c.reference}</td>
                  <td>{c.typeLabel}</td>
                  <td>{c.note ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>Decisions</h2>
      {data.undecided.length > 0 ? <p className="inset">Still to decide: {data.undecided.join(', ')}.</p> : null}
      {data.decisions.length === 0 ? (
        <p>No decisions have been recorded.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Decisions</caption>
            <thead>
              <tr>
                <th scope="col">Bid</th>
                <th scope="col">Decision</th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col">Rationale</th>
              </tr>
            </thead>
            <tbody>
              {data.decisions.map((d) => (
                <tr key={d.reference}>
                  <th scope="row">
                    {d.reference}: {d.title}
                  </th>
                  <td>{DECISION_LABELS[d.status]}</td>
                  <td className="num">{d.amountPence === null ? '—' : formatPence(d.amountPence)}</td>
                  <td>
                    {d.rationale}
                    {d.declineReason ? `. Reason: ${d.declineReason}` : ''}
                    {d.feedback ? `. Feedback: ${d.feedback}` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>Changes to the optimiser’s proposal</h2>
      {data.acceptedRunId === null ? <p>The panel has not accepted an optimiser proposal.</p> : null}
      {data.overrides.length === 0 ? (
        data.acceptedRunId === null ? null : <p>The panel made no changes to the proposal.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Changes to the optimiser’s proposal</caption>
            <thead>
              <tr>
                <th scope="col">Bid</th>
                <th scope="col">Proposed</th>
                <th scope="col">Decided</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {data.overrides.map((o) => (
                <tr key={o.reference}>
                  <th scope="row">{o.reference}</th>
                  <td>{DECISION_LABELS[o.proposedStatus]}</td>
                  <td>{DECISION_LABELS[o.status]}</td>
                  <td>{o.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
