import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, type ActionFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData } from '@remix-run/react'
import { z } from 'zod'
import { ErrorSummary, SubmitButton, TextField } from '~/components/forms.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { requestPasswordReset, RESET_TOKEN_TTL_MINUTES } from '~/domain/identity/password-reset.server.ts'
import { EmailSchema } from '~/domain/identity/validation.ts'
import { db } from '~/lib/db.server.ts'
import { kickOutbox } from '~/lib/mail.server.ts'
import { appOrigin } from '~/lib/env.server.ts'

export const meta: MetaFunction = () => [{ title: 'Reset your password – Commonpot' }]

const ForgotPasswordSchema = z.object({ email: EmailSchema })

/**
 * POST /forgot-password. The answer is the same whether or not the address has an account, so this page cannot be
 * used to find out who is registered.
 */
export async function action({ request }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.formData(), { schema: ForgotPasswordSchema })
  if (submission.status !== 'success') return json({ sentTo: null, result: submission.reply() }, { status: 400 })
  const { email } = submission.value
  const resetPageUrl = `${appOrigin(request)}/reset-password`
  await db.transaction().execute((trx) => requestPasswordReset(trx, { email, resetPageUrl }))
  kickOutbox()
  // The lifetime travels with the answer: a .server module's constants are not in the browser bundle.
  return json({ sentTo: email, expiresInMinutes: RESET_TOKEN_TTL_MINUTES, result: submission.reply({ resetForm: true }) })
}

export default function ForgotPassword() {
  const data = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'forgot-password',
    lastResult: data?.result,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: ForgotPasswordSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
  })
  if (data?.sentTo) {
    return (
      <>
        <h1>Check your email</h1>
        <p>
          If there is a Commonpot account for <strong>{data.sentTo}</strong>, we have sent it a link to reset the password. The
          link works once, for {data.expiresInMinutes} minutes.
        </p>
        <p>If nothing arrives in a few minutes, check your spam folder, or make sure you used the address you signed up with.</p>
        <p>
          <Link to="/forgot-password">Send another link</Link>{' '}
          or <Link to="/login">go back to sign in</Link>.
        </p>
      </>
    )
  }
  return (
    <>
      <h1>Reset your password</h1>
      <ErrorSummary form={form} fields={{ email: fields.email }} />
      <p>Enter the email address you use for Commonpot and we will send you a link to choose a new password.</p>
      <Form method="post" {...getFormProps(form)}>
        <TextField field={fields.email} label="Email address" type="email" autoComplete="email" spellCheck={false} />
        <SubmitButton>Send reset link</SubmitButton>
      </Form>
      <p>
        <Link to="/login">Back to sign in</Link>
      </p>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
