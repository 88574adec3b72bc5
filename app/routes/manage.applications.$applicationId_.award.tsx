import { outcomeAreasOf } from '~/domain/applications/outcome-areas.server.ts'
import { getFormProps, useForm, type SubmissionResult } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { CheckboxGroup, RadioGroup } from '~/components/choice-fields.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, FieldError, SelectField, SubmitButton, TextArea, TextField } from '~/components/forms.tsx'
import { SummaryRow } from '~/components/summary-list.tsx'
import {
  AwardInputError,
  awardableBid,
  BidNotFoundError,
  BidNotRecommendedError,
  canMakeAward,
  createAwardFromDecision,
  proposeSplit,
  type AwardableBid,
  type AwardTerms,
} from '~/domain/awards/awards.server.ts'
import { SplitRefusedError } from '~/domain/budgets/commitments.server.ts'
import { OUTCOME_AREA_LABELS, OUTCOME_AREAS } from '~/domain/budgets/ring-fence.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { formatPence, moneyField, penceToDecimalPounds } from '~/lib/money.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idField, idParam } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Make the award${data ? `: ${data.bid.reference}` : ''} – Commonpot` }]

/** The award's amount, pot and outcome areas: the preview form (GET) and the commit form (POST) both carry them. */
const TermsSchema = z.object({
  amount: moneyField({ label: 'amount to award', min: 1 }),
  potId: idField({ required_error: 'Choose a pot', invalid_type_error: 'Choose a pot' }),
  outcomeAreas: z.array(z.enum(OUTCOME_AREAS)).default([]),
})

const SPLIT_CHOICES = [
  { value: 'proposed', label: 'Use the proposed split' },
  { value: 'own', label: 'Choose my own split' },
] as const

const AwardSchema = TermsSchema.extend({
  splitChoice: z.enum(['proposed', 'own'], { errorMap: () => ({ message: 'Choose the proposed split or your own' }) }).default('proposed'),
  split: z.record(z.string().regex(/^\d+$/), moneyField({ label: 'amount from this contribution', required: false })).default({}),
  overrideReason: z.string().trim().max(2000, 'The reason must be 2,000 characters or fewer').optional(),
  idempotencyKey: z.string().min(1).max(100),
}).superRefine((value, ctx) => {
  if (value.splitChoice === 'own' && !value.overrideReason) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['overrideReason'], message: 'Give a reason for choosing your own split' })
  }
})

const LABELS = { amount: 'Amount', potId: 'Pot', outcomeAreas: 'Outcome areas', splitChoice: 'Split', split: 'Your own split', overrideReason: 'Reason' }

function applicationIdOf(param: string | undefined): number {
  return idParam(param)
}

async function loadBid(param: string | undefined): Promise<AwardableBid> {
  return awardableBid(db, applicationIdOf(param)).catch((e: unknown) => {
    throw e instanceof BidNotFoundError ? notFound() : e
  })
}

function notAwardable(bid: AwardableBid): Response {
  const message = bid.award ? `An award has already been made for this bid (${bid.award.reference}).` : 'The panel has not recommended this bid, so an award cannot be made for it.'
  return new Response(message, { status: 409, statusText: 'Conflict' })
}

/**
 * GET /manage/applications/:applicationId/award (issue:award:any): the recommended bid, the award's amount, pot and
 * outcome areas (changed with ?amount=&potId=&outcomeAreas=), and the proposed split across the pot's contributions
 * with each ring-fence in words. 409 when the panel has not recommended the bid or it already has an award.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'issue:award:any', context)
  const bid = await loadBid(params.applicationId)
  if (!canMakeAward(bid)) throw notAwardable(bid)
  // The outcome areas default to those the fund manager recorded on the bid.
  const defaults: AwardTerms = { amountPence: bid.recommendedPence, potId: bid.pots[0]?.id ?? 0, outcomeAreas: await outcomeAreasOf(db, bid.applicationId) }
  const query = new URL(request.url).searchParams
  const asked = query.has('amount') ? parseWithZod(query, { schema: TermsSchema }) : null
  let terms = asked?.status === 'success' ? { amountPence: asked.value.amount, potId: asked.value.potId, outcomeAreas: asked.value.outcomeAreas } : defaults
  let termsResult: SubmissionResult<string[]> | undefined = asked?.status === 'success' ? undefined : asked?.reply()
  let proposal = null
  if (bid.pots.length > 0) {
    try {
      proposal = await proposeSplit(db, bid, terms)
    } catch (e) {
      if (!(e instanceof AwardInputError) || !asked) throw e
      termsResult = asked.reply({ fieldErrors: { [e.field === 'potId' ? 'potId' : 'amount']: [e.message] } })
      terms = defaults
      proposal = await proposeSplit(db, bid, terms)
    }
  }
  return json({
    bid,
    terms: { amount: penceToDecimalPounds(terms.amountPence), amountPence: terms.amountPence, potId: terms.potId, outcomeAreas: terms.outcomeAreas ?? [] },
    termsResult,
    proposal: proposal && { ...proposal, parts: proposal.parts.map((p) => ({ ...p, proposed: p.proposedPence > 0 ? penceToDecimalPounds(p.proposedPence) : '' })) },
    idempotencyKey: globalThis.crypto.randomUUID(),
  })
}

/**
 * POST: makes the award and commits it to the pot, by the proposed split or the fund manager's own (with a reason).
 * A split the ring-fences cannot satisfy is 409 with the binding condition next to the split; nothing is written.
 */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'issue:award:any')
  const bid = await loadBid(params.applicationId)
  // An award already made may be this form's own replay: the domain answers that by the key.
  if (bid.decision?.status !== 'recommended') throw notAwardable(bid)
  const submission = parseWithZod(await request.formData(), { schema: AwardSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  const v = submission.value
  const own = v.splitChoice === 'own'
  const split = own ? Object.fromEntries(Object.entries(v.split).map(([id, pence]) => [Number(id), pence ?? 0])) : null
  try {
    const result = await db.transaction().execute((trx) =>
      createAwardFromDecision(trx, user.id, {
        applicationId: bid.applicationId,
        amountPence: v.amount,
        potId: v.potId,
        outcomeAreas: v.outcomeAreas,
        split,
        overrideReason: own ? v.overrideReason : null,
        idempotencyKey: v.idempotencyKey,
      }),
    )
    const potName = bid.pots.find((p) => p.id === result.award.potId)?.name ?? 'the pot'
    const message = result.replayed
      ? `The award ${result.award.reference} was already made.`
      : `Award ${result.award.reference} made: ${formatPence(result.award.amountPence)} committed from ${potName}.`
    return redirect(`/manage/applications/${bid.applicationId}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  } catch (e) {
    if (e instanceof BidNotRecommendedError) throw notAwardable(bid)
    if (e instanceof SplitRefusedError) return json(submission.reply({ fieldErrors: { split: [e.message] } }), { status: 409 })
    if (e instanceof DomainError) {
      const field = e.field && e.field in LABELS ? e.field : null
      return json(submission.reply(field ? { fieldErrors: { [field]: [e.message] } } : { formErrors: [e.message] }), { status: e.status })
    }
    throw e
  }
}

