import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SelectField, SubmitButton, TextArea } from '~/components/forms.tsx'
import { conflictTypeLabel, managerStatusLabel } from '~/domain/assessment/assessment-labels.ts'
import { clearModeration, hasConflictOnBid, moderate as moderateScore, ModerationInputError } from '~/domain/assessment/moderation.server.ts'
import { panelBidView, type PanelBidCriterion } from '~/domain/assessment/panel-bid.server.ts'
import { requirePanelAccess } from '~/domain/assessment/panel.server.ts'
import { formatPoints } from '~/domain/assessment/scoring.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { forbidden, notFound, requireAnyPermission, requirePermission, type CurrentUser } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idField, idParam } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.view.bid.reference ?? 'Bid'}: scores and moderation – Commonpot` }]

const ModerateSchema = z.object({
  intent: z.literal('moderate'),
  criterionId: idField(),
  score: z.number({ required_error: 'Choose the moderated score', invalid_type_error: 'Choose the moderated score' }).int('Choose the moderated score'),
  rationale: z.string({ required_error: 'Explain why you are moderating this score' }).trim().min(1, 'Explain why you are moderating this score').max(2000, 'The rationale must be 2,000 characters or fewer'),
})
const ClearSchema = z.object({ intent: z.literal('clear'), criterionId: idField() })
const ActionSchema = z.discriminatedUnion('intent', [ModerateSchema, ClearSchema])

function idsFrom(params: { roundId?: string; applicationId?: string }): { roundId: number; applicationId: number } {
  return { roundId: idParam(params.roundId), applicationId: idParam(params.applicationId) }
}

/** The panel bid, when the user may see it: the round's chair or a fund manager, without a conflict on this bid. */
async function bidFor(user: CurrentUser, ids: { roundId: number; applicationId: number }) {
  try {
    await requirePanelAccess(db, user, ids.roundId)
    if (await hasConflictOnBid(db, user.id, ids.applicationId)) throw forbidden('You declared a conflict of interest on this bid, so you cannot see its scores.')
    return await panelBidView(db, ids.roundId, ids.applicationId)
  } catch (e) {
    if (e instanceof NotFoundError) throw notFound()
    if (e instanceof DomainError && e.status === 403) throw forbidden(e.message)
    throw e
  }
}

