import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SubmitButton, TextArea } from '~/components/forms.tsx'
import { ReturnSummaryView } from '~/components/return-summary.tsx'
import { ReturnVersionsTable } from '~/components/return-versions.tsx'
import { SummaryRow } from '~/components/summary-list.tsx'
import { ukToday } from '~/domain/places/places.server.ts'
import { MAX_REVIEW_COMMENTS, returnStatusLabel } from '~/domain/returns/return-schedule.ts'
import { summariseReturn } from '~/domain/returns/return-summary.ts'
import { ReturnNotFoundError, ReturnStatusError, returnForReview, returnVersionData } from '~/domain/returns/returns.server.ts'
import { acceptReturn, requestReturnChanges, ReviewInputError } from '~/domain/returns/review.server.ts'
import { formatLondonDate } from '~/lib/dates.ts'
import { db } from '~/lib/db.server.ts'
import { appOrigin } from '~/lib/env.server.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idParam, idText } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data ? `${data.ret.periodLabel} return, ${data.ret.organisationName}` : 'Impact return'} – Fund management – Commonpot` }]

const ReviewSchema = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('accept'), comments: z.string().trim().max(MAX_REVIEW_COMMENTS, `Comments must be ${MAX_REVIEW_COMMENTS.toLocaleString('en-GB')} characters or fewer`).optional() }),
  z.object({
    decision: z.literal('changes'),
    comments: z.string({ required_error: 'Say what needs to change' }).trim().min(1, 'Say what needs to change').max(MAX_REVIEW_COMMENTS, `Comments must be ${MAX_REVIEW_COMMENTS.toLocaleString('en-GB')} characters or fewer`),
  }),
])

function returnIdOf(param: string | undefined): number {
  return idParam(param)
}

async function load(param: string | undefined) {
  return returnForReview(db, returnIdOf(param), ukToday()).catch((e: unknown) => {
    throw e instanceof ReturnNotFoundError ? notFound() : e
  })
}

/**
 * GET /manage/returns/<id>: the return as sent (the current version, or ?version=N), with the outcome summary per
 * measure, every version and the review forms while it waits for review.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'review:return:any', context)
  const view = await load(params.returnId)
  const versionParam = new URL(request.url).searchParams.get('version')
  const parsed = versionParam ? idText.safeParse(versionParam) : null
  if (parsed && !parsed.success) throw notFound()
  const shownVersion = parsed?.success ? parsed.data : view.version > 0 ? view.version : null
  const data = shownVersion ? await returnVersionData(db, view.id, shownVersion).catch(() => { throw notFound() }) : null
  const { data: _current, context: form, ...ret } = view
  return json({
    ret: { ...ret, statusLabel: returnStatusLabel(ret.status), dueText: formatLondonDate(`${ret.dueDate}T12:00:00Z`) },
    shownVersion,
    summary: data ? summariseReturn(data, form.budgetLines) : null,
    canReview: ret.status === 'submitted',
  })
}

/** POST: decision=accept (comments optional) or decision=changes (comments required). */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'review:return:any')
  const view = await load(params.returnId)
  const submission = parseWithZod(await request.formData(), { schema: ReviewSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  const v = submission.value
  try {
    const message = await db.transaction().execute(async (trx) => {
      if (v.decision === 'accept') {
        const r = await acceptReturn(trx, user.id, { returnId: view.id, comments: v.comments, baseUrl: appOrigin(request) })
        return `${view.organisationName}’s ${view.periodLabel} return is accepted.${r.releasedTrancheIds.length ? ' The payment waiting for it can now be paid when it is due.' : ''}`
      }
      await requestReturnChanges(trx, user.id, { returnId: view.id, comments: v.comments, baseUrl: appOrigin(request) })
      return `${view.organisationName}’s ${view.periodLabel} return is sent back for changes. We have emailed them your comments.`
    })
    return redirect(`/manage/returns/${view.id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  } catch (e) {
    if (e instanceof ReviewInputError) return json(submission.reply({ fieldErrors: { comments: [e.message] } }), { status: 400 })
    if (e instanceof ReturnStatusError) return json(submission.reply({ formErrors: [e.message] }), { status: 409 })
    throw e
  }
}

export default function ReviewReturn() {
  const { ret, shownVersion, summary, canReview } = useLoaderData<typeof loader>()
  return (
    <>
      <span className="secondary">
        <Link to="/manage/returns">Impact returns</Link>
      </span>
      <h1>
        {ret.periodLabel} return: {ret.organisationName}
      </h1>
      <dl className="summary-list">
        <SummaryRow label="Award">
          <Link to={`/manage/awards/${ret.awardId}`}>{ret.awardReference}</Link>, {formatPence(ret.awardAmountPence)}
        </SummaryRow>
        <SummaryRow label="Project">{ret.projectTitle}</SummaryRow>
        <SummaryRow label="Round">{ret.roundTitle}</SummaryRow>
        <SummaryRow label="Due">{ret.dueText}</SummaryRow>
        <SummaryRow label="Form">{ret.form === 'full' ? 'Full return' : 'Short return'}</SummaryRow>
        <SummaryRow label="Status">
          {ret.overdue ? <strong className="tag tag--red">Overdue</strong> : null} {ret.statusLabel}
        </SummaryRow>
      </dl>
      {summary && shownVersion ? (
        <>
          <h2>Version {shownVersion}</h2>
          <ReturnSummaryView summary={summary} idPrefix={`version-${shownVersion}`} />
        </>
      ) : (
        <p>Nothing has been sent yet.</p>
      )}
      {canReview && shownVersion === ret.version ? <ReviewForm /> : null}
      {ret.versions.length ? <ReturnVersionsTable versions={ret.versions} hrefFor={(v) => `/manage/returns/${ret.id}?version=${v}`} /> : null}
    </>
  )
}

function ReviewForm() {
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({ id: 'review-return', lastResult, onValidate: ({ formData }) => parseWithZod(formData, { schema: ReviewSchema }), shouldValidate: 'onSubmit' })
  return (
    <Form method="post" {...getFormProps(form)}>
      <h2>Your review</h2>
      <ErrorSummary form={form} fields={{ comments: fields.comments }} labels={{ comments: 'Comments' }} />
      <TextArea field={fields.comments} label="Comments for the group" hint="Needed when you return it for changes: say what to change. They see your comments with the return." rows={4} />
      <div className="button-group">
        <SubmitButton name="decision" value="accept">
          Accept the return
        </SubmitButton>
        <SubmitButton name="decision" value="changes" secondary>
          Return for changes
        </SubmitButton>
      </div>
    </Form>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
