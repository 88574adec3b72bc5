import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData } from '@remix-run/react'
import { z } from 'zod'
import { ErrorSummary, SubmitButton, TextField } from '~/components/forms.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { PasswordRuleError, WrongPasswordError } from '~/domain/identity/errors.ts'
import { changePassword } from '~/domain/identity/password-change.server.ts'
import { newPasswordSchema, PASSWORD_HINT } from '~/domain/identity/validation.ts'
import { db } from '~/lib/db.server.ts'
import { kickOutbox } from '~/lib/mail.server.ts'
import { clientIp, requireUser } from '~/lib/guards.server.ts'
import { commitSessionCookie, setFlash } from '~/lib/session.server.ts'

export const meta: MetaFunction = () => [{ title: 'Change your password – Commonpot' }]

const ChangePasswordSchema = z
  .object({
    currentPassword: z.string({ required_error: 'Enter your current password' }).max(1000),
    newPassword: newPasswordSchema('New password'),
    confirmPassword: z.string({ required_error: 'Confirm your new password' }),
  })
  .refine((v) => v.newPassword === v.confirmPassword, { path: ['confirmPassword'], message: 'The passwords do not match' })

const PASSWORD_FIELDS = ['currentPassword', 'newPassword', 'confirmPassword']

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireUser(request, context)
  return null
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const submission = parseWithZod(await request.formData(), { schema: ChangePasswordSchema })
  if (submission.status !== 'success') return json(submission.reply({ hideFields: PASSWORD_FIELDS }), { status: 400 })
  const { currentPassword, newPassword } = submission.value
  try {
    const { token } = await db.transaction().execute((trx) =>
      changePassword(trx, {
        userId: user.id,
        sessionId: user.sessionId,
        currentPassword,
        newPassword,
        secondFactorVerified: user.secondFactorVerified,
        ip: clientIp(context),
        userAgent: request.headers.get('User-Agent'),
      }),
    )
    kickOutbox()
    const headers = new Headers()
    headers.append('Set-Cookie', await commitSessionCookie(token))
    headers.append('Set-Cookie', await setFlash(request, { kind: 'success', message: 'Your password has been changed. You have been signed out on your other devices.' }))
    return redirect('/account', { headers })
  } catch (e) {
    if (e instanceof WrongPasswordError || e instanceof PasswordRuleError) {
      return json(submission.reply({ fieldErrors: { [e.field!]: [e.message] }, hideFields: PASSWORD_FIELDS }), { status: 400 })
    }
    throw e
  }
}

export default function ChangePassword() {
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'change-password',
    lastResult,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: ChangePasswordSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
  })
  return (
    <>
      <h1>Change your password</h1>
      <ErrorSummary form={form} fields={{ currentPassword: fields.currentPassword, newPassword: fields.newPassword, confirmPassword: fields.confirmPassword }} />
      <p>Changing your password signs you out of Commonpot on every other device.</p>
      <Form method="post" {...getFormProps(form)}>
        <TextField field={fields.currentPassword} label="Current password" type="password" autoComplete="current-password" />
        <TextField field={fields.newPassword} label="New password" type="password" autoComplete="new-password" hint={PASSWORD_HINT} />
        <TextField field={fields.confirmPassword} label="Confirm new password" type="password" autoComplete="new-password" />
        <SubmitButton>Change password</SubmitButton>
      </Form>
      <p>
        <Link to="/account">Back to your account</Link>
      </p>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
