import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { CheckboxGroup } from '~/components/choice-fields.tsx'
import { ErrorSummary, SelectField, SubmitButton, TextArea, TextField } from '~/components/forms.tsx'
import { createFund, listFunders, listFunds, uniqueFundSlug } from '~/domain/funds/funds.server.ts'
import { db } from '~/lib/db.server.ts'
import { requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idField } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Fund management – Commonpot' }]

const SHAPES = {
  thriving_communities: 'Place-based partnerships, scored by a panel (Thriving Communities style)',
  power_of_music: 'Small or multi-year grants, possibly first come, first served (Power of Music style)',
  place_based_pot: 'A place-based shared investment pot',
  other: 'Something else',
} as const

const FundSchema = z.object({
  name: z.string({ required_error: 'Enter the name of the fund' }).trim().min(1, 'Enter the name of the fund').max(200, 'The name must be 200 characters or fewer'),
  description: z.string().trim().max(2000, 'The description must be 2,000 characters or fewer').optional(),
  shape: z.enum(Object.keys(SHAPES) as [keyof typeof SHAPES, ...(keyof typeof SHAPES)[]], { errorMap: () => ({ message: 'Select the kind of fund' }) }),
  funderIds: z.array(idField(), { required_error: 'Select at least one funder' }).min(1, 'Select at least one funder'),
})

/** GET /manage/funds: every fund with its funders, and the form to create one. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'manage:round:any', context)
  const [funds, funders] = await Promise.all([listFunds(db), listFunders(db)])
  return json({ funds, funders })
}

/** POST /manage/funds: creates a fund belonging to the funders ticked. */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:fund:any')
  const submission = parseWithZod(await request.formData(), { schema: FundSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  const funders = new Set((await listFunders(db)).map((f) => f.id))
  if (!submission.value.funderIds.every((id) => funders.has(id))) return json(submission.reply({ fieldErrors: { funderIds: ['Select funders from the list'] } }), { status: 400 })
  const fund = await db.transaction().execute(async (trx) =>
    createFund(trx, user.id, { ...submission.value, description: submission.value.description ?? '', slug: await uniqueFundSlug(trx, submission.value.name) }),
  )
  return redirect(`/manage/funds/${fund.id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message: `${fund.name} created` }) } })
}

export default function Funds() {
  const { funds, funders } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'create-fund',
    lastResult,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: FundSchema }),
    shouldValidate: 'onSubmit',
    shouldRevalidate: 'onInput',
  })
  return (
    <>
      <h1>Fund management</h1>
      <p className="lead">Funds are programmes paid for by one or more funders. Each fund runs rounds that groups apply to.</p>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Funds</caption>
          <thead>
            <tr>
              <th scope="col">Fund</th>
              <th scope="col">Funders</th>
              <th scope="col">Rounds</th>
            </tr>
          </thead>
          <tbody>
            {funds.map((f) => (
              <tr key={f.id}>
                <td>
                  <Link to={`/manage/funds/${f.id}`}>{f.name}</Link>
                </td>
                <td>{f.funders.map((x) => x.name).join(', ')}</td>
                <td>{f.rounds}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {funds.length === 0 ? <p>There are no funds yet.</p> : null}

      <h2>Create a fund</h2>
      <ErrorSummary form={form} fields={{ name: fields.name, description: fields.description, shape: fields.shape, funderIds: fields.funderIds }} labels={{ name: 'Fund name', shape: 'Kind of fund', funderIds: 'Funders' }} />
      <Form method="post" {...getFormProps(form)}>
        <TextField field={fields.name} label="Fund name" />
        <TextArea field={fields.description} label="Description" hint="What the fund is for, shown to the public." rows={4} />
        <SelectField field={fields.shape} label="Kind of fund" placeholder="Select a kind" width="full">
          {Object.entries(SHAPES).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </SelectField>
        <CheckboxGroup field={fields.funderIds} legend="Funders" hint="Every funder whose money goes into this fund." options={funders.map((f) => ({ value: String(f.id), label: f.name }))} />
        <SubmitButton>Create fund</SubmitButton>
      </Form>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
