import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SubmitButton, TextField } from '~/components/forms.tsx'
import { normaliseAccountNumber, normaliseSortCode } from '~/domain/payments/bank-details.ts'
import { paymentSettings, updatePaymentSettings } from '~/domain/payments/settings.server.ts'
import { db } from '~/lib/db.server.ts'
import { requirePermission } from '~/lib/guards.server.ts'
import { moneyField, penceToDecimalPounds } from '~/lib/money.ts'
import { setFlash } from '~/lib/session.server.ts'

export const meta: MetaFunction = () => [{ title: 'Payment settings – Administration – Commonpot' }]

const SettingsSchema = z.object({
  threshold: moneyField({ label: 'four-eyes threshold', min: 0 }),
  sortCode: z.string({ required_error: 'Enter the sort code payments are made from' }).transform((v, ctx) => {
    const code = normaliseSortCode(v)
    if (!code) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'Enter a sort code, like 30-94-57' })
    return code ?? ''
  }),
  accountNumber: z.string({ required_error: 'Enter the account number payments are made from' }).transform((v, ctx) => {
    const number = normaliseAccountNumber(v)
    if (!number) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'Enter an 8-digit account number' })
    return number ?? ''
  }),
  name: z
    .string({ required_error: 'Enter the name the bank knows the account by' })
    .trim()
    .max(18, 'The name in a BACS file is at most 18 characters')
    .regex(/^[A-Za-z0-9 .&/-]+$/, 'Use only letters, numbers, spaces and . & / -')
    .transform((v) => v.toUpperCase()),
})

const LABELS = { threshold: 'Four-eyes threshold', sortCode: 'Sort code', accountNumber: 'Account number', name: 'Account name in BACS files' }

/** GET /admin/payment-settings (administrators): the four-eyes threshold and the paying account. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'manage:user:any', context)
  const settings = await paymentSettings(db)
  return json({ threshold: penceToDecimalPounds(settings.approvalThresholdPence), ...settings.originator })
}

/** POST: saves the settings (audited); bad input comes back beside its field. */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:user:any')
  const submission = parseWithZod(await request.formData(), { schema: SettingsSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  const v = submission.value
  await db.transaction().execute((trx) =>
    updatePaymentSettings(trx, user.id, { approvalThresholdPence: v.threshold, originator: { sortCode: v.sortCode, accountNumber: v.accountNumber, name: v.name } }),
  )
  return redirect('/admin/payment-settings', { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message: 'Payment settings saved' }) } })
}

export default function PaymentSettings() {
  const d = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'payment-settings',
    lastResult,
    defaultValue: { threshold: d.threshold, sortCode: d.sortCode, accountNumber: d.accountNumber, name: d.name },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: SettingsSchema }),
    shouldRevalidate: 'onBlur',
  })
  return (
    <>
      <p className="secondary">
        <Link to="/admin">Administration</Link>
      </p>
      <h1>Payment settings</h1>
      <Form method="post" {...getFormProps(form)}>
        <ErrorSummary form={form} fields={fields} labels={LABELS} />
        <TextField field={fields.threshold} label="Four-eyes threshold, in pounds" hint="A payment run whose total is above this needs a second, different finance officer to approve it. 0 means every run." inputMode="decimal" width="medium" />
        <h2>The account payments are made from</h2>
        <TextField field={fields.sortCode} label="Sort code" hint="6 digits, like 30-94-57" inputMode="numeric" width="narrow" />
        <TextField field={fields.accountNumber} label="Account number" hint="8 digits" inputMode="numeric" width="narrow" />
        <TextField field={fields.name} label="Account name in BACS files" hint="At most 18 characters: letters, numbers, spaces and . & / -" width="medium" />
        <SubmitButton>Save payment settings</SubmitButton>
      </Form>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
