import { getFormProps, getInputProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, FieldError, SubmitButton, TextArea, TextField } from '~/components/forms.tsx'
import { SummaryRow } from '~/components/summary-list.tsx'
import { CONDITION_STATUS_LABELS } from '~/domain/awards/award-labels.ts'
import { awardStatusLabel, offerDeclaration } from '~/domain/awards/offer-labels.ts'
import { acceptanceTime, offerTermsParagraphs } from '~/domain/awards/offer-letter.server.ts'
import { awardOffer } from '~/domain/awards/offer-views.server.ts'
import { acceptOffer, declineOffer, NotOrganisationMemberError, OfferClosedError, OfferInputError } from '~/domain/awards/offers.server.ts'
import { AwardNotFoundError, listConditions } from '~/domain/awards/terms.server.ts'
import { ukToday } from '~/domain/places/places.server.ts'
import { returnStatusLabel } from '~/domain/returns/return-schedule.ts'
import { listAwardReturns } from '~/domain/returns/returns.server.ts'
import { formatLondonDate } from '~/lib/dates.ts'
import { db } from '~/lib/db.server.ts'
import { env } from '~/lib/env.server.ts'
import { notFound, requirePermission, requireUser, type CurrentUser } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data ? `Grant offer ${data.award.reference}` : 'Grant offer'} – Commonpot` }]

const DECLARATION_MESSAGE = 'Confirm the declaration to accept the offer'
const AcceptSchema = z.object({
  intent: z.literal('accept'),
  name: z.string({ required_error: 'Enter your full name' }).trim().min(1, 'Enter your full name').max(200, 'Your name must be 200 characters or fewer'),
  role: z.string({ required_error: 'Enter your role in the organisation' }).trim().min(1, 'Enter your role in the organisation').max(200, 'Your role must be 200 characters or fewer'),
  declaration: z.boolean({ required_error: DECLARATION_MESSAGE }).refine((v) => v, DECLARATION_MESSAGE),
  idempotencyKey: z.string().min(1).max(100),
})
const DeclineSchema = z.object({
  intent: z.literal('decline'),
  reason: z.string({ required_error: 'Tell us why you are declining the offer' }).trim().min(1, 'Tell us why you are declining the offer').max(2000, 'The reason must be 2,000 characters or fewer'),
  idempotencyKey: z.string().min(1).max(100),
})
const ReplySchema = z.discriminatedUnion('intent', [AcceptSchema, DeclineSchema])
const LABELS = { name: 'Full name', role: 'Role', declaration: 'Declaration', reason: 'Reason' }

function awardIdOf(param: string | undefined): number {
  return idParam(param)
}

/** The award's offer, for members of its organisation and those who issue awards; 404 for anyone else. */
async function loadOffer(user: CurrentUser, param: string | undefined) {
  const award = await awardOffer(db, awardIdOf(param)).catch((e: unknown) => {
    throw e instanceof AwardNotFoundError ? notFound() : e
  })
  const member = user.organisationIds.includes(award.organisationId)
  if (!member && !user.permissions.has('issue:award:any')) throw notFound()
  return { award, member }
}

/**
 * GET /awards/<id>: the offer online (amount, schedule, conditions, funders, terms: what the letter says), the letter,
 * and for members of the organisation while it is open, the forms to accept or decline it.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context)
  const { award, member } = await loadOffer(user, params.awardId)
  return json({
    award: { ...award, statusLabel: awardStatusLabel(award.status), acceptedAtText: award.accepted ? acceptanceTime(award.accepted.at) : null },
    terms: award.terms ? offerTermsParagraphs(award.terms) : [],
    canReply: member && award.status === 'offered' && user.permissions.has('accept:offer:own'),
    declaration: offerDeclaration(award.organisationName),
    keys: { accept: globalThis.crypto.randomUUID(), decline: globalThis.crypto.randomUUID() },
    conditions: await listConditions(db, award.id),
    canSendEvidence: member && (award.status === 'offered' || award.status === 'accepted') && user.permissions.has('accept:offer:own'),
    returns: (await listAwardReturns(db, award.id, ukToday())).map((r) => ({ ...r, statusLabel: returnStatusLabel(r.status), dueText: formatLondonDate(`${r.dueDate}T12:00:00Z`) })),
    canWriteReturns: member && user.permissions.has('write:return:own') && (award.status === 'accepted' || award.status === 'completed'),
  })
}

/** POST: accept (name, role, declaration) or decline (reason) the offer, for a member of the organisation. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'accept:offer:own')
  const { award, member } = await loadOffer(user, params.awardId)
  if (!member) throw notFound()
  const submission = parseWithZod(await request.formData(), { schema: ReplySchema })
  const form = submission.payload.intent === 'decline' ? ('decline' as const) : ('accept' as const)
  if (submission.status !== 'success') return json({ form, result: submission.reply() }, { status: 400 })
  const v = submission.value
  try {
    const message = await db.transaction().execute(async (trx) => {
      if (v.intent === 'accept') {
        const r = await acceptOffer(trx, user.id, { awardId: award.id, name: v.name, role: v.role, declaration: v.declaration, idempotencyKey: v.idempotencyKey, dataDir: env().DATA_DIR })
        return r.replayed ? 'You had already accepted this offer.' : `You accepted the offer of ${formatPence(award.amountPence)}. Your accepted letter is ready to download.`
      }
      const r = await declineOffer(trx, user.id, { awardId: award.id, reason: v.reason, idempotencyKey: v.idempotencyKey })
      return r.replayed ? 'You had already declined this offer.' : 'You declined the offer. The money goes back to the pot for other groups.'
    })
    return redirect(`/awards/${award.id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  } catch (e) {
    if (e instanceof OfferInputError && e.field && e.field in LABELS) return json({ form, result: submission.reply({ fieldErrors: { [e.field]: [e.message] } }) }, { status: 400 })
    if (e instanceof OfferInputError || e instanceof OfferClosedError) return json({ form, result: submission.reply({ formErrors: [e.message] }) }, { status: e.status })
    if (e instanceof NotOrganisationMemberError) throw notFound()
    throw e
  }
}

