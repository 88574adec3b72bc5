import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SubmitButton, TextField } from '~/components/forms.tsx'
import { getFund } from '~/domain/funds/funds.server.ts'
import { createRound, listRoundsOfFund, RoundInputError } from '~/domain/funds/rounds.server.ts'
import { formatDeadline } from '~/lib/dates.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.fund.name ?? 'Fund'} – Fund management – Commonpot` }]

const CreateRoundSchema = z.object({
  title: z.string({ required_error: 'Enter the title of the round' }).trim().min(1, 'Enter the title of the round').max(200, 'The title must be 200 characters or fewer'),
})

function fundIdFrom(params: { fundId?: string }): number {
  return idParam(params.fundId)
}

/** GET /manage/funds/<id>: the fund's rounds, and the form to create a round. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'manage:round:any', context)
  const fundId = fundIdFrom(params)
  const fund = await getFund(db, fundId).catch((e: unknown) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
  return json({ fund, rounds: await listRoundsOfFund(db, fundId, new Date()) })
}

/** POST /manage/funds/<id>: creates a draft round and goes to its page to fill it in. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:round:any')
  const fundId = fundIdFrom(params)
  const submission = parseWithZod(await request.formData(), { schema: CreateRoundSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  try {
    const round = await db.transaction().execute((trx) => createRound(trx, user.id, { fundId, title: submission.value.title }))
    const message = `${round.title} created as a draft. Fill in its details, then add its questions.`
    return redirect(`/manage/rounds/${round.id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  } catch (e) {
    if (e instanceof RoundInputError) return json(submission.reply({ fieldErrors: { [e.field!]: [e.message] } }), { status: e.status })
    if (e instanceof NotFoundError) throw notFound()
    throw e
  }
}

const PHASE_TEXT: Record<string, string> = { draft: 'Draft', upcoming: 'Published, not yet open', open: 'Open', closed: 'Closed' }

export default function FundRounds() {
  const { fund, rounds } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'create-round',
    lastResult,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: CreateRoundSchema }),
    shouldValidate: 'onSubmit',
  })
  return (
    <>
      <p className="secondary">
        <Link to="/manage/funds">Fund management</Link>
      </p>
      <h1>{fund.name}</h1>
      <p>{fund.description}</p>
      <p className="secondary">Funded by {fund.funders.map((f) => f.name).join(', ')}</p>
      <h2>Rounds</h2>
      {rounds.length === 0 ? (
        <p>This fund has no rounds yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Rounds of {fund.name}</caption>
            <thead>
              <tr>
                <th scope="col">Round</th>
                <th scope="col">Status</th>
                <th scope="col">Closes</th>
              </tr>
            </thead>
            <tbody>
              {rounds.map((r) => (
                <tr key={r.id}>
                  <td>
                    <Link to={`/manage/rounds/${r.id}`}>{r.title}</Link>
                  </td>
                  <td>{PHASE_TEXT[r.phase]}</td>
                  <td>{r.closesAt ? formatDeadline(r.closesAt) : 'Not set'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Create a round</h2>
      <ErrorSummary form={form} fields={{ title: fields.title }} labels={{ title: 'Round title' }} />
      <Form method="post" {...getFormProps(form)}>
        <TextField field={fields.title} label="Round title" hint="For example, Power of Music 2027. It also makes the round's web address." />
        <SubmitButton>Create round</SubmitButton>
      </Form>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
