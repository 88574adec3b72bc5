import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { ErrorSummary, SubmitButton, TextField } from '~/components/forms.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { InvalidTotpCodeError, NoPendingEnrolmentError, TwoFactorAlreadyOnError, TwoFactorRequiredError, WrongPasswordError } from '~/domain/identity/errors.ts'
import { beginTotpEnrolment, confirmTotpEnrolment, disableTotp, totpQrSvg } from '~/domain/identity/totp.server.ts'
import { TotpCodeSchema } from '~/domain/identity/validation.ts'
import { db } from '~/lib/db.server.ts'
import { kickOutbox } from '~/lib/mail.server.ts'
import { requireUser, type CurrentUser } from '~/lib/guards.server.ts'
import { requires2fa } from '~/lib/policy.ts'
import { setFlash } from '~/lib/session.server.ts'

export const meta: MetaFunction = () => [{ title: 'Two-factor authentication – Commonpot' }]

const TurnOnSchema = z.object({ code: TotpCodeSchema })
const TurnOffSchema = z.object({ password: z.string({ required_error: 'Enter your password' }).max(1000) })

/**
 * requireUser lets people reach this page before their second factor (so finance officers and administrators can
 * enrol), but someone who has TOTP on must prove it before changing it: a password alone must not turn it off.
 */
async function requireUserWithSecondFactorIfOn(request: Request): Promise<CurrentUser> {
  const user = await requireUser(request)
  if (user.totpEnabled && !user.secondFactorVerified) throw redirect(`/login/two-factor?redirectTo=${encodeURIComponent('/account/two-factor')}`)
  return user
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithSecondFactorIfOn(request)
  const required = requires2fa(user.roles)
  if (user.totpEnabled) return json({ on: true as const, required })
  // Starting enrolment stores a pending secret (or reuses the one already pending), so a reload shows the same code.
  const { secret, uri } = await db.transaction().execute((trx) => beginTotpEnrolment(trx, { userId: user.id }))
  const askedToEnrol = new URL(request.url).searchParams.get('required') === '1'
  return json({ on: false as const, required, askedToEnrol, secret, qrSvg: await totpQrSvg(uri) })
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUserWithSecondFactorIfOn(request)
  const formData = await request.formData()
  if (!user.totpEnabled) {
    const submission = parseWithZod(formData, { schema: TurnOnSchema })
    if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
    try {
      await db.transaction().execute((trx) => confirmTotpEnrolment(trx, { userId: user.id, sessionId: user.sessionId, code: submission.value.code }))
      kickOutbox()
    } catch (e) {
      if (e instanceof InvalidTotpCodeError) return json(submission.reply({ fieldErrors: { code: [e.message] }, hideFields: ['code'] }), { status: 400 })
      if (e instanceof NoPendingEnrolmentError || e instanceof TwoFactorAlreadyOnError) return json(submission.reply({ formErrors: [e.message] }), { status: 409 })
      throw e
    }
    return redirect('/account', { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message: 'Two-factor authentication is on' }) } })
  }
  const submission = parseWithZod(formData, { schema: TurnOffSchema })
  if (submission.status !== 'success') return json(submission.reply({ hideFields: ['password'] }), { status: 400 })
  try {
    await db.transaction().execute((trx) => disableTotp(trx, { userId: user.id, password: submission.value.password }))
  } catch (e) {
    if (e instanceof WrongPasswordError) return json(submission.reply({ fieldErrors: { password: [e.message] }, hideFields: ['password'] }), { status: 400 })
    if (e instanceof TwoFactorRequiredError) return json(submission.reply({ formErrors: [e.message], hideFields: ['password'] }), { status: 403 })
    throw e
  }
  return redirect('/account', { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message: 'Two-factor authentication is off' }) } })
}

export default function TwoFactor() {
  const data = useLoaderData<typeof loader>()
  return (
    <>
      <h1>Two-factor authentication</h1>
      {data.on ? <TurnOff required={data.required} /> : <TurnOn secret={data.secret} qrSvg={data.qrSvg} explainRequired={data.required || data.askedToEnrol} />}
      <p>
        <Link to="/account">Back to your account</Link>
      </p>
    </>
  )
}

function TurnOn({ secret, qrSvg, explainRequired }: { secret: string; qrSvg: string; explainRequired: boolean }) {
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'turn-on-two-factor',
    lastResult,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: TurnOnSchema }),
    shouldValidate: 'onSubmit',
  })
  return (
    <>
      <ErrorSummary form={form} fields={{ code: fields.code }} />
      {explainRequired ? (
        <div className="inset">
          <p>Your role (finance officer or administrator) lets you move money or manage people, so it requires two-factor authentication.</p>
          <p>Set it up now to carry on.</p>
        </div>
      ) : null}
      <p>
        Two-factor authentication keeps your account safe if someone learns your password: as well as your password, you
        enter a code from an authenticator app on your phone (for example Google Authenticator, Microsoft Authenticator or
        1Password).
      </p>
      <h2>1. Add Commonpot to your authenticator app</h2>
      <p>Scan this QR code with the app:</p>
      <div className="qr" role="img" aria-label="QR code to add Commonpot to an authenticator app" dangerouslySetInnerHTML={{ __html: qrSvg }} />
      <p>If you cannot scan it, choose to enter a setup key in the app and type this key:</p>
      <p>
        Secret key: <code id="totp-secret">{secret}</code>
      </p>
      <h2>2. Enter the code the app shows</h2>
      <Form method="post" {...getFormProps(form)}>
        <TextField
          field={fields.code}
          label="Code from your authenticator app"
          hint="The code is 6 digits and changes every 30 seconds."
          autoComplete="one-time-code"
          inputMode="numeric"
          spellCheck={false}
          width="narrow"
        />
        <SubmitButton>Turn on two-factor authentication</SubmitButton>
      </Form>
    </>
  )
}

function TurnOff({ required }: { required: boolean }) {
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'turn-off-two-factor',
    lastResult,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: TurnOffSchema }),
    shouldValidate: 'onSubmit',
  })
  if (required) {
    return (
      <>
        <ErrorSummary form={form} fields={{ password: fields.password }} />
        <p>
          <strong className="tag tag--green">On</strong> Two-factor authentication is on for your account.
        </p>
        <p>Your role (finance officer or administrator) requires two-factor authentication, so it cannot be turned off.</p>
      </>
    )
  }
  return (
    <>
      <ErrorSummary form={form} fields={{ password: fields.password }} />
      <p>
        <strong className="tag tag--green">On</strong> Two-factor authentication is on for your account.
      </p>
      <h2>Turn off two-factor authentication</h2>
      <p>Without it, anyone who learns your password can sign in as you.</p>
      <Form method="post" {...getFormProps(form)}>
        <TextField field={fields.password} label="Current password" type="password" autoComplete="current-password" />
        <SubmitButton secondary>Turn off two-factor authentication</SubmitButton>
      </Form>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
