import { getCollectionProps, getFormProps, useForm, type FieldMetadata, type SubmissionResult } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { Checkbox, RadioGroup } from '~/components/choice-fields.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, FieldError, SelectField, SubmitButton, TextArea } from '~/components/forms.tsx'
import { bidForAssessor, requireAssessmentAccess } from '~/domain/assessment/access.server.ts'
import { assessorStatusLabel, CONFLICT_TYPE_LABELS, CONFLICT_TYPES } from '~/domain/assessment/assessment-labels.ts'
import { confirmNoConflict, declareConflict } from '~/domain/assessment/conflicts.server.ts'
import { listCriteria } from '~/domain/assessment/criteria.server.ts'
import { commentField, scoreField, scoreFormSchema, scoresFromForm, type CriterionForForm, type ScoreIntent } from '~/domain/assessment/score-form.ts'
import { peerScores, saveDraftScores, scoresOf, submitScores } from '~/domain/assessment/scores.server.ts'
import { formatPoints, weightShares } from '~/domain/assessment/scoring.ts'
import { formatDeadline } from '~/lib/dates.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { forbidden, notFound, requirePermission } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'
import { setFlash } from '~/lib/session.server.ts'
import { SummaryRow } from '~/components/summary-list.tsx'
import { AnswerSections } from '~/components/answer-sections.tsx'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.assessment.reference ?? 'Bid'} – Bids to assess – Commonpot` }]

const ConflictCheckSchema = z
  .object({
    intent: z.literal('conflict-check'),
    answer: z.enum(['none', 'conflict'], { errorMap: () => ({ message: 'Select whether you have a conflict of interest' }) }),
    type: z.enum(CONFLICT_TYPES, { errorMap: () => ({ message: 'Select the kind of conflict of interest' }) }).optional(),
    note: z.string().trim().max(2000, 'The note must be 2,000 characters or fewer').optional(),
  })
  .superRefine((v, ctx) => {
    if (v.answer !== 'conflict') return
    if (!v.type) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['type'], message: 'Select the kind of conflict of interest' })
    if (v.type === 'other' && !v.note) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['note'], message: 'Describe the conflict of interest' })
  })

function assessmentIdOf(param: string | undefined): number {
  return idParam(param)
}

/** The assessor's own assessment (403 for anyone else's or a declared conflict, 404 when there is none). */
async function access(user: { id: number }, assessmentId: number) {
  return requireAssessmentAccess(db, user, assessmentId).catch((e: unknown) => {
    if (e instanceof NotFoundError) throw notFound()
    if (e instanceof DomainError && e.status === 403) throw forbidden(e.message)
    throw e
  })
}

interface CriterionView {
  id: number
  name: string
  guidance: string
  isGateway: boolean
  scaleMin: number
  scaleMax: number
  /** Share of the total score, in whole per cent (null for a gateway). */
  share: number | null
  options: { value: string; label: string }[]
}

function scoreOptions(c: { scaleMin: number; scaleMax: number; isGateway: boolean; descriptors: Record<number, string> }) {
  const values = Array.from({ length: c.scaleMax - c.scaleMin + 1 }, (_, i) => (c.isGateway ? c.scaleMax - i : c.scaleMin + i))
  return values.map((n) => {
    const descriptor = c.descriptors[n] ?? (c.isGateway ? (n === 1 ? 'Pass' : 'Fail') : '')
    return { value: String(n), label: c.isGateway ? descriptor : descriptor ? `${n}: ${descriptor}` : String(n) }
  })
}

/**
 * GET /assess/<id>: before the conflict check only the conflict question (no bid content); then the bid (blind when
 * the round says so) and the scoring form; once submitted, the scores read-only and peers' scores when allowed.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:application:assigned', context)
  const { assessment, settings } = await access(user, assessmentIdOf(params.assessmentId))
  const summary = { id: assessment.id, status: assessment.status, statusLabel: assessorStatusLabel(assessment.status), reference: assessment.reference, roundTitle: settings.roundTitle }
  const conflictTypes = CONFLICT_TYPES.map((t) => ({ value: t, label: CONFLICT_TYPE_LABELS[t] }))
  if (assessment.status === 'assigned') return json({ assessment: summary, conflictTypes, bid: null, criteria: [] as CriterionView[], defaults: {} as Record<string, string>, commentsRequired: settings.commentsRequired, submitted: null, peers: null })
  const [bid, criteria, saved, peers] = await Promise.all([bidForAssessor(db, assessment, settings), listCriteria(db, assessment.roundId), scoresOf(db, assessment.id), peerScores(db, assessment.id)])
  const shares = weightShares(criteria)
  return json({
    assessment: summary,
    conflictTypes,
    bid: { ...bid, amountRequested: formatPence(bid.amountRequestedPence), submittedAt: bid.submittedAt ? formatDeadline(bid.submittedAt) : null },
    criteria: criteria.map((c): CriterionView => ({ id: c.id, name: c.name, guidance: c.guidance, isGateway: c.isGateway, scaleMin: c.scaleMin, scaleMax: c.scaleMax, share: shares.get(c.id) ?? null, options: scoreOptions(c) })),
    defaults: Object.fromEntries(saved.flatMap((s) => [[scoreField(s.criterionId), String(s.score)], [commentField(s.criterionId), s.comment]])),
    commentsRequired: settings.commentsRequired,
    submitted: assessment.status === 'submitted' ? { weighted: formatPoints(assessment.weightedScoreMilli), at: assessment.submittedAt ? formatDeadline(assessment.submittedAt) : null, scores: saved } : null,
    peers: peers.visible ? peers.peers.map((p) => ({ ...p, weighted: formatPoints(p.weightedScoreMilli) })) : null,
  })
}

/** POST: the conflict check (or a conflict declared later), or scores saved as a draft or submitted. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'score:application:assigned')
  const { assessment, settings } = await access(user, assessmentIdOf(params.assessmentId))
  const formData = await request.formData()
  const intent = String(formData.get('intent') ?? '')
  if (intent === 'conflict-check') return conflictCheck(request, user.id, assessment, formData)
  if (intent !== 'save' && intent !== 'submit') throw new Response('Choose what to do: declare a conflict of interest, save your scores or submit them.', { status: 400 })
  const criteria = await listCriteria(db, assessment.roundId)
  const submission = parseWithZod(formData, { schema: scoreFormSchema(criteria, { intent, commentsRequired: settings.commentsRequired }) })
  if (submission.status !== 'success') return json({ form: 'scores' as const, result: submission.reply() }, { status: 400 })
  const input = { assessmentId: assessment.id, scores: scoresFromForm(criteria, submission.value) }
  try {
    const message = await db.transaction().execute(async (trx) => {
      if (intent === 'save') return (await saveDraftScores(trx, user.id, input), 'Your draft scores have been saved')
      const result = await submitScores(trx, user.id, input)
      return result.repeated ? 'Your scores had already been submitted' : `Scores submitted: ${formatPoints(result.weightedScoreMilli)} out of 100. Thank you.`
    })
    return redirect(`/assess/${assessment.id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  } catch (e) {
    if (!(e instanceof DomainError) || e.status === 403 || e.status === 404) throw e instanceof DomainError ? new Response(e.message, { status: e.status }) : e
    const reply = e.field ? submission.reply({ fieldErrors: { [e.field]: [e.message] } }) : submission.reply({ formErrors: [e.message] })
    return json({ form: 'scores' as const, result: reply }, { status: e.status })
  }
}

