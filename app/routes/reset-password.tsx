import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { ErrorSummary, SubmitButton, TextField } from '~/components/forms.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { PasswordRuleError, ResetTokenInvalidError } from '~/domain/identity/errors.ts'
import { isResetTokenUsable, resetPassword } from '~/domain/identity/password-reset.server.ts'
import { newPasswordSchema, PASSWORD_HINT } from '~/domain/identity/validation.ts'
import { db } from '~/lib/db.server.ts'
import { kickOutbox } from '~/lib/mail.server.ts'
import { destroySessionCookie, setFlash } from '~/lib/session.server.ts'

export const meta: MetaFunction = () => [{ title: 'Choose a new password – Commonpot' }]

const ResetPasswordSchema = z
  .object({
    token: z.string({ required_error: 'This password reset link is not complete' }).max(200),
    newPassword: newPasswordSchema('New password'),
    confirmPassword: z.string({ required_error: 'Confirm your new password' }),
  })
  .refine((v) => v.newPassword === v.confirmPassword, { path: ['confirmPassword'], message: 'The passwords do not match' })

/** GET /reset-password?token=...: says at once if the link has expired or been used, before anyone types a password. */
export async function loader({ request }: LoaderFunctionArgs) {
  const token = new URL(request.url).searchParams.get('token') ?? ''
  const usable = token.length > 0 && token.length <= 200 && (await isResetTokenUsable(db, token))
  return json({ token: usable ? token : null }, { status: usable ? 200 : 400 })
}

export async function action({ request }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.formData(), { schema: ResetPasswordSchema })
  if (submission.status !== 'success') return json({ tokenInvalid: false, result: submission.reply({ hideFields: ['newPassword', 'confirmPassword'] }) }, { status: 400 })
  try {
    const { token, newPassword } = submission.value
    await db.transaction().execute((trx) => resetPassword(trx, { token, newPassword }))
    kickOutbox()
  } catch (e) {
    if (e instanceof ResetTokenInvalidError) return json({ tokenInvalid: true, result: submission.reply({ resetForm: true }) }, { status: 400 })
    if (e instanceof PasswordRuleError) {
      return json({ tokenInvalid: false, result: submission.reply({ fieldErrors: { newPassword: [e.message] }, hideFields: ['newPassword', 'confirmPassword'] }) }, { status: 400 })
    }
    throw e
  }
  // Every session of the account was revoked, including any in this browser: clear its cookie too.
  const headers = new Headers()
  headers.append('Set-Cookie', await destroySessionCookie())
  headers.append('Set-Cookie', await setFlash(request, { kind: 'success', message: 'Your password has been changed. Sign in with your new password.' }))
  return redirect('/login', { headers })
}

export default function ResetPassword() {
  const { token } = useLoaderData<typeof loader>()
  const data = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'reset-password',
    lastResult: data?.result,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: ResetPasswordSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
  })
  if (!token || data?.tokenInvalid) return <LinkNotValid />
  return (
    <>
      <h1>Choose a new password</h1>
      <ErrorSummary form={form} fields={{ newPassword: fields.newPassword, confirmPassword: fields.confirmPassword }} />
      <Form method="post" {...getFormProps(form)}>
        <input type="hidden" name="token" value={token} />
        <TextField field={fields.newPassword} label="New password" type="password" autoComplete="new-password" hint={PASSWORD_HINT} />
        <TextField field={fields.confirmPassword} label="Confirm new password" type="password" autoComplete="new-password" />
        <SubmitButton>Change password</SubmitButton>
      </Form>
    </>
  )
}

function LinkNotValid() {
  return (
    <>
      <h1>This link has expired or has already been used</h1>
      <p>A password reset link works once, for an hour after it was sent.</p>
      <p>
        <Link to="/forgot-password">Request a new password reset link</Link>
      </p>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