export default function MakeAward() {
  const d = useLoaderData<typeof loader>()
  const { bid } = d
  return (
    <>
      <span className="secondary">
        <Link to={`/manage/applications/${bid.applicationId}`}>
          {bid.reference}: {bid.organisationName}
        </Link>
      </span>
      <h1>Make the award and commit it to a pot</h1>
      <dl className="summary-list">
        <SummaryRow label="Bid">
          {bid.reference}: {bid.title}
        </SummaryRow>
        <SummaryRow label="Organisation">{bid.organisationName}</SummaryRow>
        <SummaryRow label="Place">{bid.placeName ?? 'Not recorded'}</SummaryRow>
        <SummaryRow label="Round">
          {bid.roundTitle} ({bid.fundName})
        </SummaryRow>
        <SummaryRow label="Amount requested">{formatPence(bid.amountRequestedPence)}</SummaryRow>
        <SummaryRow label="Panel’s recommendation">
          {formatPence(bid.recommendedPence)}
          {bid.decision?.rationale ? `: “${bid.decision.rationale}”` : ''}
        </SummaryRow>
        <SummaryRow label="Match funding declared">
          {formatPence(bid.matchCashPence)} in cash and {formatPence(bid.matchInKindPence)} in kind
        </SummaryRow>
      </dl>
      {bid.pots.length === 0 || !d.proposal ? (
        <p>{bid.roundTitle} does not draw on a pot yet. Link a pot to the round from the pot’s page, then come back.</p>
      ) : (
        <>
          <TermsForm key={`${d.terms.potId}:${d.terms.amount}:${d.terms.outcomeAreas.join(',')}`} />
          <Proposal />
          <CommitForm key={d.idempotencyKey} />
        </>
      )}
    </>
  )
}

/** Step 1 (GET, works without JavaScript): the amount, pot and outcome areas; the page works the split out again. */
function TermsForm() {
  const d = useLoaderData<typeof loader>()
  const [form, fields] = useForm({
    id: 'award-terms',
    lastResult: d.termsResult,
    defaultValue: { amount: d.terms.amount, potId: String(d.terms.potId), outcomeAreas: d.terms.outcomeAreas },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: TermsSchema }),
    shouldValidate: 'onBlur',
  })
  return (
    <Form method="get" {...getFormProps(form)}>
      <h2>The award</h2>
      <ErrorSummary form={form} fields={{ amount: fields.amount, potId: fields.potId, outcomeAreas: fields.outcomeAreas }} labels={LABELS} />
      <TextField field={fields.amount} label="Amount to award" hint="In pounds. The panel’s recommendation unless you change it." inputMode="decimal" width="medium" />
      <SelectField field={fields.potId} label="Pot" hint="The pots this round draws on." width="full">
        {d.bid.pots.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
            {p.status === 'open' ? '' : ` (${p.status})`}
          </option>
        ))}
      </SelectField>
      <CheckboxGroup
        field={fields.outcomeAreas}
        legend="Outcome areas this bid delivers"
        hint="Some contributors only fund certain outcomes, such as health and wellbeing. Tick every outcome area the bid delivers."
        options={OUTCOME_AREAS.map((a) => ({ value: a, label: OUTCOME_AREA_LABELS[a] }))}
      />
      <SubmitButton secondary>Work out the split</SubmitButton>
    </Form>
  )
}