export default function AwardOffer() {
  const { award, canReply } = useLoaderData<typeof loader>()
  const t = award.terms
  return (
    <>
      <span className="secondary">
        <Link to="/awards">Your awards</Link>
      </span>
      <h1>Grant offer {award.reference}</h1>
      <p>
        <strong>{award.statusLabel}</strong>
      </p>
      {award.accepted ? (
        <p>
          Accepted by {award.accepted.name}, {award.accepted.role} at {award.acceptedAtText} (UK time).{' '}
          <a href={`/awards/${award.id}/letter.pdf?version=accepted`}>Download the accepted offer letter (PDF)</a>
        </p>
      ) : null}
      {award.accepted ? (
        <p>
          We pay into your organisation’s bank account once our finance team has checked it.{' '}
          <Link to={`/organisation/bank-details?org=${award.organisationId}`}>Give or check your bank details</Link>
        </p>
      ) : null}
      {award.status === 'accepted' ? (
        <p>
          <Link to={`/awards/${award.id}/variation`}>Ask to change your grant</Link>
        </p>
      ) : null}
      {award.declined ? <p>Declined: “{award.declined.reason}”</p> : null}
      {!t ? (
        <p>The fund manager is preparing the offer. We will email everyone in {award.organisationName} when it is ready.</p>
      ) : (
        <>
          <dl className="summary-list">
            <SummaryRow label="Organisation">{t.organisationName}</SummaryRow>
            <SummaryRow label="Grant">{t.amount}</SummaryRow>
            <SummaryRow label="Project">{t.projectTitle}</SummaryRow>
            <SummaryRow label="Fund">
              {t.fundName}, {t.roundTitle}
            </SummaryRow>
            <SummaryRow label="Date of the offer">{t.offerDateText}</SummaryRow>
            <SummaryRow label="Please reply by">{t.respondByText}</SummaryRow>
          </dl>
          <p>
            <a href={`/awards/${award.id}/letter.pdf?version=original`}>Download the offer letter (PDF)</a>
          </p>
          <ImpactReturns />
          <OfferDetails />
          {canReply ? (
            <>
              <AcceptForm />
              <DeclineForm />
            </>
          ) : null}
        </>
      )}
    </>
  )
}

