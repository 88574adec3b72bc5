import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { Checkbox, RadioGroup } from '~/components/choice-fields.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, FieldError, SubmitButton, TextField } from '~/components/forms.tsx'
import { SWEMWBS_COPYRIGHT } from '~/domain/returns/measures.ts'
import { MAX_INTERIM_MONTHS, RETURN_SCHEDULE_KINDS, RETURN_SCHEDULE_LABELS } from '~/domain/returns/return-schedule.ts'
import { getReturnSettings, ReturnSettingsInputError, updateReturnSettings } from '~/domain/returns/settings.server.ts'
import { formatLondon } from '~/lib/dates.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { formatPence, moneyField } from '~/lib/money.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Impact returns – ${data?.settings.roundTitle ?? 'Round'} – Commonpot` }]

const SettingsSchema = z
  .object({
    kind: z.enum(RETURN_SCHEDULE_KINDS, { errorMap: () => ({ message: 'Choose when returns are due' }) }),
    interimMonths: z
      .number({ invalid_type_error: 'Enter the months to the interim return as a whole number' })
      .int('Enter the months to the interim return as a whole number')
      .min(1, 'Enter the months to the interim return as a whole number from 1 to 36')
      .max(MAX_INTERIM_MONTHS, 'Enter the months to the interim return as a whole number from 1 to 36')
      .optional(),
    shortReturnMax: moneyField({ label: 'largest grant that gets the short form' }),
    swemwbsEnabled: z.boolean().optional(),
    swemwbsLicence: z.boolean().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.kind === 'interim_and_final' && v.interimMonths === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['interimMonths'], message: 'Enter the months from the start to the interim return' })
  })
const LABELS = { kind: 'When returns are due', interimMonths: 'Months to the interim return', shortReturnMax: 'Short form threshold', swemwbsLicence: 'SWEMWBS licence' }

function roundIdOf(param: string | undefined): number {
  return idParam(param)
}

async function load(param: string | undefined) {
  return getReturnSettings(db, roundIdOf(param)).catch((e: unknown) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
}

/** GET /manage/rounds/<id>/returns: the round's return schedule, short-form threshold and SWEMWBS licence switch. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'manage:round:any', context)
  const settings = await load(params.roundId)
  return json({ settings, confirmedAtText: settings.swemwbsLicenceConfirmedAt ? formatLondon(settings.swemwbsLicenceConfirmedAt, 'd MMMM yyyy') : null })
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:round:any')
  const settings = await load(params.roundId)
  const submission = parseWithZod(await request.formData(), { schema: SettingsSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  const v = submission.value
  try {
    await db.transaction().execute((trx) =>
      updateReturnSettings(trx, user.id, {
        roundId: settings.roundId,
        schedule: v.kind === 'interim_and_final' ? { kind: v.kind, interimMonths: v.interimMonths! } : { kind: v.kind },
        shortReturnMaxPence: v.shortReturnMax,
        swemwbsEnabled: !!v.swemwbsEnabled,
        swemwbsLicenceConfirmed: !!v.swemwbsLicence,
      }),
    )
  } catch (e) {
    if (e instanceof ReturnSettingsInputError) return json(submission.reply({ fieldErrors: { [e.field ?? 'kind']: [e.message] } }), { status: 400 })
    throw e
  }
  const message = 'Return settings saved. They apply to offers whose terms are set from now on.'
  return redirect(`/manage/rounds/${settings.roundId}/returns`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
}

export default function RoundReturnSettings() {
  const { settings, confirmedAtText } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'return-settings',
    lastResult,
    defaultValue: {
      kind: settings.schedule.kind,
      interimMonths: settings.schedule.kind === 'interim_and_final' ? String(settings.schedule.interimMonths) : '6',
      shortReturnMax: formatPence(settings.shortReturnMaxPence, { pence: 'auto' }),
      swemwbsEnabled: settings.swemwbsEnabled ? 'on' : undefined,
    },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: SettingsSchema }),
    shouldValidate: 'onBlur',
  })
  const licenceInvalid = !!fields.swemwbsLicence.errors?.length
  return (
    <>
      <span className="secondary">
        <Link to={`/manage/rounds/${settings.roundId}`}>{settings.roundTitle}</Link>
      </span>
      <h1>Impact returns for {settings.roundTitle}</h1>
      <p>
        Returns are attached to each award when its offer terms are set. An award paid the same amount each year always has a return at the end of each year, which its next payment waits for. Changes here apply to
        offers whose terms are set from now on.
      </p>
      <Form method="post" {...getFormProps(form)}>
        <ErrorSummary form={form} fields={{ kind: fields.kind, interimMonths: fields.interimMonths, shortReturnMax: fields.shortReturnMax, swemwbsLicence: fields.swemwbsLicence }} labels={LABELS} />
        <RadioGroup field={fields.kind} legend="When returns are due" options={RETURN_SCHEDULE_KINDS.map((k) => ({ value: k, label: RETURN_SCHEDULE_LABELS[k] }))} />
        <TextField field={fields.interimMonths} label="Months from the start to the interim return" hint="For an interim and a final return. The final return is due at the end of the grant." inputMode="numeric" width="narrow" />
        <TextField field={fields.shortReturnMax} label="Largest grant that gets the short form, in pounds" hint="Grants of this much or less get the short return form; larger grants the full one. The default is £10,000." inputMode="decimal" width="narrow" />
        <fieldset className={`fieldset form-group${licenceInvalid ? ' form-group--error' : ''}`} id={fields.swemwbsLicence.id + '-fieldset'}>
          <legend>SWEMWBS (optional measure)</legend>
          <p className="hint">{SWEMWBS_COPYRIGHT}</p>
          {confirmedAtText ? (
            <p>
              Licence confirmed by {settings.swemwbsLicenceConfirmedBy ?? 'a fund manager'} on {confirmedAtText}.
            </p>
          ) : (
            <>
              <p>SWEMWBS is licensed. Switch it on only if your organisation holds a licence to use it (free for most non-commercial use, from the University of Warwick).</p>
              <FieldError field={fields.swemwbsLicence} />
              <Checkbox field={fields.swemwbsLicence} label="I confirm we hold a licence to use SWEMWBS" />
            </>
          )}
          <Checkbox field={fields.swemwbsEnabled} label="Offer SWEMWBS on this round’s returns" />
        </fieldset>
        <SubmitButton>Save return settings</SubmitButton>
      </Form>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
