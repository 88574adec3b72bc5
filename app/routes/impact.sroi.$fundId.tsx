import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SubmitButton, TextField } from '~/components/forms.tsx'
import { fundSroiModel, saveSroiInputs } from '~/domain/impact/sroi.server.ts'
import { SROI_SOURCES, SroiInputsSchema, sroiFormDefaults, VALUED_MEASURES } from '~/domain/impact/sroi.ts'
import { MEASURE_BY_CODE } from '~/domain/returns/measures.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data ? `SROI inputs: ${data.fundName}` : 'SROI inputs'} – Commonpot` }]

const LABELS: Record<string, string> = {
  ...Object.fromEntries(VALUED_MEASURES.map((code) => [`value_${code}`, `Value: ${MEASURE_BY_CODE[code].label}`])),
  deadweightPercent: 'Deadweight',
  attributionPercent: 'Attribution',
  dropOffPercent: 'Drop-off',
  durationYears: 'Duration',
  discountRatePercent: 'Discount rate',
}

function fundIdOf(params: { fundId?: string }): number {
  return idParam(params.fundId, 'We could not find that fund.')
}

async function modelOr404(fundId: number) {
  try {
    return await fundSroiModel(db, fundId)
  } catch (e) {
    if (e instanceof NotFoundError) throw notFound('We could not find that fund.')
    throw e
  }
}

/**
 * GET /impact/sroi/:fundId: the fund's SROI inputs as a form (manage:fund:any: they are the fund's own valuation
 * assumptions, set by the people who run the fund; finance and administrators read them beside every estimate).
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'manage:fund:any', context)
  const model = await modelOr404(fundIdOf(params))
  return json({ fundId: model.fundId, fundName: model.fundName, isDefault: model.isDefault, updatedAt: model.updatedAt, updatedByName: model.updatedByName, defaults: sroiFormDefaults(model.inputs) })
}

/** POST: saves the inputs (audited); bad input comes back beside its field with 400 and nothing saved. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:fund:any')
  const fundId = fundIdOf(params)
  await modelOr404(fundId)
  const submission = parseWithZod(await request.formData(), { schema: SroiInputsSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  await db.transaction().execute((trx) => saveSroiInputs(trx, user.id, { fundId, inputs: submission.value }))
  return redirect(`/impact?fund=${fundId}#sroi`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message: 'SROI inputs saved' }) } })
}

export default function SroiInputsPage() {
  const d = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'sroi-inputs',
    lastResult,
    defaultValue: d.defaults,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: SroiInputsSchema }),
    shouldRevalidate: 'onBlur',
  })
  const field = (name: string) => (fields as unknown as Record<string, Parameters<typeof TextField>[0]['field']>)[name]
  return (
    <>
      <p className="secondary">
        <Link to={`/impact?fund=${d.fundId}`}>Impact of {d.fundName}</Link>
      </p>
      <h1>Social return on investment: {d.fundName}</h1>
      {d.isDefault ? (
        <p className="inset">
          This fund is using the starting assumptions. They are illustrative, not evidence: replace them with values your fund can stand behind.
        </p>
      ) : (
        <p className="secondary">
          Last changed {d.updatedAt?.slice(0, 10)}
          {d.updatedByName ? ` by ${d.updatedByName}` : ''}.
        </p>
      )}
      <p>{SROI_SOURCES.method}</p>
      <p className="secondary">{SROI_SOURCES.defaults}</p>
      <p className="secondary">{SROI_SOURCES.context}</p>
      <Form method="post" {...getFormProps(form)}>
        <ErrorSummary form={form} fields={fields} labels={LABELS} />
        <fieldset className="fieldset">
          <legend>Value of one person&rsquo;s improvement for one year, in pounds</legend>
          <p className="hint">Leave a measure at 0 to leave it out. Value one ONS4 item only, or a person who improves on all four is counted four times.</p>
          {VALUED_MEASURES.map((code) => (
            <TextField key={code} field={field(`value_${code}`)} label={MEASURE_BY_CODE[code].label} inputMode="decimal" width="narrow" />
          ))}
        </fieldset>
        <fieldset className="fieldset">
          <legend>Adjustments</legend>
          <TextField field={field('deadweightPercent')} label="Deadweight, %" hint="The share of the improvement that would have happened anyway, from 0 to 100." inputMode="decimal" width="narrow" />
          <TextField field={field('attributionPercent')} label="Attribution, %" hint="The share owed to others (other services, family, the NHS), from 0 to 100." inputMode="decimal" width="narrow" />
          <TextField field={field('dropOffPercent')} label="Drop-off each year, %" hint="How much of the value is lost each year after the first, from 0 to 100." inputMode="decimal" width="narrow" />
          <TextField field={field('durationYears')} label="Duration, in years" hint="How many years the improvement is counted for, from 1 to 10." inputMode="numeric" width="narrow" />
          <TextField field={field('discountRatePercent')} label="Discount rate, % a year" hint="0 switches discounting off. HM Treasury's Green Book uses 3.5." inputMode="decimal" width="narrow" />
        </fieldset>
        <SubmitButton>Save SROI inputs</SubmitButton>
      </Form>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