/** GET /panel/<roundId>/bids/<applicationId>: every assessor's scores and comments, the summary, and moderation. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { user } = await requireAnyPermission(request, ['decide:application:any', 'moderate:score:any'], context)
  const view = await bidFor(user, idsFrom(params))
  return json({ view, canModerate: user.permissions.has('moderate:score:any') && !view.round.decisionsReleased })
}

/** POST: set (intent=moderate) or clear (intent=clear) the chair's moderated score for one criterion. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'moderate:score:any')
  const ids = idsFrom(params)
  const view = await bidFor(user, ids)
  const formData = await request.formData()
  const submission = parseWithZod(formData, { schema: ActionSchema })
  const criterionId = Number(formData.get('criterionId'))
  if (submission.status !== 'success') return json({ criterionId, result: submission.reply() }, { status: 400 })
  const input = submission.value
  const criterion = view.criteria.find((c) => c.id === input.criterionId)
  if (!criterion) throw notFound()
  try {
    await db.transaction().execute(async (trx) => {
      const ref = { applicationId: ids.applicationId, criterionId: criterion.id }
      if (input.intent === 'moderate') await moderateScore(trx, user.id, { ...ref, score: input.score, rationale: input.rationale })
      else await clearModeration(trx, user.id, ref)
    })
  } catch (e) {
    if (e instanceof ModerationInputError) return json({ criterionId, result: submission.reply({ fieldErrors: { [e.field!]: [e.message] } }) }, { status: 400 })
    if (e instanceof DomainError && e.status === 409) return json({ criterionId, result: submission.reply({ formErrors: [e.message] }) }, { status: 409 })
    throw e
  }
  const message = input.intent === 'moderate' ? `${criterion.name} moderated to ${input.score}` : `Moderation of ${criterion.name} removed`
  return redirect(`/panel/${ids.roundId}/bids/${ids.applicationId}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
}

function scoreText(score: number | null): string {
  return score === null ? 'None yet' : String(Number(score.toFixed(2)))
}

export default function PanelBid() {
  const { view, canModerate } = useLoaderData<typeof loader>()
  const { bid, round } = view
  const submitted = view.assessors.filter((a) => a.weightedMilli !== null)
  return (
    <>
      <p className="secondary">
        <Link to={`/panel/${bid.roundId}`}>Back to the panel for {round.title}</Link>
      </p>
      <h1>{bid.title}</h1>
      <dl className="summary-list">
        <div>
          <dt>Reference</dt>
          <dd>{bid.reference}</dd>
        </div>
        <div>
          <dt>Organisation</dt>
          <dd>{bid.organisationName}</dd>
        </div>
        <div>
          <dt>Place</dt>
          <dd>{bid.placeName ?? 'Not recorded'}</dd>
        </div>
        <div>
          <dt>Amount requested</dt>
          <dd>{formatPence(bid.amountRequestedPence)}</dd>
        </div>
      </dl>

      <h2>Summary</h2>
      <dl className="summary-list">
        <div>
          <dt>Mean of assessors’ scores</dt>
          <dd>{submitted.length === 0 ? 'No assessor has submitted scores yet' : `${formatPoints(view.meanMilli)} out of 100, from ${submitted.length} assessor${submitted.length === 1 ? '' : 's'}`}</dd>
        </div>
        <div>
          <dt>Do the assessors agree?</dt>
          <dd>
            {view.spreadMilli === null
              ? 'Not scored yet'
              : view.disagreement
                ? `No: their scores differ by ${formatPoints(view.spreadMilli)} points, more than this round’s limit of ${round.disagreementThreshold}. Discuss this bid.`
                : `Yes: their scores differ by ${formatPoints(view.spreadMilli)} points, within this round’s limit of ${round.disagreementThreshold}.`}
          </dd>
        </div>
        <div>
          <dt>Moderated score</dt>
          <dd>{view.moderatedTotalMilli === null ? 'Not every criterion has a score yet' : `${formatPoints(view.moderatedTotalMilli)} out of 100`}</dd>
        </div>
        <div>
          <dt>Pass or fail criteria</dt>
          <dd>{view.gatewayFailed ? <strong className="tag tag--red">Failed: {view.failedGatewayNames.join(', ')}. This bid cannot be funded unless the chair moderates it to a pass.</strong> : 'Passed'}</dd>
        </div>
      </dl>

      <div className="table-wrap">
        <table>
          <caption>Each assessor’s weighted score (out of 100)</caption>
          <thead>
            <tr>
              <th scope="col">Assessor</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Weighted score
              </th>
              <th scope="col">Pass or fail criteria</th>
            </tr>
          </thead>
          <tbody>
            {view.assessors.map((a) => (
              <tr key={a.assessorId}>
                <th scope="row">{a.name}</th>
                <td>{managerStatusLabel(a.status)}</td>
                <td className="num">{formatPoints(a.weightedMilli)}</td>
                <td>{a.status !== 'submitted' ? '—' : a.failedGatewayNames.length ? `Failed: ${a.failedGatewayNames.join(', ')}` : 'Passed'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {view.assessors.length === 0 ? <p>No assessor has been assigned to this bid.</p> : null}

      <h2>Conflicts of interest declared</h2>
      {view.conflicts.length === 0 ? (
        <p>None.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Conflicts of interest declared on this bid</caption>
            <thead>
              <tr>
                <th scope="col">Assessor</th>
                <th scope="col">Type</th>
                <th scope="col">Note</th>
              </tr>
            </thead>
            <tbody>
              {view.conflicts.map((c) => (
                <tr key={c.assessorId}>
                  <th scope="row">{c.name}</th>
                  <td>{conflictTypeLabel(c.conflictType)}</td>
                  <td>
                    {c.note || '—'}
                    {c.recordedByName ? <p className="secondary">Recorded by {c.recordedByName}</p> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>Scores by criterion</h2>
      <p>The moderated score is the chair’s score where one is set, otherwise the mean of the assessors’ scores. Assessors’ own scores never change.</p>
      {view.criteria.map((c) => (
        <CriterionScores key={c.id} criterion={c} canModerate={canModerate} />
      ))}
    </>
  )
}

function CriterionScores({ criterion: c, canModerate }: { criterion: PanelBidCriterion; canModerate: boolean }) {
  const actionData = useActionData<typeof action>()
  const lastResult = actionData?.criterionId === c.id ? actionData.result : undefined
  const formId = `moderate-${c.id}`
  const [form, fields] = useForm({
    id: formId,
    lastResult,
    defaultValue: { score: c.moderation ? String(c.moderation.score) : '', rationale: c.moderation?.rationale ?? '' },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: ModerateSchema }),
    shouldValidate: 'onSubmit',
    shouldRevalidate: 'onInput',
  })
  const points = Array.from({ length: c.scaleMax - c.scaleMin + 1 }, (_, i) => c.scaleMin + i)
  const scale = c.isGateway ? 'pass or fail' : `${c.scaleMin} to ${c.scaleMax}, ${c.sharePercent}% of the score`
  return (
    <section className="card" aria-labelledby={`${formId}-heading`}>
      <h3 id={`${formId}-heading`}>
        {c.name} <span className="secondary">({scale})</span>
      </h3>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Assessors’ scores for {c.name}</caption>
          <thead>
            <tr>
              <th scope="col">Assessor</th>
              <th scope="col" className="num">
                Score
              </th>
              <th scope="col">Comment</th>
            </tr>
          </thead>
          <tbody>
            {c.raw.map((r) => (
              <tr key={r.assessorId}>
                <th scope="row">{r.assessorName}</th>
                <td className="num">
                  {r.score}
                  {c.descriptors[r.score] ? <span className="secondary"> ({c.descriptors[r.score]})</span> : null}
                </td>
                <td>{r.comment || '—'}</td>
              </tr>
            ))}
            {c.raw.length === 0 ? (
              <tr>
                <td colSpan={3}>No submitted scores yet.</td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      <p>
        <strong>Moderated score: {scoreText(c.moderatedScore)}</strong>
        {c.moderation ? ` — set by ${c.moderation.moderatedByName}: “${c.moderation.rationale}”` : c.raw.length ? ' (mean of the assessors’ scores)' : ''}
      </p>
      {canModerate ? (
        <>
          <ErrorSummary form={form} fields={fields} labels={{ score: 'Moderated score', rationale: 'Rationale' }} />
          <Form method="post" {...getFormProps(form)}>
            <input type="hidden" name="intent" value="moderate" />
            <input type="hidden" name="criterionId" value={c.id} />
            <SelectField field={fields.score} label={`Moderated score for ${c.name}`} placeholder="Choose a score">
              {points.map((n) => (
                <option key={n} value={n}>
                  {c.descriptors[n] ? `${n} — ${c.descriptors[n]}` : n}
                </option>
              ))}
            </SelectField>
            <TextArea field={fields.rationale} label={`Rationale for moderating ${c.name}`} hint="Why the panel’s score differs from the assessors’. It is kept in the audit trail and the minutes." rows={3} />
            <SubmitButton>{c.moderation ? 'Change moderated score' : 'Moderate score'}</SubmitButton>
          </Form>
          {c.moderation ? (
            <Form method="post">
              <input type="hidden" name="intent" value="clear" />
              <input type="hidden" name="criterionId" value={c.id} />
              <button type="submit" className="link-button">
                Remove the moderated score<span className="visually-hidden"> for {c.name}</span>
              </button>
            </Form>
          ) : null}
        </>
      ) : null}
    </section>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
