import crypto from 'node:crypto'
import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SubmitButton, TextField } from '~/components/forms.tsx'
import { donationPot } from '~/domain/budgets/donations.server.ts'
import { db } from '~/lib/db.server.ts'
import { appOrigin } from '~/lib/env.server.ts'
import { getOptionalUser, notFound } from '~/lib/guards.server.ts'
import { moneyField } from '~/lib/money.ts'
import { donationsConfigured, stripeClient } from '~/lib/stripe.server.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.pot ? `Donate to ${data.pot.name}` : 'Donate'} – Commonpot` }]

/** The smallest and largest donation the page takes (Stripe's minimum for GBP is 30p). */
const MIN_PENCE = 100
const MAX_PENCE = 1_000_000

const DonateSchema = z.object({
  amount: moneyField({ label: 'amount you want to give', min: MIN_PENCE, max: MAX_PENCE }),
  donorName: z.string().trim().max(100, 'Your name must be 100 characters or fewer').optional(),
  formToken: z.string().regex(/^[a-f0-9]{32}$/, 'The form has expired: reload the page and try again'),
})

const LABELS = { amount: 'Amount', donorName: 'Your name' }

async function loadPot(params: LoaderFunctionArgs['params']) {
  const pot = await donationPot(db, idParam(params.potId, 'We could not find that pot.'))
  if (!pot) throw notFound('We could not find that pot.')
  return pot
}

/** GET /pots/:potId/donate: public. Says so when donations are not configured or the pot is not open. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await getOptionalUser(request, context)
  const pot = await loadPot(params)
  const url = new URL(request.url)
  return json({
    pot,
    configured: donationsConfigured(),
    formToken: crypto.randomBytes(16).toString('hex'),
    outcome: url.searchParams.get('thanks') ? 'thanks' : url.searchParams.get('cancelled') ? 'cancelled' : null,
  })
}

/** POST /pots/:potId/donate: creates a Stripe Checkout Session for the amount and sends the donor to it. */
export async function action({ request, params }: ActionFunctionArgs) {
  await getOptionalUser(request)
  const pot = await loadPot(params)
  const submission = parseWithZod(await request.formData(), { schema: DonateSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  const stripe = stripeClient()
  if (!stripe || !donationsConfigured()) return json(submission.reply({ formErrors: ['Donations are not configured on this site.'] }), { status: 409 })
  if (!pot.takingDonations) return json(submission.reply({ formErrors: [`${pot.name} is not taking donations at the moment.`] }), { status: 409 })
  const { amount, donorName, formToken } = submission.value
  const page = `${appOrigin(request)}/pots/${pot.id}/donate`
  let sessionUrl: string | null
  try {
    const session = await stripe.checkout.sessions.create(
      {
        mode: 'payment',
        submit_type: 'donate',
        line_items: [{ quantity: 1, price_data: { currency: 'gbp', unit_amount: amount, product_data: { name: `Donation to ${pot.name}` } } }],
        metadata: { potId: String(pot.id), ...(donorName ? { donorName } : {}) },
        success_url: `${page}?thanks=1`,
        cancel_url: `${page}?cancelled=1`,
      },
      // A double click (same form, same amount) reuses the first session instead of opening a second one.
      { idempotencyKey: `donate:${pot.id}:${formToken}:${amount}` },
    )
    sessionUrl = session.url
  } catch {
    sessionUrl = null
  }
  if (!sessionUrl) {
    return json(submission.reply({ formErrors: ['We could not reach our payment provider, so nothing was charged. Please try again in a few minutes.'] }), { status: 502 })
  }
  return redirect(sessionUrl)
}

export default function Donate() {
  const { pot, configured, formToken, outcome } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'donate',
    lastResult,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: DonateSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
  })
  return (
    <>
      <h1>Donate to {pot.name}</h1>
      <p className="lead">
        {pot.placeName ? `This pot pays for community activities that help people's health and wellbeing in ${pot.placeName}.` : 'This pot pays for community activities that help people\u2019s health and wellbeing.'}{' '}
        Every donation goes into the pot with the money from its other funders.
      </p>
      {outcome === 'thanks' ? (
        <div className="notification notification--success" role="status">
          <p>Thank you. Your donation will show in the pot as soon as our payment provider confirms it.</p>
        </div>
      ) : null}
      {outcome === 'cancelled' ? (
        <div className="notification" role="status">
          <p>You cancelled the payment, so nothing was charged.</p>
        </div>
      ) : null}
      {!configured ? (
        <div className="inset">
          <p>Donations are not configured on this site yet, so you cannot give online at the moment.</p>
        </div>
      ) : !pot.takingDonations ? (
        <div className="inset">
          <p>This pot is not taking donations at the moment.</p>
        </div>
      ) : (
        <>
          <ErrorSummary form={form} fields={{ amount: fields.amount, donorName: fields.donorName }} labels={LABELS} />
          <Form method="post" {...getFormProps(form)}>
            <input type="hidden" name={fields.formToken.name} value={formToken} />
            <TextField field={fields.amount} label="Amount in pounds" hint="From £1 to £10,000, for example 25 or 12.50." width="narrow" inputMode="decimal" />
            <TextField
              field={fields.donorName}
              label="Your name (optional)"
              hint="So the pot's managers can thank you. It stays with your payment at our payment provider; we do not publish it."
              autoComplete="name"
            />
            <p>You will pay on Stripe's secure page. We do not claim Gift Aid on donations made here.</p>
            <SubmitButton>Continue to payment</SubmitButton>
          </Form>
        </>
      )}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
