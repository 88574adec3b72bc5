import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SubmitButton, TextField } from '~/components/forms.tsx'
import { SummaryRow } from '~/components/summary-list.tsx'
import { CONNECTED_ACCOUNT_STATE_TEXT, STRIPE_ACCOUNT_ID_MESSAGE, STRIPE_ACCOUNT_ID_PATTERN, type ConnectedAccountState } from '~/domain/payments/stripe-accounts.ts'
import { OrganisationNotFoundError, organisationStripeAccount, setStripeAccount, StripeAccountIdError, verifyConnectedAccount } from '~/domain/payments/stripe-transfers.server.ts'
import { db } from '~/lib/db.server.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { stripeClient } from '~/lib/stripe.server.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Stripe account – Finance – Commonpot' }]

/** Recording a payee's connected account is a payee-details check: the same finance permission as bank details. */
const PERMISSION = 'verify:bank-details:any'

const SaveSchema = z.object({
  intent: z.literal('save'),
  stripeAccountId: z
    .string({ required_error: 'Enter the connected account ID' })
    .trim()
    .min(1, 'Enter the connected account ID')
    .max(255, STRIPE_ACCOUNT_ID_MESSAGE)
    .regex(STRIPE_ACCOUNT_ID_PATTERN, STRIPE_ACCOUNT_ID_MESSAGE),
})
const RemoveSchema = z.object({ intent: z.literal('remove') })
const ActionSchema = z.discriminatedUnion('intent', [SaveSchema, RemoveSchema])

function organisationIdFrom(params: { organisationId?: string }): number {
  return idParam(params.organisationId)
}

/** GET /finance/organisations/<id>/stripe: the organisation's connected account, and whether Stripe can pay it out. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, PERMISSION, context)
  const organisation = await organisationStripeAccount(db, organisationIdFrom(params))
  if (!organisation) throw notFound('We could not find that organisation.')
  let state: ConnectedAccountState | null = null
  if (organisation.stripeAccountId) {
    const stripe = stripeClient()
    const check = stripe ? await verifyConnectedAccount(stripe, organisation.stripeAccountId) : null
    state = !check ? 'not_checked' : check.status !== 'found' ? check.status : check.payoutsEnabled ? 'ready' : 'payouts_disabled'
  }
  return json({ organisation, state })
}

/** POST: record or change the connected account id (intent=save), or remove it (intent=remove). Audited. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, PERMISSION)
  const organisationId = organisationIdFrom(params)
  const submission = parseWithZod(await request.formData(), { schema: ActionSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  const input = submission.value
  const stripeAccountId = input.intent === 'save' ? input.stripeAccountId : null
  try {
    await db.transaction().execute((trx) => setStripeAccount(trx, user.id, { organisationId, stripeAccountId }))
  } catch (e) {
    if (e instanceof StripeAccountIdError) return json(submission.reply({ fieldErrors: { stripeAccountId: [e.message] } }), { status: 400 })
    if (e instanceof OrganisationNotFoundError) throw notFound(e.message)
    throw e
  }
  const message = stripeAccountId ? `Stripe account ${stripeAccountId} recorded` : 'Stripe account removed: this organisation can be paid by BACS only'
  return redirect(`/finance/organisations/${organisationId}/stripe`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
}

export default function OrganisationStripeAccountPage() {
  const { organisation, state } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'stripe-account',
    lastResult,
    defaultValue: { stripeAccountId: organisation.stripeAccountId ?? '' },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: ActionSchema }),
    shouldValidate: 'onSubmit',
  })
  return (
    <>
      <p>
        <Link to="/finance">Back to finance</Link>
      </p>
      <span className="secondary">Stripe account</span>
      <h1>{organisation.name}</h1>

      <h2>Connected account</h2>
      <dl className="summary-list">
        <SummaryRow label="Connected account ID">{organisation.stripeAccountId ?? 'None recorded: this organisation is paid by BACS'}</SummaryRow>
        {state ? <SummaryRow label="What Stripe says">{CONNECTED_ACCOUNT_STATE_TEXT[state]}</SummaryRow> : null}
      </dl>

      <h2>{organisation.stripeAccountId ? 'Change the connected account' : 'Record a connected account'}</h2>
      <p>
        Payments to this organisation can go by Stripe Connect transfer once its connected account is recorded. Copy the ID from the connected account in
        the Stripe dashboard, or from the organisation’s Stripe onboarding email.
      </p>
      <ErrorSummary form={form} fields={fields} labels={{ stripeAccountId: 'Connected account ID' }} />
      <Form method="post" {...getFormProps(form)}>
        <input type="hidden" name="intent" value="save" />
        <TextField field={fields.stripeAccountId} label="Connected account ID" hint="It starts acct_, for example acct_1Nv0FGQ9RKHgCVdK." spellCheck={false} autoComplete="off" />
        <SubmitButton>Save the connected account</SubmitButton>
      </Form>
      {organisation.stripeAccountId ? (
        <Form method="post">
          <p>If the organisation no longer uses Stripe, remove the account. Payments already sent are not affected.</p>
          <SubmitButton name="intent" value="remove" secondary>
            Remove the connected account
          </SubmitButton>
        </Form>
      ) : null}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
