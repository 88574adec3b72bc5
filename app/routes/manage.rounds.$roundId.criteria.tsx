import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { CRITERION_FIELD_LABELS, CriterionFields } from '~/components/criterion-fields.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SubmitButton } from '~/components/forms.tsx'
import { addCriterion, CriteriaLockedError, criteriaLocked, CriterionInputError, deleteCriterion, listCriteria, moveCriterion } from '~/domain/assessment/criteria.server.ts'
import { CriterionFormSchema, criterionFromForm } from '~/domain/assessment/criterion-input.ts'
import { weightShares } from '~/domain/assessment/scoring.ts'
import { getRound } from '~/domain/funds/rounds.server.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idField, idParam } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Assessment criteria: ${data?.round.title ?? 'round'} – Commonpot` }]

const ChangeSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('move'), criterionId: idField(), direction: z.enum(['up', 'down']) }),
  z.object({ intent: z.literal('delete'), criterionId: idField() }),
])

function roundIdFrom(params: { roundId?: string }): number {
  return idParam(params.roundId)
}

/** GET /manage/rounds/<id>/criteria: the round's criteria with each weight's share of the total, and a form to add one. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'manage:round:any', context)
  const round = await getRound(db, roundIdFrom(params)).catch((e: unknown) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
  const [criteria, locked] = await Promise.all([listCriteria(db, round.id), criteriaLocked(db, round.id)])
  const shares = weightShares(criteria)
  return json({
    round: { id: round.id, title: round.title },
    locked,
    criteria: criteria.map((c) => ({ id: c.id, name: c.name, guidance: c.guidance, isGateway: c.isGateway, weight: c.weight, scaleMin: c.scaleMin, scaleMax: c.scaleMax, sharePercent: shares.get(c.id) ?? null, descriptors: c.descriptors })),
  })
}

/** POST /manage/rounds/<id>/criteria: add a criterion (intent=add), or move or delete one. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:round:any')
  const roundId = roundIdFrom(params)
  const formData = await request.formData()
  const submission = parseWithZod(formData, { schema: formData.get('intent') === 'add' ? CriterionFormSchema : ChangeSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  const input = submission.value
  const back = async (message: string) => redirect(`/manage/rounds/${roundId}/criteria`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  try {
    if (!('criterionId' in input)) {
      const added = await db.transaction().execute((trx) => addCriterion(trx, user.id, roundId, criterionFromForm(input)))
      return back(`Criterion “${added.name}” added`)
    }
    const ref = { roundId, criterionId: input.criterionId }
    if (input.intent === 'move') {
      await db.transaction().execute((trx) => moveCriterion(trx, user.id, { ...ref, direction: input.direction }))
      return back(`Criterion moved ${input.direction}`)
    }
    await db.transaction().execute((trx) => deleteCriterion(trx, user.id, ref))
    return back('Criterion deleted')
  } catch (e) {
    if (e instanceof CriterionInputError) return json(submission.reply({ fieldErrors: { [e.field!]: [e.message] } }), { status: 400 })
    if (e instanceof CriteriaLockedError) return json(submission.reply({ formErrors: [e.message] }), { status: 409 })
    if (e instanceof NotFoundError) throw notFound()
    throw e
  }
}

export default function Criteria() {
  const { round, criteria, locked } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'add-criterion',
    lastResult,
    defaultValue: { intent: 'add', kind: 'scored', scaleMin: '1', scaleMax: '5' },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: CriterionFormSchema }),
    shouldValidate: 'onSubmit',
    shouldRevalidate: 'onInput',
  })
  return (
    <>
      <p className="secondary">
        <Link to={`/manage/rounds/${round.id}`}>{round.title}</Link> · <Link to={`/manage/rounds/${round.id}/assessment`}>Assessment settings</Link>
      </p>
      <h1>Assessment criteria</h1>
      <p className="lead">Assessors score each bid against these criteria. Each scored criterion counts in proportion to its weight; a pass or fail criterion stops any bid that fails it.</p>
      {locked ? <p className="inset">Assessors have already submitted scores in this round, so its criteria are fixed: changing them would change what those scores mean.</p> : null}
      <ErrorSummary form={form} fields={fields} labels={CRITERION_FIELD_LABELS} />
      {criteria.length === 0 ? (
        <p>No criteria yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption>Criteria for {round.title}</caption>
            <thead>
              <tr>
                <th scope="col">Criterion</th>
                <th scope="col">Weight</th>
                <th scope="col">Scale</th>
                {locked ? null : <th scope="col">Change</th>}
              </tr>
            </thead>
            <tbody>
              {criteria.map((c, i) => (
                <tr key={c.id}>
                  <th scope="row">
                    {c.name}
                    {c.guidance ? <p className="secondary">{c.guidance}</p> : null}
                  </th>
                  <td>{c.isGateway ? 'Must pass' : `${c.weight} (${c.sharePercent}% of the score)`}</td>
                  <td>
                    {c.isGateway ? 'Pass or fail' : `${c.scaleMin} to ${c.scaleMax}`}
                    {Object.keys(c.descriptors).length > 0 && !c.isGateway ? (
                      <ul className="secondary">
                        {Object.entries(c.descriptors).map(([score, text]) => (
                          <li key={score}>
                            {score}: {text}
                          </li>
                        ))}
                      </ul>
                    ) : null}
                  </td>
                  {locked ? null : (
                    <td>
                      <Link to={`/manage/rounds/${round.id}/criteria/${c.id}`}>
                        Edit<span className="visually-hidden"> “{c.name}”</span>
                      </Link>
                      {i > 0 ? <ChangeButton criterionId={c.id} name={c.name} intent="move" direction="up" /> : null}
                      {i < criteria.length - 1 ? <ChangeButton criterionId={c.id} name={c.name} intent="move" direction="down" /> : null}
                      <ChangeButton criterionId={c.id} name={c.name} intent="delete" />
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {locked ? null : (
        <>
          <h2>Add a criterion</h2>
          <Form method="post" {...getFormProps(form)}>
            <input type="hidden" name="intent" value="add" />
            <CriterionFields fields={fields} />
            <SubmitButton>Add criterion</SubmitButton>
          </Form>
        </>
      )}
    </>
  )
}

function ChangeButton({ criterionId, name, intent, direction }: { criterionId: number; name: string; intent: 'move' | 'delete'; direction?: 'up' | 'down' }) {
  return (
    <Form method="post">
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name="criterionId" value={criterionId} />
      {direction ? <input type="hidden" name="direction" value={direction} /> : null}
      <button type="submit" className="link-button">
        {intent === 'delete' ? 'Delete' : `Move ${direction}`}
        <span className="visually-hidden"> “{name}”</span>
      </button>
    </Form>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
