import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useSearchParams } from '@remix-run/react'
import { z } from 'zod'
import { ErrorSummary, SubmitButton, TextField } from '~/components/forms.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { EmailTakenError, PasswordRuleError } from '~/domain/identity/errors.ts'
import { signUp } from '~/domain/identity/users.server.ts'
import { EmailSchema, newPasswordSchema, PASSWORD_HINT, safeRedirect } from '~/domain/identity/validation.ts'
import { db } from '~/lib/db.server.ts'
import { kickOutbox } from '~/lib/mail.server.ts'
import { appOrigin } from '~/lib/env.server.ts'
import { clientIp, getOptionalUser } from '~/lib/guards.server.ts'
import { commitSessionCookie, readSessionToken, setFlash } from '~/lib/session.server.ts'

export const meta: MetaFunction = () => [{ title: 'Create an account – Commonpot' }]

const SignUpSchema = z.object({
  name: z.string({ required_error: 'Enter your full name' }).trim().min(1, 'Enter your full name').max(200, 'Full name must be 200 characters or fewer'),
  email: EmailSchema,
  password: newPasswordSchema('Password'),
  redirectTo: z.string().optional(),
})

const LABELS = { name: 'Full name', email: 'Email address', password: 'Password' }

export async function loader({ request, context }: LoaderFunctionArgs) {
  if (await getOptionalUser(request, context)) throw redirect('/home')
  return null
}

export async function action({ request, context }: ActionFunctionArgs) {
  if (await getOptionalUser(request)) throw redirect('/home')
  const submission = parseWithZod(await request.formData(), { schema: SignUpSchema })
  if (submission.status !== 'success') return json(submission.reply({ hideFields: ['password'] }), { status: 400 })
  const { name, email, password } = submission.value
  const previousToken = await readSessionToken(request)
  const signInUrl = `${appOrigin(request)}/login`
  try {
    const { token } = await db
      .transaction()
      .execute((trx) => signUp(trx, { name, email, password, ip: clientIp(context), userAgent: request.headers.get('User-Agent'), previousToken, signInUrl }))
    kickOutbox()
    const headers = new Headers()
    headers.append('Set-Cookie', await commitSessionCookie(token))
    headers.append('Set-Cookie', await setFlash(request, { kind: 'success', message: `Welcome to Commonpot, ${name}. Your account has been created.` }))
    return redirect(safeRedirect(submission.value.redirectTo), { headers })
  } catch (e) {
    if (e instanceof EmailTakenError || e instanceof PasswordRuleError) {
      return json(submission.reply({ fieldErrors: { [e.field!]: [e.message] }, hideFields: ['password'] }), { status: 400 })
    }
    throw e
  }
}

export default function SignUp() {
  const lastResult = useActionData<typeof action>()
  const [searchParams] = useSearchParams()
  const redirectTo = searchParams.get('redirectTo') ?? ''
  const [form, fields] = useForm({
    id: 'signup',
    lastResult,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: SignUpSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
  })
  return (
    <>
      <h1>Create an account</h1>
      <ErrorSummary form={form} fields={{ name: fields.name, email: fields.email, password: fields.password }} labels={LABELS} />
      <Form method="post" {...getFormProps(form)}>
        <input type="hidden" name="redirectTo" value={redirectTo} />
        <TextField field={fields.name} label="Full name" autoComplete="name" spellCheck={false} />
        <TextField field={fields.email} label="Email address" type="email" autoComplete="email" spellCheck={false} />
        <TextField field={fields.password} label="Password" type="password" autoComplete="new-password" hint={PASSWORD_HINT} />
        <SubmitButton>Create account</SubmitButton>
      </Form>
      <p>
        Already have an account? <Link to={redirectTo ? `/login?redirectTo=${encodeURIComponent(redirectTo)}` : '/login'}>Sign in</Link>.
      </p>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