/** What the letter says: the schedule, the conditions, who funds it and the terms. */
function OfferDetails() {
  const { award, terms } = useLoaderData<typeof loader>()
  const t = award.terms!
  return (
    <>
      <h2>Payment schedule</h2>
      <p>{t.scheduleSummary}</p>
      <div className="table-wrap">
        <table>
          <caption>When the grant is paid</caption>
          <thead>
            <tr>
              <th scope="col">Payment</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col">Due</th>
              <th scope="col">Paid when</th>
            </tr>
          </thead>
          <tbody>
            {t.tranches.map((tr) => (
              <tr key={tr.sequence}>
                <th scope="row">{tr.sequence}</th>
                <td className="num">{tr.amount}</td>
                <td>{tr.due}</td>
                <td>{tr.paidWhen}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Conditions before first payment</h2>
      {t.conditions.length === 0 ? (
        <p>There are no conditions before the first payment.</p>
      ) : (
        <>
          <p>We pay nothing until every condition is met (or we agree to waive it).</p>
          <ConditionList />
        </>
      )}
      <h2>Who funds this grant</h2>
      <div className="table-wrap">
        <table>
          <caption>The funders whose money pays this grant</caption>
          <thead>
            <tr>
              <th scope="col">Funder</th>
              <th scope="col">Pot</th>
              <th scope="col" className="num">
                Amount
              </th>
            </tr>
          </thead>
          <tbody>
            {t.funders.map((f) => (
              <tr key={`${f.funderName}-${f.potName}`}>
                <th scope="row">{f.funderName}</th>
                <td>{f.potName}</td>
                <td className="num">{f.amount}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Terms and conditions</h2>
      {terms.map((paragraph) => (
        <p key={paragraph}>{paragraph}</p>
      ))}
    </>
  )
}

function AcceptForm() {
  const { award, declaration, keys } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'accept-offer',
    lastResult: actionData?.form === 'accept' ? actionData.result : undefined,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: AcceptSchema }),
    shouldValidate: 'onBlur',
  })
  const { key, ...checkbox } = getInputProps(fields.declaration, { type: 'checkbox', ariaAttributes: false })
  const invalid = !!fields.declaration.errors?.length
  return (
    <Form method="post" {...getFormProps(form)}>
      <h2>Accept the offer</h2>
      <ErrorSummary form={form} fields={{ name: fields.name, role: fields.role, declaration: fields.declaration }} labels={LABELS} />
      <input type="hidden" name="intent" value="accept" />
      <input type="hidden" name={fields.idempotencyKey.name} value={keys.accept} />
      <TextField field={fields.name} label="Your full name" autoComplete="name" />
      <TextField field={fields.role} label={`Your role in ${award.organisationName}`} hint="For example, Chair, Treasurer or Secretary." autoComplete="organization-title" />
      <fieldset className={`fieldset form-group${invalid ? ' form-group--error' : ''}`} id={fields.declaration.id + '-fieldset'}>
        <legend>Declaration</legend>
        <p id={fields.declaration.descriptionId}>{declaration}</p>
        <FieldError field={fields.declaration} />
        <div className="checkbox">
          <input key={key} {...checkbox} aria-invalid={invalid || undefined} aria-describedby={[fields.declaration.descriptionId, invalid ? fields.declaration.errorId : null].filter(Boolean).join(' ')} />
          <label htmlFor={fields.declaration.id}>I confirm the declaration</label>
        </div>
      </fieldset>
      <SubmitButton>Accept the offer of {formatPence(award.amountPence)}</SubmitButton>
    </Form>
  )
}

function DeclineForm() {
  const { keys } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'decline-offer',
    lastResult: actionData?.form === 'decline' ? actionData.result : undefined,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: DeclineSchema }),
    shouldValidate: 'onBlur',
  })
  return (
    <Form method="post" {...getFormProps(form)}>
      <h2>Decline the offer</h2>
      <ErrorSummary form={form} fields={{ reason: fields.reason }} labels={LABELS} />
      <input type="hidden" name="intent" value="decline" />
      <input type="hidden" name={fields.idempotencyKey.name} value={keys.decline} />
      <TextArea field={fields.reason} label="Why are you declining the offer?" hint="The money goes back to the pot for other groups. This cannot be undone." rows={3} />
      <SubmitButton secondary>Decline the offer</SubmitButton>
    </Form>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}