async function conflictCheck(request: Request, userId: number, assessment: { id: number; reference: string }, formData: FormData) {
  const submission = parseWithZod(formData, { schema: ConflictCheckSchema })
  if (submission.status !== 'success') return json({ form: 'conflict' as const, result: submission.reply() }, { status: 400 })
  const v = submission.value
  try {
    await db.transaction().execute((trx) =>
      v.answer === 'none' ? confirmNoConflict(trx, userId, assessment.id) : declareConflict(trx, userId, { assessmentId: assessment.id, type: v.type!, note: v.note ?? '', onBehalf: false }),
    )
  } catch (e) {
    if (!(e instanceof DomainError) || e.status === 403 || e.status === 404) throw e
    const reply = e.field ? submission.reply({ fieldErrors: { [e.field]: [e.message] } }) : submission.reply({ formErrors: [e.message] })
    return json({ form: 'conflict' as const, result: reply }, { status: e.status })
  }
  if (v.answer === 'none') return redirect(`/assess/${assessment.id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message: 'Thank you. You can now read and score the bid.' }) } })
  const message = `Conflict of interest recorded. You will not see or score ${assessment.reference}.`
  return redirect('/assess', { headers: { 'Set-Cookie': await setFlash(request, { kind: 'info', message }) } })
}

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>

export default function AssessBid() {
  const d = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const resultFor = (form: 'conflict' | 'scores') => (actionData?.form === form ? (actionData.result as SubmissionResult<string[]>) : undefined)
  return (
    <>
      <span className="secondary">
        <Link to="/assess">Bids to assess</Link> · {d.assessment.roundTitle}
      </span>
      <h1>{d.bid ? `${d.assessment.reference}: ${d.bid.title}` : d.assessment.reference}</h1>
      <p>
        <strong className="tag">{d.assessment.statusLabel}</strong>
      </p>
      {d.assessment.status === 'assigned' ? (
        <ConflictCheck lastResult={resultFor('conflict')} conflictTypes={d.conflictTypes} reference={d.assessment.reference} />
      ) : (
        <>
          {d.submitted ? <SubmittedScores criteria={d.criteria} submitted={d.submitted} /> : null}
          {d.peers ? <PeerScores criteria={d.criteria} peers={d.peers} /> : null}
          {d.bid ? <Bid bid={d.bid} /> : null}
          {d.assessment.status === 'draft' ? <ScoringForm criteria={d.criteria} defaults={d.defaults} commentsRequired={d.commentsRequired} lastResult={resultFor('scores')} /> : null}
          <details className="details">
            <summary>Declare a conflict of interest</summary>
            <DeclareConflict lastResult={resultFor('conflict')} conflictTypes={d.conflictTypes} />
          </details>
        </>
      )}
    </>
  )
}

function ConflictCheck({ lastResult, conflictTypes, reference }: { lastResult: SubmissionResult<string[]> | undefined; conflictTypes: { value: string; label: string }[]; reference: string }) {
  const [form, fields] = useForm({ id: 'conflict-check', lastResult, shouldValidate: 'onSubmit', onValidate: ({ formData }) => parseWithZod(formData, { schema: ConflictCheckSchema }) })
  return (
    <Form method="post" {...getFormProps(form)}>
      <ErrorSummary form={form} fields={{ answer: fields.answer, type: fields.type, note: fields.note }} />
      <input type="hidden" name="intent" value="conflict-check" />
      <p>
        Before you read {reference}, tell us whether you have a conflict of interest: money you or someone close to you could gain or lose, a personal or
        professional relationship with the organisation or its people, or a role in it as a member, volunteer or trustee.
      </p>
      <RadioGroup
        field={fields.answer}
        legend="Do you have a conflict of interest with this bid?"
        options={[
          { value: 'none', label: 'I have no conflict of interest' },
          { value: 'conflict', label: 'I have a conflict' },
        ]}
      />
      <ConflictDetails fields={fields} conflictTypes={conflictTypes} />
      <SubmitButton>Continue</SubmitButton>
    </Form>
  )
}

function DeclareConflict({ lastResult, conflictTypes }: { lastResult: SubmissionResult<string[]> | undefined; conflictTypes: { value: string; label: string }[] }) {
  const [form, fields] = useForm({ id: 'declare-conflict', lastResult, shouldValidate: 'onSubmit', onValidate: ({ formData }) => parseWithZod(formData, { schema: ConflictCheckSchema }) })
  return (
    <Form method="post" {...getFormProps(form)}>
      <ErrorSummary form={form} fields={{ type: fields.type, note: fields.note }} />
      <input type="hidden" name="intent" value="conflict-check" />
      <input type="hidden" name="answer" value="conflict" />
      <p>If you find you have a conflict of interest, declare it. You will no longer see this bid and any scores you gave it will not count.</p>
      <ConflictDetails fields={fields} conflictTypes={conflictTypes} />
      <SubmitButton secondary>Declare a conflict of interest</SubmitButton>
    </Form>
  )
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function ConflictDetails({ fields, conflictTypes }: { fields: Record<'type' | 'note', FieldMetadata<any, any, any>>; conflictTypes: { value: string; label: string }[] }) {
  return (
    <>
      <SelectField field={fields.type} label="Kind of conflict (if you have one)" placeholder="Choose the kind of conflict">
        {conflictTypes.map((t) => (
          <option key={t.value} value={t.value}>
            {t.label}
          </option>
        ))}
      </SelectField>
      <TextArea field={fields.note} label="Note (if you have a conflict)" hint="Required if you choose Other. The panel minutes list every conflict." rows={3} />
    </>
  )
}

function Bid({ bid }: { bid: NonNullable<LoaderData['bid']> }) {
  return (
    <section aria-labelledby="bid-heading">
      <h2 id="bid-heading">The bid</h2>
      {bid.blind ? (
        <div className="inset">
          <p>
            Blind review: the organisation’s name, registration numbers, people and address are hidden. Names written into answers or inside attached files may
            still show: please do not let them affect your scores.
          </p>
        </div>
      ) : null}
      <dl className="summary-list">
        {bid.organisation ? <SummaryRow label="Organisation">{`${bid.organisation.name} (${bid.organisation.legalType})`}</SummaryRow> : null}
        <SummaryRow label="Place">{bid.placeName ?? 'Not given'}</SummaryRow>
        <SummaryRow label="Amount requested">{bid.amountRequested}</SummaryRow>
        <SummaryRow label="Submitted">{bid.submittedAt ?? 'Not submitted'}</SummaryRow>
      </dl>
      <AnswerSections sections={bid.sections} headingLevel={3} />
      {bid.budget && bid.budget.projectCostPence > 0 ? (
        <dl className="summary-list">
          <SummaryRow label="Total project cost">{formatPence(bid.budget.projectCostPence)}</SummaryRow>
          <SummaryRow label="Match funding">{`${bid.budget.matchPercent}% of the project cost`}</SummaryRow>
        </dl>
      ) : null}
    </section>
  )
}

function ScoringForm({ criteria, defaults, commentsRequired, lastResult }: { criteria: CriterionView[]; defaults: Record<string, string>; commentsRequired: boolean; lastResult: SubmissionResult<string[]> | undefined }) {
  const [form, fields] = useForm<Record<string, string>>({
    id: 'scores',
    lastResult,
    defaultValue: defaults,
    shouldValidate: 'onSubmit',
    onValidate: ({ formData }) => {
      const intent: ScoreIntent = formData.get('intent') === 'submit' ? 'submit' : 'save'
      return parseWithZod(formData, { schema: scoreFormSchema(criteria as CriterionForForm[], { intent, commentsRequired }) })
    },
  })
  const ordered = Object.fromEntries([...criteria.flatMap((c) => [scoreField(c.id), commentField(c.id)]), 'confirm'].map((name) => [name, fields[name]!]))
  return (
    <section aria-labelledby="scoring-heading">
      <h2 id="scoring-heading">Your scores</h2>
      <Form method="post" {...getFormProps(form)}>
        <ErrorSummary form={form} fields={ordered} />
        {criteria.map((c) => (
          <CriterionFields key={c.id} criterion={c} score={fields[scoreField(c.id)]!} comment={fields[commentField(c.id)]!} commentsRequired={commentsRequired} />
        ))}
        <p>You can save a draft and come back. Once you submit, your scores cannot change.</p>
        <SubmitButton name="intent" value="save" secondary>
          Save draft
        </SubmitButton>
        <div className={`form-group${fields.confirm?.errors?.length ? ' form-group--error' : ''}`} id={fields.confirm!.id + '-group'}>
          <FieldError field={fields.confirm!} />
          <Checkbox field={fields.confirm!} label="I have scored every criterion and cannot change my scores after submitting" />
        </div>
        <SubmitButton name="intent" value="submit">
          Submit scores
        </SubmitButton>
      </Form>
    </section>
  )
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyField = FieldMetadata<any, any, any>

function CriterionFields({ criterion: c, score, comment, commentsRequired }: { criterion: CriterionView; score: AnyField; comment: AnyField; commentsRequired: boolean }) {
  const invalid = !!score.errors?.length
  const label = new Map(c.options.map((o) => [o.value, o.label]))
  return (
    <fieldset className={`fieldset form-group${invalid ? ' form-group--error' : ''}`} id={score.id} aria-describedby={c.guidance ? score.descriptionId : undefined}>
      <legend>{`${c.name}${c.isGateway ? ' (pass or fail: a fail stops the bid)' : c.share !== null ? ` (${c.share}% of the total score)` : ''}`}</legend>
      {c.guidance ? (
        <div className="hint" id={score.descriptionId}>
          {c.guidance}
        </div>
      ) : null}
      <FieldError field={score} />
      {getCollectionProps(score, { type: 'radio', options: c.options.map((o) => o.value), ariaAttributes: false }).map(({ key, ...props }) => (
        <div className="checkbox" key={key}>
          <input {...props} />
          <label htmlFor={props.id}>{label.get(props.value!)}</label>
        </div>
      ))}
      <TextArea field={comment} label={`Your comment on ${c.name}`} hint={commentsRequired ? 'Required. Say why you gave this score.' : 'Optional. Say why you gave this score.'} rows={4} />
    </fieldset>
  )
}

function SubmittedScores({ criteria, submitted }: { criteria: CriterionView[]; submitted: NonNullable<LoaderData['submitted']> }) {
  const byId = new Map(submitted.scores.map((s) => [s.criterionId, s]))
  return (
    <section aria-labelledby="submitted-heading">
      <h2 id="submitted-heading">Your submitted scores</h2>
      <p className="lead">
        Weighted score: <strong>{submitted.weighted}</strong> out of 100{submitted.at ? `, submitted ${submitted.at}` : ''}.
      </p>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Your scores for each criterion</caption>
          <thead>
            <tr>
              <th scope="col">Criterion</th>
              <th scope="col">Score</th>
              <th scope="col">Comment</th>
            </tr>
          </thead>
          <tbody>
            {criteria.map((c) => {
              const s = byId.get(c.id)
              return (
                <tr key={c.id}>
                  <th scope="row">{c.name}</th>
                  <td>{s ? c.options.find((o) => o.value === String(s.score))?.label ?? s.score : '—'}</td>
                  <td>{s?.comment || '—'}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
    </section>
  )
}

function PeerScores({ criteria, peers }: { criteria: CriterionView[]; peers: NonNullable<LoaderData['peers']> }) {
  return (
    <section aria-labelledby="peers-heading">
      <h2 id="peers-heading">Other assessors’ scores</h2>
      {peers.length === 0 ? (
        <p>No other assessor has submitted scores for this bid yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Scores submitted by the other assessors of this bid</caption>
            <thead>
              <tr>
                <th scope="col">Criterion</th>
                {peers.map((p, i) => (
                  <th scope="col" key={i}>
                    {p.assessorName}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {criteria.map((c) => (
                <tr key={c.id}>
                  <th scope="row">{c.name}</th>
                  {peers.map((p, i) => {
                    const s = p.scores.find((x) => x.criterionId === c.id)
                    return <td key={i}>{s ? `${s.score}${s.comment ? `: ${s.comment}` : ''}` : '—'}</td>
                  })}
                </tr>
              ))}
              <tr>
                <th scope="row">Weighted score (out of 100)</th>
                {peers.map((p, i) => (
                  <td key={i}>{p.weighted}</td>
                ))}
              </tr>
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
