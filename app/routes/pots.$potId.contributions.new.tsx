import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { CheckboxGroup } from '~/components/choice-fields.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, FieldError, SelectField, SubmitButton, TextField } from '~/components/forms.tsx'
import { addContribution, ContributionInputError } from '~/domain/budgets/contributions.server.ts'
import { getPot, PotNotFoundError, PotStatusError } from '~/domain/budgets/pots.server.ts'
import { OUTCOME_AREA_LABELS, OUTCOME_AREAS } from '~/domain/budgets/ring-fence.ts'
import { placesValidOn, ukToday } from '~/domain/places/places.server.ts'
import { db } from '~/lib/db.server.ts'
import { requirePermission } from '~/lib/guards.server.ts'
import { moneyField } from '~/lib/money.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idField, idParam } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Add a contribution – Commonpot' }]

/** Instalment rows on the form: a fixed number, so the page works without JavaScript; blank rows are ignored. */
const INSTALMENT_ROWS = 4
const DATE = /^\d{4}-\d{2}-\d{2}$/

const ContributionSchema = z
  .object({
    funderId: idField({ required_error: 'Select the contributor', invalid_type_error: 'Select the contributor' }),
    pledged: moneyField({ label: 'amount pledged', min: 1 }),
    instalments: z
      .array(z.object({ dueDate: z.string().trim().regex(DATE, 'Enter the date as YYYY-MM-DD, like 2026-04-01').optional(), amount: moneyField({ label: 'instalment amount', required: false, min: 1 }) }))
      .max(INSTALMENT_ROWS)
      .default([]),
    isInKind: z.literal('on').optional(),
    placeIds: z.array(idField()).optional(),
    outcomeAreas: z.array(z.enum(OUTCOME_AREAS)).optional(),
    fundIds: z.array(idField()).optional(),
    roundIds: z.array(idField()).optional(),
    spendBy: z.string().trim().regex(DATE, 'Enter the spend-by date as YYYY-MM-DD, like 2027-03-31').optional(),
    maxSharePercent: z.number({ invalid_type_error: 'Enter the maximum share as a whole number, like 50' }).int('Enter the maximum share as a whole number, like 50').optional(),
  })
  .superRefine((value, ctx) => {
    value.instalments.forEach((row, i) => {
      if (row.dueDate && row.amount === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['instalments', i, 'amount'], message: `Enter the amount of instalment ${i + 1}` })
      if (!row.dueDate && row.amount !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['instalments', i, 'dueDate'], message: `Enter the date instalment ${i + 1} is due` })
    })
    if (!value.instalments.some((row) => row.dueDate && row.amount !== undefined)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['instalments'], message: 'Add at least one instalment' })
    }
  })

function potIdFrom(params: { potId?: string }): number {
  return idParam(params.potId, 'Pot not found')
}

