import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { notAnImpossibleDate } from '~/lib/calendar-date.ts'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SubmitButton, TextField } from '~/components/forms.tsx'
import { offerProgressLabel } from '~/domain/awards/offer-labels.ts'
import { roundOffers } from '~/domain/awards/offer-views.server.ts'
import { enqueueRoundOffers, OfferInputError, OfferNotReadyError } from '~/domain/awards/offers.server.ts'
import { db } from '~/lib/db.server.ts'
import { appOrigin } from '~/lib/env.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Offers${data ? `: ${data.round.title}` : ''} – Commonpot` }]

const SendSchema = z.object({
  respondBy: z
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter the reply-by date as a date, like 2027-01-31')
    .refine(notAnImpossibleDate, 'Enter the reply-by date as a real date, like 2027-01-31')
    .optional(),
  idempotencyKey: z.string().min(1).max(100),
})
const LABELS = { respondBy: 'Reply by' }

function roundIdOf(param: string | undefined): number {
  return idParam(param)
}

async function load(roundId: number) {
  return roundOffers(db, roundId).catch((e: unknown) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
}

/** GET /manage/rounds/<id>/offers (issue:award:any): every award in the round and where its offer has got to. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'issue:award:any', context)
  const { round, awards, readyCount } = await load(roundIdOf(params.roundId))
  return json({
    round,
    readyCount,
    awards: awards.map((a) => ({ ...a, progress: offerProgressLabel(a.status, a.tranches) })),
    idempotencyKey: globalThis.crypto.randomUUID(),
  })
}

/** POST: queues one background job that sends the offer letter of every ready award, and shows its progress. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'issue:award:any')
  const { round } = await load(roundIdOf(params.roundId))
  const submission = parseWithZod(await request.formData(), { schema: SendSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  try {
    const { job } = await db.transaction().execute((trx) =>
      enqueueRoundOffers(trx, user.id, { roundId: round.id, idempotencyKey: submission.value.idempotencyKey, appOrigin: appOrigin(request), respondBy: submission.value.respondBy ?? null }),
    )
    return redirect(`/jobs/${job.id}`)
  } catch (e) {
    if (e instanceof OfferInputError) return json(submission.reply({ fieldErrors: { respondBy: [e.message] } }), { status: 400 })
    if (e instanceof OfferNotReadyError) return json(submission.reply({ formErrors: [e.message] }), { status: 409 })
    throw e
  }
}

export default function RoundOffers() {
  const { round, awards, readyCount, idempotencyKey } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({ id: 'send-offers', lastResult, onValidate: ({ formData }) => parseWithZod(formData, { schema: SendSchema }), shouldValidate: 'onBlur' })
  return (
    <>
      <span className="secondary">
        <Link to={`/manage/rounds/${round.id}`}>{round.title}</Link>
      </span>
      <h1>Offers for {round.title}</h1>
      <p>
        An award is ready to send once its conditions and payment schedule are set on its page. Each organisation gets its offer letter by email and
        replies online.
      </p>
      {awards.length === 0 ? (
        <p>No awards have been made in this round yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption>Awards in {round.title} and their offers</caption>
            <thead>
              <tr>
                <th scope="col">Award</th>
                <th scope="col">Organisation</th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col">Offer</th>
              </tr>
            </thead>
            <tbody>
              {awards.map((a) => (
                <tr key={a.id}>
                  <th scope="row">
                    <Link to={`/manage/awards/${a.id}`}>{a.reference}</Link>
                  </th>
                  <td>{a.organisationName}</td>
                  <td className="num">{formatPence(a.amountPence)}</td>
                  <td>{a.progress}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {readyCount > 0 ? (
        <Form method="post" {...getFormProps(form)}>
          <h2>Send the offer letters</h2>
          <ErrorSummary form={form} fields={{ respondBy: fields.respondBy }} labels={LABELS} />
          <input type="hidden" name={fields.idempotencyKey.name} value={idempotencyKey} />
          <TextField field={fields.respondBy} label="Reply by (optional)" hint="The date each organisation should accept or decline by. Leave it empty for 28 days from today." type="date" />
          <SubmitButton>
            Send offer letters for all {readyCount} ready award{readyCount === 1 ? '' : 's'}
          </SubmitButton>
        </Form>
      ) : (
        <p>No award is ready to send.</p>
      )}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
