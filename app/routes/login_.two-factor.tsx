import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useSearchParams } from '@remix-run/react'
import { z } from 'zod'
import { ErrorSummary, SubmitButton, TextField } from '~/components/forms.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { InvalidTotpCodeError, TOO_MANY_ATTEMPTS_MESSAGE } from '~/domain/identity/errors.ts'
import { verifySecondFactor } from '~/domain/identity/totp.server.ts'
import { safeRedirect, TotpCodeSchema } from '~/domain/identity/validation.ts'
import { db } from '~/lib/db.server.ts'
import { requireUser } from '~/lib/guards.server.ts'

export const meta: MetaFunction = () => [{ title: 'Enter your security code – Commonpot' }]

const SecondFactorSchema = z.object({
  code: TotpCodeSchema,
  redirectTo: z.string().optional(),
})

/** /login/two-factor: the second step of signing in, for people who have turned two-factor authentication on. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context)
  if (!user.totpEnabled || user.secondFactorVerified) throw redirect(safeRedirect(new URL(request.url).searchParams.get('redirectTo')))
  return null
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const submission = parseWithZod(await request.formData(), { schema: SecondFactorSchema })
  const redirectTo = safeRedirect(submission.payload.redirectTo as string | undefined)
  if (!user.totpEnabled || user.secondFactorVerified) throw redirect(redirectTo)
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  const result = await db.transaction().execute((trx) => verifySecondFactor(trx, { userId: user.id, sessionId: user.sessionId, code: submission.value.code }))
  if (result.status === 'throttled') return json(submission.reply({ formErrors: [TOO_MANY_ATTEMPTS_MESSAGE], hideFields: ['code'] }), { status: 429 })
  if (result.status === 'invalid') return json(submission.reply({ fieldErrors: { code: [new InvalidTotpCodeError().message] }, hideFields: ['code'] }), { status: 400 })
  return redirect(redirectTo)
}

export default function LoginTwoFactor() {
  const lastResult = useActionData<typeof action>()
  const [searchParams] = useSearchParams()
  const [form, fields] = useForm({
    id: 'two-factor',
    lastResult,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: SecondFactorSchema }),
    shouldValidate: 'onSubmit',
  })
  return (
    <>
      <h1>Enter your security code</h1>
      <ErrorSummary form={form} fields={{ code: fields.code }} />
      <p>Open the authenticator app you set up for Commonpot and enter the code it shows for your account.</p>
      <Form method="post" {...getFormProps(form)}>
        <input type="hidden" name="redirectTo" value={searchParams.get('redirectTo') ?? ''} />
        <TextField
          field={fields.code}
          label="Code from your authenticator app"
          hint="The code is 6 digits and changes every 30 seconds."
          autoComplete="one-time-code"
          inputMode="numeric"
          spellCheck={false}
          width="narrow"
        />
        <SubmitButton>Continue</SubmitButton>
      </Form>
      <p>
        If you no longer have your authenticator app, <Link to="/logout">sign out</Link> and ask your Commonpot administrator
        to reset two-factor authentication for your account.
      </p>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