/** Each condition with where it has got to, and for members a form to send a file showing it is met. */
function ConditionList() {
  const { conditions, canSendEvidence, award } = useLoaderData<typeof loader>()
  return (
    <ol>
      {conditions.map((c) => (
        <li key={c.id}>
          <p>
            {c.text} <strong className="tag">{CONDITION_STATUS_LABELS[c.status]}</strong>
          </p>
          {c.evidenceDocumentId ? (
            <p>
              <a href={`/documents/${c.evidenceDocumentId}`}>The evidence you sent</a>
            </p>
          ) : null}
          {canSendEvidence && c.status === 'outstanding' ? (
            <Form method="post" action={`/awards/${award.id}/conditions/${c.id}`} encType="multipart/form-data" reloadDocument>
              <div className="form-group">
                <label className="label" htmlFor={`evidence-${c.id}`}>
                  {c.evidenceDocumentId ? 'Send a different file' : 'Send a file'} for condition {c.sequence}
                </label>
                <div className="hint" id={`evidence-${c.id}-hint`}>
                  A PDF, Word document, Excel spreadsheet, JPEG or PNG, smaller than 10 MB.
                </div>
                <input className="file-upload" type="file" id={`evidence-${c.id}`} name="evidence" aria-describedby={`evidence-${c.id}-hint`} />
              </div>
              <SubmitButton secondary>Send the file for condition {c.sequence}</SubmitButton>
            </Form>
          ) : null}
        </li>
      ))}
    </ol>
  )
}

/** The award's impact returns: when each is due, where it has got to, overdue ones flagged, and a link to fill it in. */
function ImpactReturns() {
  const { returns, canWriteReturns, award } = useLoaderData<typeof loader>()
  if (returns.length === 0) return null
  const overdue = returns.filter((r) => r.overdue && (award.status === 'accepted' || award.status === 'completed')).length
  return (
    <>
      <h2 id="impact-returns">Impact returns</h2>
      {overdue ? (
        <p>
          <strong className="tag tag--red">{overdue === 1 ? '1 return is overdue' : `${overdue} returns are overdue`}</strong> Payments that wait for a return cannot be made until it is accepted.
        </p>
      ) : (
        <p>Tell us what the grant made possible. {canWriteReturns ? 'You can save a return as you go and send it when it is ready.' : 'Returns open once the offer has been accepted.'}</p>
      )}
      <div className="table-wrap">
        <table>
          <caption>Impact returns for this grant</caption>
          <thead>
            <tr>
              <th scope="col">Return</th>
              <th scope="col">Due</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {returns.map((r) => (
              <tr key={r.id}>
                <th scope="row">{canWriteReturns ? <Link to={`/awards/${award.id}/returns/${r.id}`}>{r.periodLabel} return</Link> : `${r.periodLabel} return`}</th>
                <td>{r.dueText}</td>
                <td>
                  {r.overdue && canWriteReturns ? <strong className="tag tag--red">Overdue</strong> : null} {r.statusLabel}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}
