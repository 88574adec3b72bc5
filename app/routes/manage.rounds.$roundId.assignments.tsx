import { getFormProps, useForm, type SubmissionResult } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { Checkbox } from '~/components/choice-fields.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SelectField, SubmitButton, TextArea } from '~/components/forms.tsx'
import { CONFLICT_TYPE_LABELS, CONFLICT_TYPES, managerStatusLabel } from '~/domain/assessment/assessment-labels.ts'
import { assignByHand, autoAssign, listAssignments, unassign } from '~/domain/assessment/assignment.server.ts'
import { listConflicts, recordConflictOnBehalf } from '~/domain/assessment/conflicts.server.ts'
import { listRoundAssessors } from '~/domain/assessment/panel-members.server.ts'
import { getRound } from '~/domain/funds/rounds.server.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { MAX_ID, idParam } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Assignments – ${data?.round.title ?? 'Round'} – Fund management – Commonpot` }]

const id = (message: string) => z.number({ required_error: message, invalid_type_error: message }).int().positive(message).max(MAX_ID)
const AutoSchema = z.object({ intent: z.literal('auto'), preferPlace: z.boolean().optional() })
const AssignSchema = z.object({ intent: z.literal('assign'), applicationId: id('Choose a bid'), assessorUserId: id('Choose an assessor') })
const TakeBackSchema = z.object({ intent: z.literal('take-back'), assessmentId: id('Choose an assignment') })
const ConflictSchema = z
  .object({
    intent: z.literal('conflict'),
    applicationId: id('Choose the bid'),
    assessorUserId: id('Choose the assessor'),
    type: z.enum(CONFLICT_TYPES, { errorMap: () => ({ message: 'Select the kind of conflict of interest' }) }),
    note: z.string().trim().max(2000, 'The note must be 2,000 characters or fewer').optional(),
  })
  .refine((v) => v.type !== 'other' || !!v.note, { path: ['note'], message: 'Describe the conflict of interest' })
const SCHEMAS = { auto: AutoSchema, assign: AssignSchema, 'take-back': TakeBackSchema, conflict: ConflictSchema } as const
type Intent = keyof typeof SCHEMAS

function roundIdOf(param: string | undefined): number {
  return idParam(param)
}