/** GET /pots/:potId/contributions/new: pledge, instalments and ring-fence conditions. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'manage:pot:any', context)
  const pot = await getPot(db, potIdFrom(params)).catch((e) => {
    if (e instanceof PotNotFoundError) throw new Response('Pot not found', { status: 404 })
    throw e
  })
  const [funders, places, funds, rounds] = await Promise.all([
    db.selectFrom('funders').select(['id', 'name']).orderBy('name').execute(),
    placesValidOn(db, ukToday()),
    db.selectFrom('funds').select(['id', 'name']).orderBy('name').execute(),
    db.selectFrom('rounds').select(['id', 'title']).where('status', '<>', 'archived').orderBy('title').execute(),
  ])
  return json({ pot: { id: pot.id, name: pot.name, financialYear: pot.financialYear }, funders, places: places.map((p) => ({ id: p.id, name: p.name })), funds, rounds })
}

/** POST /pots/:potId/contributions/new: records the pledge (nothing is written if any part is wrong). */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:pot:any')
  const potId = potIdFrom(params)
  const submission = parseWithZod(await request.formData(), { schema: ContributionSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  const v = submission.value
  const list = <T,>(values: T[] | undefined) => (values?.length ? values : null)
  try {
    const contribution = await db.transaction().execute((trx) =>
      addContribution(trx, user.id, {
        potId,
        funderId: v.funderId,
        pledgedPence: v.pledged,
        instalments: v.instalments.filter((row) => row.dueDate && row.amount !== undefined).map((row) => ({ dueDate: row.dueDate!, amountPence: row.amount! })),
        isInKind: v.isInKind === 'on',
        conditions: { placeIds: list(v.placeIds), outcomeAreas: list(v.outcomeAreas), fundIds: list(v.fundIds), roundIds: list(v.roundIds), spendBy: v.spendBy ?? null, maxSharePercent: v.maxSharePercent ?? null },
      }),
    )
    return redirect(`/pots/${potId}/contributions/${contribution.id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message: 'The pledge is recorded.' }) } })
  } catch (e) {
    if (e instanceof PotNotFoundError) throw new Response('Pot not found', { status: 404 })
    if (e instanceof ContributionInputError) return json(submission.reply({ fieldErrors: { [e.field!]: [e.message] } }), { status: 400 })
    if (e instanceof PotStatusError) return json(submission.reply({ formErrors: [e.message] }), { status: 409 })
    throw e
  }
}

export default function NewContribution() {
  const { pot, funders, places, funds, rounds } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'new-contribution',
    lastResult,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: ContributionSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
    defaultValue: { instalments: Array.from({ length: INSTALMENT_ROWS }, () => ({ dueDate: '', amount: '' })) },
  })
  const instalments = fields.instalments.getFieldList()
  const summaryFields = {
    funderId: fields.funderId,
    pledged: fields.pledged,
    instalments: fields.instalments,
    ...Object.fromEntries(instalments.flatMap((row, i) => [[`date${i}`, row.getFieldset().dueDate], [`amount${i}`, row.getFieldset().amount]])),
    placeIds: fields.placeIds,
    outcomeAreas: fields.outcomeAreas,
    fundIds: fields.fundIds,
    roundIds: fields.roundIds,
    spendBy: fields.spendBy,
    maxSharePercent: fields.maxSharePercent,
  }
  return (
    <>
      <h1>Add a contribution to {pot.name}</h1>
      <ErrorSummary form={form} fields={summaryFields} />
      <Form method="post" {...getFormProps(form)}>
        <SelectField width="full" field={fields.funderId} label="Contributor" placeholder="Select a funder">
          {funders.map((f) => (
            <option key={f.id} value={f.id}>
              {f.name}
            </option>
          ))}
        </SelectField>
        <TextField field={fields.pledged} label="Amount pledged" hint="In pounds, like £40,000" inputMode="decimal" width="medium" />
        <div className="checkbox">
          <input type="checkbox" id="isInKind" name="isInKind" />
          <label htmlFor="isInKind">This is an in-kind contribution (staff time, venues), not money</label>
        </div>
        <fieldset className="fieldset" aria-describedby={fields.instalments.errors?.length ? fields.instalments.errorId : undefined}>
          <legend>Instalments</legend>
          <p className="hint">When the money will arrive. The instalments must add up to the pledge; leave rows you do not need empty.</p>
          <FieldError field={fields.instalments} />
          {instalments.map((row, i) => {
            const { dueDate, amount } = row.getFieldset()
            return (
              <div key={row.key}>
                <TextField field={dueDate} label={`Instalment ${i + 1} due date`} hint="YYYY-MM-DD" width="medium" />
                <TextField field={amount} label={`Instalment ${i + 1} amount`} inputMode="decimal" width="medium" />
              </div>
            )
          })}
        </fieldset>
        <fieldset className="fieldset">
          <legend>Conditions (ring-fence)</legend>
          <p className="hint">Leave a list with nothing ticked to allow anything.</p>
          <CheckboxGroup legend="Only for projects in these places" field={fields.placeIds} options={places.map((p) => ({ value: String(p.id), label: p.name }))} />
          <CheckboxGroup legend="Only for these outcome areas" field={fields.outcomeAreas} options={OUTCOME_AREAS.map((a) => ({ value: a, label: OUTCOME_AREA_LABELS[a] }))} />
          <CheckboxGroup legend="Only for awards from these funds" field={fields.fundIds} options={funds.map((f) => ({ value: String(f.id), label: f.name }))} />
          <CheckboxGroup legend="Only for awards in these rounds" field={fields.roundIds} options={rounds.map((r) => ({ value: String(r.id), label: r.title }))} />
          <TextField field={fields.spendBy} label="Must be spent by (optional)" hint={`YYYY-MM-DD, on or after the start of ${pot.financialYear}`} width="medium" />
          <TextField field={fields.maxSharePercent} label="Most of any one award it may fund, in % (optional)" hint="A whole number from 1 to 100" inputMode="numeric" width="narrow" />
        </fieldset>
        <SubmitButton>Record the pledge</SubmitButton>
      </Form>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
