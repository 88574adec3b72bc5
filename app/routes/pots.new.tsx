import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SelectField, SubmitButton, TextField } from '~/components/forms.tsx'
import { parseFinancialYear } from '~/domain/budgets/financial-year.ts'
import { createPot, PotInputError } from '~/domain/budgets/pots.server.ts'
import { AVAILABLE_BASIS_LABELS, YEAR_END_POLICY_LABELS } from '~/domain/budgets/pot-labels.ts'
import { placesValidOn, ukToday } from '~/domain/places/places.server.ts'
import { db } from '~/lib/db.server.ts'
import { requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idField } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Create a pot – Commonpot' }]

const NATIONAL = 'national'

const PotSchema = z.object({
  name: z.string({ required_error: 'Enter a name for the pot' }).trim().min(1, 'Enter a name for the pot').max(200, 'The name must be 200 characters or fewer'),
  place: z.string({ required_error: 'Select a place, or "National (no single place)"' }).regex(/^(national|\d+)$/, 'Select a place from the list'),
  hostFunderId: idField({ required_error: 'Select the funder that hosts the pot', invalid_type_error: 'Select the funder that hosts the pot' }),
  poolManagerUserId: idField({ invalid_type_error: 'Select the pool manager' }).optional(),
  financialYear: z
    .string({ required_error: 'Enter the financial year, like 2026-27' })
    .trim()
    .superRefine((value, ctx) => {
      const parsed = parseFinancialYear(value)
      if (!parsed.ok) ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed.message })
    }),
  availableBasis: z.enum(['received', 'pledged'], { errorMap: () => ({ message: 'Select what money counts as available' }) }),
  yearEndPolicy: z.enum(['carry_forward', 'return'], { errorMap: () => ({ message: 'Select what happens to unspent money at year end' }) }),
})

const LABELS = { name: 'Name', place: 'Place', hostFunderId: 'Host', poolManagerUserId: 'Pool manager', financialYear: 'Financial year', availableBasis: 'Available money', yearEndPolicy: 'At year end' }

/** GET /pots/new: the form to create a pot (fund managers). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'manage:pot:any', context)
  const [places, funders, managers] = await Promise.all([
    placesValidOn(db, ukToday()),
    db.selectFrom('funders').select(['id', 'name']).orderBy('name').execute(),
    db
      .selectFrom('users')
      .innerJoin('user_roles', 'user_roles.user_id', 'users.id')
      .select(['users.id', 'users.name'])
      .where('user_roles.role', 'in', ['fund_manager', 'finance_officer'])
      .where('users.anonymised_at', 'is', null)
      .distinct()
      .orderBy('users.name')
      .execute(),
  ])
  return json({ places: places.map((p) => ({ id: p.id, name: p.name })), funders, managers })
}

/** POST /pots/new: creates the pot in draft and goes to its page. */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:pot:any')
  const submission = parseWithZod(await request.formData(), { schema: PotSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  const { place, poolManagerUserId, ...rest } = submission.value
  try {
    const pot = await db.transaction().execute((trx) =>
      createPot(trx, user.id, { ...rest, placeId: place === NATIONAL ? null : Number(place), poolManagerUserId: poolManagerUserId ?? null }),
    )
    return redirect(`/pots/${pot.id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message: `${pot.name} is created as a draft.` }) } })
  } catch (e) {
    if (e instanceof PotInputError) return json(submission.reply({ fieldErrors: { [e.field === 'placeId' ? 'place' : e.field!]: [e.message] } }), { status: 400 })
    throw e
  }
}

export default function NewPot() {
  const { places, funders, managers } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'new-pot',
    lastResult,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: PotSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
  })
  return (
    <>
      <h1>Create a pot</h1>
      <ErrorSummary form={form} fields={fields} labels={LABELS} />
      <Form method="post" {...getFormProps(form)}>
        <TextField field={fields.name} label="Name" hint="For example, NHS South West London shared investment pot 2026-27" />
        <SelectField width="full" field={fields.place} label="Place" hint="The integrated care board area the pot serves." placeholder="Select a place">
          <option value={NATIONAL}>National (no single place)</option>
          {places.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </SelectField>
        <SelectField width="full" field={fields.hostFunderId} label="Host" hint="The partner that hosts the pool." placeholder="Select a funder">
          {funders.map((f) => (
            <option key={f.id} value={f.id}>
              {f.name}
            </option>
          ))}
        </SelectField>
        <SelectField width="full" field={fields.poolManagerUserId} label="Pool manager" hint="The named person who accounts for the pool." placeholder="Select a person">
          {managers.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </SelectField>
        <TextField field={fields.financialYear} label="Financial year" hint="Like 2026-27 (1 April 2026 to 31 March 2027)." width="narrow" />
        <SelectField width="full" field={fields.availableBasis} label="Available money" defaultValue="received">
          {Object.entries(AVAILABLE_BASIS_LABELS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </SelectField>
        <SelectField width="full" field={fields.yearEndPolicy} label="At year end" defaultValue="carry_forward">
          {Object.entries(YEAR_END_POLICY_LABELS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </SelectField>
        <SubmitButton>Create pot</SubmitButton>
      </Form>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
