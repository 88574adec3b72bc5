import { getFormProps, useForm, type SubmissionResult } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { CheckboxGroup, RadioGroup } from '~/components/choice-fields.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SelectField, SubmitButton } from '~/components/forms.tsx'
import { addAssessorToRound, listPanelCandidates, listRoundAssessors, removeAssessorFromRound, setAssessorPlaces } from '~/domain/assessment/panel-members.server.ts'
import { getRound } from '~/domain/funds/rounds.server.ts'
import { placesValidOn, ukToday } from '~/domain/places/places.server.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { MAX_ID, idField, idParam } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Panel – ${data?.round.title ?? 'Round'} – Fund management – Commonpot` }]

const userId = z.number({ required_error: 'Select a person', invalid_type_error: 'Select a person' }).int().positive('Select a person').max(MAX_ID)
const AddSchema = z.object({
  intent: z.literal('add'),
  userId,
  role: z.enum(['assessor', 'chair'], { errorMap: () => ({ message: 'Choose assessor or chair' }) }),
})
const RemoveSchema = z.object({ intent: z.literal('remove'), userId })
const PlacesSchema = z.object({ intent: z.literal('places'), userId, placeIds: z.array(idField()).default([]) })
const SCHEMAS = { add: AddSchema, remove: RemoveSchema, places: PlacesSchema } as const
type Intent = keyof typeof SCHEMAS

function roundIdOf(param: string | undefined): number {
  return idParam(param)
}

