import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useSearchParams } from '@remix-run/react'
import { z } from 'zod'
import { ErrorSummary, SubmitButton, TextField } from '~/components/forms.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { TOO_MANY_ATTEMPTS_MESSAGE, WRONG_CREDENTIALS_MESSAGE } from '~/domain/identity/errors.ts'
import { signIn } from '~/domain/identity/sign-in.server.ts'
import { safeRedirect } from '~/domain/identity/validation.ts'
import { db } from '~/lib/db.server.ts'
import { clientIp, getOptionalUser } from '~/lib/guards.server.ts'
import { commitSessionCookie, readSessionToken } from '~/lib/session.server.ts'

export const meta: MetaFunction = () => [{ title: 'Sign in – Commonpot' }]

const LoginSchema = z.object({
  // Only trimmed and lower-cased here: a wrongly formed address simply fails to match, with the same message as any other.
  // No control characters: no account has them, and PostgreSQL's text cannot hold NUL (the attempt is recorded).
  // eslint-disable-next-line no-control-regex
  email: z.string({ required_error: 'Enter your email address' }).trim().toLowerCase().max(254, 'Email address must be 254 characters or fewer').regex(/^[^\u0000-\u001f\u007f]*$/, 'Enter your email address without control characters'),
  password: z.string({ required_error: 'Enter your password' }).max(1000, 'Password must be 1000 characters or fewer'),
  redirectTo: z.string().optional(),
})

export async function loader({ request, context }: LoaderFunctionArgs) {
  if (await getOptionalUser(request, context)) throw redirect(safeRedirect(new URL(request.url).searchParams.get('redirectTo')))
  return null
}

export async function action({ request, context }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.formData(), { schema: LoginSchema })
  if (submission.status !== 'success') return json(submission.reply({ hideFields: ['password'] }), { status: 400 })
  const previousToken = await readSessionToken(request)
  const result = await db.transaction().execute((trx) =>
    signIn(trx, { ...submission.value, ip: clientIp(context), userAgent: request.headers.get('User-Agent'), previousToken }),
  )
  if (result.status === 'throttled') return json(submission.reply({ formErrors: [TOO_MANY_ATTEMPTS_MESSAGE], hideFields: ['password'] }), { status: 429 })
  if (result.status === 'invalid') return json(submission.reply({ formErrors: [WRONG_CREDENTIALS_MESSAGE], hideFields: ['password'] }), { status: 400 })
  const redirectTo = safeRedirect(submission.value.redirectTo)
  const next = result.needsSecondFactor ? `/login/two-factor?redirectTo=${encodeURIComponent(redirectTo)}` : redirectTo
  return redirect(next, { headers: { 'Set-Cookie': await commitSessionCookie(result.token) } })
}

export default function Login() {
  const lastResult = useActionData<typeof action>()
  const [searchParams] = useSearchParams()
  const redirectTo = searchParams.get('redirectTo') ?? ''
  const [form, fields] = useForm({
    id: 'login',
    lastResult,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: LoginSchema }),
    shouldValidate: 'onSubmit',
    shouldRevalidate: 'onInput',
  })
  const withRedirect = (path: string) => (redirectTo ? `${path}?redirectTo=${encodeURIComponent(redirectTo)}` : path)
  return (
    <>
      <h1>Sign in</h1>
      <ErrorSummary form={form} fields={{ email: fields.email, password: fields.password }} />
      <Form method="post" {...getFormProps(form)}>
        <input type="hidden" name="redirectTo" value={redirectTo} />
        <TextField field={fields.email} label="Email address" type="email" autoComplete="username" spellCheck={false} />
        <TextField field={fields.password} label="Password" type="password" autoComplete="current-password" />
        <SubmitButton>Sign in</SubmitButton>
      </Form>
      <p>
        <Link to="/forgot-password">Forgotten your password?</Link>
      </p>
      <p>
        New to Commonpot? <Link to={withRedirect('/signup')}>Create an account</Link>
      </p>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