/** The proposed split, each contribution's ring-fence in words, and whether it can fund this bid. */
function Proposal() {
  const { proposal, terms } = useLoaderData<typeof loader>()
  if (!proposal) return null
  return (
    <section aria-labelledby="proposal-heading">
      <h2 id="proposal-heading">Proposed split of {formatPence(terms.amountPence)}</h2>
      <p className="secondary">
        By the pot’s rule: in proportion to what each contribution that can fund the bid has available, within its conditions, to the penny.
      </p>
      {proposal.refusal ? (
        <div className="error-summary" role="alert">
          <p>{proposal.refusal}</p>
        </div>
      ) : null}
      <div className="table-wrap">
        <table>
          <caption>How the award would be split across the pot’s contributions</caption>
          <thead>
            <tr>
              <th scope="col">Contributor</th>
              <th scope="col">Conditions on the money</th>
              <th scope="col" className="num">
                Available
              </th>
              <th scope="col">Can it fund this bid?</th>
              <th scope="col" className="num">
                Proposed
              </th>
            </tr>
          </thead>
          <tbody>
            {proposal.parts.map((p) => (
              <tr key={p.contributionId}>
                <th scope="row">{p.funderName}</th>
                <td>
                  <ul>
                    {p.ringFence.map((sentence) => (
                      <li key={sentence}>{sentence}</li>
                    ))}
                  </ul>
                </td>
                <td className="num">{formatPence(p.availablePence)}</td>
                <td>{p.canFund ? `Yes, up to ${formatPence(p.capPence)}` : `No: ${p.whyNot.join('; ')}`}</td>
                <td className="num">{formatPence(p.proposedPence)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}

/** Step 2 (POST): the proposed split or the fund manager's own, with a reason; makes the award and commits it. */
function CommitForm() {
  const d = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const proposal = d.proposal!
  const potName = d.bid.pots.find((p) => p.id === d.terms.potId)?.name ?? 'the pot'
  const [form, fields] = useForm({
    id: 'award-commit',
    lastResult,
    defaultValue: { splitChoice: 'proposed', split: Object.fromEntries(proposal.parts.map((p) => [String(p.contributionId), p.proposed])) },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: AwardSchema }),
    shouldValidate: 'onBlur',
  })
  const splitFields = fields.split.getFieldset() as Record<string, Parameters<typeof TextField>[0]['field']>
  // Posting back to the same terms keeps the proposal on screen beside any error.
  const terms = new URLSearchParams({ amount: d.terms.amount, potId: String(d.terms.potId) })
  for (const area of d.terms.outcomeAreas) terms.append('outcomeAreas', area)
  return (
    <Form method="post" action={`/manage/applications/${d.bid.applicationId}/award?${terms}`} {...getFormProps(form)}>
      <h2>Make the award</h2>
      <ErrorSummary form={form} fields={{ amount: fields.amount, potId: fields.potId, splitChoice: fields.splitChoice, split: fields.split, overrideReason: fields.overrideReason }} labels={LABELS} />
      <FieldError field={fields.amount} />
      <FieldError field={fields.potId} />
      <input type="hidden" name={fields.amount.name} value={d.terms.amount} />
      <input type="hidden" name={fields.potId.name} value={d.terms.potId} />
      {d.terms.outcomeAreas.map((a) => (
        <input key={a} type="hidden" name={fields.outcomeAreas.name} value={a} />
      ))}
      <input type="hidden" name={fields.idempotencyKey.name} value={d.idempotencyKey} />
      <RadioGroup field={fields.splitChoice} legend="How to split the award" options={[...SPLIT_CHOICES]} />
      <fieldset className={`fieldset form-group${fields.split.errors?.length ? ' form-group--error' : ''}`} id={fields.split.id}>
        <legend>Your own split (only if you choose your own)</legend>
        <div className="hint">In pounds. The parts must add up to {formatPence(d.terms.amountPence)} and keep to each contributor’s conditions.</div>
        <FieldError field={fields.split} />
        {proposal.parts.map((p) => {
          const field = splitFields[String(p.contributionId)]
          return field ? (
            <TextField
              key={p.contributionId}
              field={field}
              label={`From ${p.funderName}`}
              hint={p.canFund ? `Up to ${formatPence(p.capPence)} for this award` : `Cannot fund this bid: ${p.whyNot.join('; ')}`}
              inputMode="decimal"
              width="medium"
            />
          ) : null
        })}
      </fieldset>
      <TextArea field={fields.overrideReason} label="Reason for choosing your own split" hint="Needed only if you choose your own split. It is kept with each commitment and in the audit trail." rows={3} />
      <SubmitButton>
        Make the award of {formatPence(d.terms.amountPence)} and commit it to {potName}
      </SubmitButton>
    </Form>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
