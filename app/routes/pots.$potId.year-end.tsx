import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SelectField, SubmitButton } from '~/components/forms.tsx'
import { getPot, listPots, PotNotFoundError, PotStatusError } from '~/domain/budgets/pots.server.ts'
import { YEAR_END_POLICY_LABELS } from '~/domain/budgets/pot-labels.ts'
import { closeYear, contributorStatements, YearEndInputError } from '~/domain/budgets/year-end.server.ts'
import { db } from '~/lib/db.server.ts'
import { requirePermission } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idField, idParam } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Close the year – Commonpot' }]

const YearEndSchema = z.object({ nextPotId: idField({ invalid_type_error: "Select next year's pot" }).optional() })

function potIdFrom(params: { potId?: string }): number {
  return idParam(params.potId, 'Pot not found')
}

/** GET /pots/:potId/year-end: what closing the year will do, and afterwards each contributor's statement. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'manage:pot:any', context)
  const pot = await getPot(db, potIdFrom(params)).catch((e) => {
    if (e instanceof PotNotFoundError) throw new Response('Pot not found', { status: 404 })
    throw e
  })
  const [statements, pots] = await Promise.all([contributorStatements(db, pot.id), listPots(db)])
  const laterPots = pots.filter((p) => p.id !== pot.id && p.status !== 'closed' && p.financialYear > pot.financialYear).map((p) => ({ id: p.id, name: p.name, financialYear: p.financialYear }))
  return json({ pot, statements, laterPots })
}

/** POST: closes the year per the pot's policy (idempotent). */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:pot:any')
  const potId = potIdFrom(params)
  const submission = parseWithZod(await request.formData(), { schema: YearEndSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  try {
    const result = await db.transaction().execute((trx) => closeYear(trx, user.id, { potId, nextPotId: submission.value.nextPotId ?? null }))
    const message = result.replayed ? 'The year was already closed.' : 'The year is closed. Each contributor’s statement is below.'
    return redirect(`/pots/${potId}/year-end`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  } catch (e) {
    if (e instanceof PotNotFoundError) throw new Response('Pot not found', { status: 404 })
    if (e instanceof YearEndInputError) return json(submission.reply({ fieldErrors: { [e.field!]: [e.message] } }), { status: 400 })
    if (e instanceof PotStatusError) return json(submission.reply({ formErrors: [e.message] }), { status: 409 })
    throw e
  }
}

export default function YearEnd() {
  const { pot, statements, laterPots } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({ id: 'close-year', lastResult, onValidate: ({ formData }) => parseWithZod(formData, { schema: YearEndSchema }) })
  const closed = pot.status === 'closed'
  return (
    <>
      <p>
        <Link to={`/pots/${pot.id}`}>Back to {pot.name}</Link>
      </p>
      <h1>{closed ? `${pot.financialYear} is closed` : `Close ${pot.financialYear}`}</h1>
      <p>
        The agreement says: {YEAR_END_POLICY_LABELS[pot.yearEndPolicy].toLowerCase()}. Money still committed to awards stays committed, and pledges never received
        stay outstanding.
      </p>
      {!closed ? (
        <>
          <ErrorSummary form={form} fields={{ nextPotId: fields.nextPotId }} labels={{ nextPotId: "Next year's pot" }} />
          <Form method="post" {...getFormProps(form)}>
            {pot.yearEndPolicy === 'carry_forward' ? (
              <SelectField field={fields.nextPotId} label="Next year's pot" placeholder="Select a pot" width="full" hint="Each contribution with money left becomes a contribution to this pot, with the same conditions.">
                {laterPots.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name} ({p.financialYear})
                  </option>
                ))}
              </SelectField>
            ) : null}
            <SubmitButton>Close the year</SubmitButton>
          </Form>
        </>
      ) : null}
      <h2>Statements by contributor</h2>
      {statements.length === 0 ? (
        <p>No one contributed to this pot.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption>What happened to each contributor’s money</caption>
            <thead>
              <tr>
                <th scope="col">Contributor</th>
                <th scope="col">Pledged</th>
                <th scope="col">Received</th>
                <th scope="col">Committed</th>
                <th scope="col">Paid</th>
                <th scope="col">Returned</th>
                <th scope="col">Carried forward</th>
                <th scope="col">Still available</th>
              </tr>
            </thead>
            <tbody>
              {statements.map((s) => (
                <tr key={s.funderId}>
                  <td>{s.funderName}</td>
                  <td>{formatPence(s.pledgedPence)}</td>
                  <td>{formatPence(s.receivedPence)}</td>
                  <td>{formatPence(s.committedPence)}</td>
                  <td>{formatPence(s.paidPence)}</td>
                  <td>{formatPence(s.returnedPence)}</td>
                  <td>{formatPence(s.carriedForwardPence)}</td>
                  <td>{formatPence(s.availablePence)}</td>
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