/** GET /manage/rounds/<id>/assignments: each eligible bid with its assessors, and the conflicts declared. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'manage:round:any', context)
  const round = await getRound(db, roundIdOf(params.roundId)).catch((e: unknown) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
  const [assignments, members, conflicts] = await Promise.all([listAssignments(db, round.id), listRoundAssessors(db, round.id), listConflicts(db, round.id)])
  return json({
    round: { id: round.id, title: round.title },
    assessorsPerBid: assignments.assessorsPerBid,
    rows: assignments.rows.map((r) => ({ ...r, assessments: r.assessments.map((a) => ({ ...a, statusLabel: managerStatusLabel(a.status) })) })),
    members: members.map((m) => ({ userId: m.userId, name: m.name, workload: m.workload.total })),
    conflicts,
    conflictTypes: CONFLICT_TYPES.map((t) => ({ value: t, label: CONFLICT_TYPE_LABELS[t] })),
  })
}

/** POST: give out bids automatically, give or take back one by hand, or record a conflict for an assessor. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:round:any')
  const roundId = roundIdOf(params.roundId)
  const formData = await request.formData()
  const intent = String(formData.get('intent') ?? '')
  if (!Object.hasOwn(SCHEMAS, intent)) throw new Response('Choose what to do: give out bids, give or take back one, or record a conflict of interest.', { status: 400 })
  const applicationId = Number(formData.get('applicationId')) || null
  const submission = parseWithZod(formData, { schema: SCHEMAS[intent as Intent] })
  if (submission.status !== 'success') return json({ intent, applicationId, result: submission.reply() }, { status: 400 })
  try {
    const v = submission.value
    const message = await db.transaction().execute(async (trx) => {
      if (v.intent === 'auto') return autoAssignedMessage(await autoAssign(trx, user, { roundId, preferPlaceKnowledge: !!v.preferPlace }))
      if (v.intent === 'assign') return (await assignByHand(trx, user, { applicationId: v.applicationId, assessorUserId: v.assessorUserId, roundId }), 'Bid given to the assessor')
      if (v.intent === 'take-back') return (await unassign(trx, user, { assessmentId: v.assessmentId, roundId }), 'Bid taken back from the assessor')
      await recordConflictOnBehalf(trx, user.id, { applicationId: v.applicationId, assessorUserId: v.assessorUserId, type: v.type, note: v.note ?? '', roundId })
      return 'Conflict of interest recorded: the assessor can no longer see or score the bid'
    })
    return redirect(`/manage/rounds/${roundId}/assignments`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  } catch (e) {
    if (e instanceof NotFoundError) throw notFound()
    if (!(e instanceof DomainError)) throw e
    const reply = e.field ? submission.reply({ fieldErrors: { [e.field]: [e.message] } }) : submission.reply({ formErrors: [e.message] })
    return json({ intent, applicationId, result: reply }, { status: e.status })
  }
}

function autoAssignedMessage(result: Awaited<ReturnType<typeof autoAssign>>): string {
  const made = result.created.length === 0 ? 'No new assignments were needed' : `Made ${result.created.length} ${result.created.length === 1 ? 'assignment' : 'assignments'}`
  if (result.shortfalls.length === 0) return `${made}. Every bid has enough assessors.`
  return `${made}. ${result.shortfalls.length} ${result.shortfalls.length === 1 ? 'bid still needs' : 'bids still need'} assessors (${result.shortfalls.map((s) => s.reference).join(', ')}): ${result.shortfalls[0]!.reason}`
}

type Data = ReturnType<typeof useLoaderData<typeof loader>>

export default function RoundAssignments() {
  const d = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const resultFor = (intent: Intent, applicationId?: number) =>
    actionData?.intent === intent && (applicationId === undefined || actionData.applicationId === applicationId) ? (actionData.result as SubmissionResult<string[]>) : undefined
  const takeBackErrors = Object.values(resultFor('take-back')?.error ?? {}).flat()
  return (
    <>
      <span className="secondary">
        <Link to={`/manage/rounds/${d.round.id}`}>{d.round.title}</Link> · <Link to={`/manage/rounds/${d.round.id}/panel`}>Panel</Link>
      </span>
      <h1>Give bids to assessors</h1>
      <p>
        Each bid needs {d.assessorsPerBid} {d.assessorsPerBid === 1 ? 'assessor' : 'assessors'}. Assessors never get a bid from an organisation they belong to, nor one
        they have declared a conflict on.
      </p>
      {takeBackErrors.length ? (
        <div className="error-summary" role="alert">
          <h2 className="error-summary__title">There is a problem</h2>
          <ul className="error-summary__list">
            {takeBackErrors.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <AutoAssign lastResult={resultFor('auto')} />
      {d.members.length === 0 ? (
        <p>
          Nobody is on this round’s panel yet. <Link to={`/manage/rounds/${d.round.id}/panel`}>Add assessors to the panel</Link>.
        </p>
      ) : null}
      {d.rows.length === 0 ? (
        <p>No submitted, eligible bids to assess yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption>Bids and their assessors</caption>
            <thead>
              <tr>
                <th scope="col">Bid</th>
                <th scope="col">Place</th>
                <th scope="col">Assessors</th>
                <th scope="col">Still needed</th>
                <th scope="col">Give to an assessor</th>
              </tr>
            </thead>
            <tbody>
              {d.rows.map((row) => (
                <tr key={row.applicationId}>
                  <th scope="row">
                    <Link to={`/manage/applications/${row.applicationId}`}>{row.reference}</Link>
                    <br />
                    {row.organisationName}
                  </th>
                  <td>{row.placeName ?? '—'}</td>
                  <td>
                    {row.assessments.length === 0 ? (
                      'None yet'
                    ) : (
                      <ul>
                        {row.assessments.map((a) => (
                          <li key={a.id}>
                            {a.assessorName}: {a.statusLabel}
                            {a.status === 'assigned' || a.status === 'draft' ? (
                              <Form method="post">
                                <input type="hidden" name="intent" value="take-back" />
                                <input type="hidden" name="assessmentId" value={a.id} />
                                <button type="submit" className="link-button">
                                  Take {row.reference} back from {a.assessorName}
                                </button>
                              </Form>
                            ) : null}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td>{row.needed === 0 ? 'None' : row.needed}</td>
                  <td>
                    <AssignByHand row={row} members={d.members} lastResult={resultFor('assign', row.applicationId)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {d.members.length > 0 && d.rows.length > 0 ? <RecordConflict rows={d.rows} members={d.members} conflictTypes={d.conflictTypes} lastResult={resultFor('conflict')} /> : null}
      <Conflicts conflicts={d.conflicts} />
    </>
  )
}

function AutoAssign({ lastResult }: { lastResult: SubmissionResult<string[]> | undefined }) {
  const [form, fields] = useForm({ id: 'auto-assign', lastResult, shouldValidate: 'onSubmit', onValidate: ({ formData }) => parseWithZod(formData, { schema: AutoSchema }) })
  return (
    <section aria-labelledby="auto-heading">
      <h2 id="auto-heading">Give out bids automatically</h2>
      <Form method="post" {...getFormProps(form)}>
        <ErrorSummary form={form} fields={{ preferPlace: fields.preferPlace }} />
        <input type="hidden" name="intent" value="auto" />
        <p>Tops every bid up to the number of assessors it needs, giving each to the assessors with the fewest bids so far. Bids already given stay as they are.</p>
        <Checkbox field={fields.preferPlace} label="Prefer assessors who know the place" />
        <SubmitButton>Give out bids</SubmitButton>
      </Form>
    </section>
  )
}

function AssignByHand({ row, members, lastResult }: { row: Data['rows'][number]; members: Data['members']; lastResult: SubmissionResult<string[]> | undefined }) {
  const [form, fields] = useForm({ id: `assign-${row.applicationId}`, lastResult, shouldValidate: 'onSubmit', onValidate: ({ formData }) => parseWithZod(formData, { schema: AssignSchema }) })
  const taken = new Set(row.assessments.map((a) => a.assessorUserId))
  const free = members.filter((m) => !taken.has(m.userId))
  if (free.length === 0) return <>Everyone on the panel has this bid or a conflict on it</>
  return (
    <Form method="post" {...getFormProps(form)}>
      <ErrorSummary form={form} fields={{ assessorUserId: fields.assessorUserId }} />
      <input type="hidden" name="intent" value="assign" />
      <input type="hidden" name="applicationId" value={row.applicationId} />
      <SelectField field={fields.assessorUserId} label={`Assessor for ${row.reference}`} placeholder="Choose an assessor">
        {free.map((m) => (
          <option key={m.userId} value={m.userId}>
            {m.name} ({m.workload} {m.workload === 1 ? 'bid' : 'bids'})
          </option>
        ))}
      </SelectField>
      <SubmitButton secondary>Give {row.reference} to this assessor</SubmitButton>
    </Form>
  )
}

function RecordConflict({
  rows,
  members,
  conflictTypes,
  lastResult,
}: {
  rows: Data['rows']
  members: Data['members']
  conflictTypes: Data['conflictTypes']
  lastResult: SubmissionResult<string[]> | undefined
}) {
  const [form, fields] = useForm({ id: 'record-conflict', lastResult, shouldValidate: 'onSubmit', onValidate: ({ formData }) => parseWithZod(formData, { schema: ConflictSchema }) })
  return (
    <section aria-labelledby="conflict-heading">
      <h2 id="conflict-heading">Record a conflict for an assessor</h2>
      <p>If an assessor tells you about a conflict of interest, record it here for them. They will no longer see or score the bid, and any scores they gave it will not count.</p>
      <Form method="post" {...getFormProps(form)}>
        <ErrorSummary form={form} fields={{ applicationId: fields.applicationId, assessorUserId: fields.assessorUserId, type: fields.type, note: fields.note }} />
        <input type="hidden" name="intent" value="conflict" />
        <SelectField field={fields.applicationId} label="Bid" placeholder="Choose the bid">
          {rows.map((r) => (
            <option key={r.applicationId} value={r.applicationId}>
              {r.reference}: {r.organisationName}
            </option>
          ))}
        </SelectField>
        <SelectField field={fields.assessorUserId} label="Assessor" placeholder="Choose the assessor">
          {members.map((m) => (
            <option key={m.userId} value={m.userId}>
              {m.name}
            </option>
          ))}
        </SelectField>
        <SelectField field={fields.type} label="Kind of conflict" placeholder="Choose the kind of conflict">
          {conflictTypes.map((t) => (
            <option key={t.value} value={t.value}>
              {t.label}
            </option>
          ))}
        </SelectField>
        <TextArea field={fields.note} label="Note" hint="Required if you choose Other. The panel minutes list every conflict." rows={3} />
        <SubmitButton secondary>Record the conflict</SubmitButton>
      </Form>
    </section>
  )
}

function Conflicts({ conflicts }: { conflicts: Data['conflicts'] }) {
  return (
    <section aria-labelledby="conflicts-heading">
      <h2 id="conflicts-heading">Conflicts of interest declared</h2>
      {conflicts.length === 0 ? (
        <p>None yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Conflicts of interest declared in this round</caption>
            <thead>
              <tr>
                <th scope="col">Bid</th>
                <th scope="col">Assessor</th>
                <th scope="col">Kind</th>
                <th scope="col">Note</th>
                <th scope="col">Recorded by</th>
              </tr>
            </thead>
            <tbody>
              {conflicts.map((c) => (
                <tr key={c.assessmentId}>
                  <th scope="row">{c.reference}</th>
                  <td>{c.assessorName}</td>
                  <td>{c.typeLabel}</td>
                  <td>{c.note ?? '—'}</td>
                  <td>{c.recordedByName ?? 'The assessor'}</td>
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