/** GET /manage/rounds/<id>/panel: who sits on the round's panel, their workload and the places each knows. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'manage:round:any', context)
  const round = await getRound(db, roundIdOf(params.roundId)).catch((e: unknown) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
  const [members, candidates, places] = await Promise.all([listRoundAssessors(db, round.id), listPanelCandidates(db, round.id), placesValidOn(db, ukToday())])
  return json({ round: { id: round.id, title: round.title }, members, candidates, places: places.map((p) => ({ value: String(p.id), label: p.name })) })
}

/** POST: put someone on the panel, take them off, or set the places an assessor knows. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:round:any')
  const roundId = roundIdOf(params.roundId)
  const formData = await request.formData()
  const intent = String(formData.get('intent') ?? '')
  if (!Object.hasOwn(SCHEMAS, intent)) throw new Response('Choose what to do: add someone to the panel, take them off, or set their places.', { status: 400 })
  const submission = parseWithZod(formData, { schema: SCHEMAS[intent as Intent] })
  const who = Number(formData.get('userId')) || null
  if (submission.status !== 'success') return json({ intent, userId: who, result: submission.reply() }, { status: 400 })
  try {
    const v = submission.value
    const message = await db.transaction().execute(async (trx) => {
      if (v.intent === 'add') return (await addAssessorToRound(trx, user, { roundId, userId: v.userId, isChair: v.role === 'chair' }), 'Added to the panel')
      if (v.intent === 'remove') {
        const { unassigned } = await removeAssessorFromRound(trx, user, { roundId, userId: v.userId })
        return `Taken off the panel${unassigned ? `, with ${unassigned} unscored ${unassigned === 1 ? 'bid' : 'bids'}` : ''}`
      }
      return (await setAssessorPlaces(trx, user, { userId: v.userId, placeIds: v.placeIds }), 'Places saved')
    })
    return redirect(`/manage/rounds/${roundId}/panel`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  } catch (e) {
    if (e instanceof NotFoundError) throw notFound()
    if (!(e instanceof DomainError)) throw e
    const reply = e.field ? submission.reply({ fieldErrors: { [e.field]: [e.message] } }) : submission.reply({ formErrors: [e.message] })
    return json({ intent, userId: who, result: reply }, { status: e.status })
  }
}

type Data = ReturnType<typeof useLoaderData<typeof loader>>

export default function RoundPanel() {
  const { round, members, candidates, places } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const resultFor = (intent: Intent, who?: number) =>
    actionData?.intent === intent && (who === undefined || actionData.userId === who) ? (actionData.result as SubmissionResult<string[]>) : undefined
  return (
    <>
      <span className="secondary">
        <Link to={`/manage/rounds/${round.id}`}>{round.title}</Link>
      </span>
      <h1>Assessment panel</h1>
      <p>
        <Link to={`/manage/rounds/${round.id}/assignments`}>Give bids to assessors</Link>
      </p>
      {resultFor('remove') ? <RemoveError result={resultFor('remove')!} /> : null}
      {members.length === 0 ? (
        <p>Nobody is on this round’s panel yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption>Panel members and their bids in this round</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Bids (not started, in progress, submitted)</th>
                <th scope="col">Conflicts declared</th>
                <th scope="col">Places they know</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <tr key={m.userId}>
                  <th scope="row">{m.name}</th>
                  <td>{m.isChair ? 'Chair' : 'Assessor'}</td>
                  <td>
                    {m.workload.total} ({m.workload.assigned}, {m.workload.draft}, {m.workload.submitted})
                  </td>
                  <td>{m.workload.conflict}</td>
                  <td>{m.places.length ? m.places.map((p) => p.name).join(', ') : 'None recorded'}</td>
                  <td>
                    <Form method="post">
                      <input type="hidden" name="intent" value="remove" />
                      <input type="hidden" name="userId" value={m.userId} />
                      <button type="submit" className="link-button">
                        Take {m.name} off the panel
                      </button>
                    </Form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <AddMember candidates={candidates} lastResult={resultFor('add')} />
      {members.length > 0 ? <h2>Places each assessor knows</h2> : null}
      {members.length > 0 ? <p>When bids are given out automatically, you can prefer assessors who know the bid’s place.</p> : null}
      {members.map((m) => (
        <MemberPlaces key={m.userId} member={m} places={places} lastResult={resultFor('places', m.userId)} />
      ))}
    </>
  )
}

function RemoveError({ result }: { result: SubmissionResult<string[]> }) {
  const messages = Object.values(result.error ?? {}).flat()
  return (
    <div className="error-summary" role="alert">
      <h2 className="error-summary__title">There is a problem</h2>
      <ul className="error-summary__list">
        {messages.map((m) => (
          <li key={m}>{m}</li>
        ))}
      </ul>
    </div>
  )
}

function AddMember({ candidates, lastResult }: { candidates: Data['candidates']; lastResult: SubmissionResult<string[]> | undefined }) {
  const [form, fields] = useForm({ id: 'add-member', lastResult, defaultValue: { role: 'assessor' }, shouldValidate: 'onSubmit', onValidate: ({ formData }) => parseWithZod(formData, { schema: AddSchema }) })
  return (
    <section aria-labelledby="add-heading">
      <h2 id="add-heading">Add someone to the panel</h2>
      {candidates.length === 0 ? (
        <p>Everyone with the assessor or panel chair role is on this panel. An administrator can grant the role to more people.</p>
      ) : (
        <Form method="post" {...getFormProps(form)}>
          <ErrorSummary form={form} fields={{ userId: fields.userId, role: fields.role }} />
          <input type="hidden" name="intent" value="add" />
          <SelectField field={fields.userId} label="Person" placeholder="Choose a person" hint="People with the assessor or panel chair role.">
            {candidates.map((c) => (
              <option key={c.userId} value={c.userId}>
                {c.name} ({c.email}){c.canChair ? ', can chair' : ''}
              </option>
            ))}
          </SelectField>
          <RadioGroup
            field={fields.role}
            legend="Role on this panel"
            options={[
              { value: 'assessor', label: 'Assessor' },
              { value: 'chair', label: 'Chair (moderates scores and leads decisions; needs the panel chair role)' },
            ]}
          />
          <SubmitButton>Add to the panel</SubmitButton>
        </Form>
      )}
    </section>
  )
}

function MemberPlaces({ member, places, lastResult }: { member: Data['members'][number]; places: Data['places']; lastResult: SubmissionResult<string[]> | undefined }) {
  const [form, fields] = useForm({
    id: `places-${member.userId}`,
    lastResult,
    defaultValue: { placeIds: member.places.map((p) => String(p.id)) },
    shouldValidate: 'onSubmit',
    onValidate: ({ formData }) => parseWithZod(formData, { schema: PlacesSchema }),
  })
  return (
    <details className="details" open={!!lastResult}>
      <summary>
        {member.name}: {member.places.length ? `${member.places.length} ${member.places.length === 1 ? 'place' : 'places'}` : 'no places recorded'}
      </summary>
      <Form method="post" {...getFormProps(form)}>
        <ErrorSummary form={form} fields={{ placeIds: fields.placeIds }} />
        <input type="hidden" name="intent" value="places" />
        <input type="hidden" name="userId" value={member.userId} />
        <CheckboxGroup field={fields.placeIds} legend={`Places ${member.name} knows`} hint="Integrated care boards in force today." options={places} />
        <SubmitButton secondary>Save places for {member.name}</SubmitButton>
      </Form>
    </details>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
