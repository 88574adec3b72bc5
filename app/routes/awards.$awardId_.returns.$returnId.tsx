import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SubmitButton } from '~/components/forms.tsx'
import { DemographicFields, OutcomeFields, PeopleFields, PhotoFields, PlansField, ReferralFields, SpendFields, StoryField } from '~/components/return-fields.tsx'
import { ReturnSummaryView } from '~/components/return-summary.tsx'
import { ReturnVersionsTable } from '~/components/return-versions.tsx'
import { ukToday } from '~/domain/places/places.server.ts'
import { MAX_PHOTOS, returnFieldLabels, returnFormDefaults, returnFormSchema, type ReturnContext } from '~/domain/returns/return-form.ts'
import { returnStatusLabel } from '~/domain/returns/return-schedule.ts'
import { summariseReturn } from '~/domain/returns/return-summary.ts'
import { ReturnInputError, ReturnNotFoundError, ReturnStatusError, returnForOrganisation, returnVersionData, saveReturnDraft, submitReturn, type NewReturnPhoto } from '~/domain/returns/returns.server.ts'
import { formatLondonDate } from '~/lib/dates.ts'
import { db } from '~/lib/db.server.ts'
import { appOrigin, env } from '~/lib/env.server.ts'
import { notFound, requirePermission, type CurrentUser } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'
import { setFlash } from '~/lib/session.server.ts'
import { deleteUpload, parseMultipartForm, storeUpload, UploadRejectedError, type StoredUpload } from '~/lib/uploads.server.ts'
import { idText } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data ? `${data.ret.periodLabel} impact return, ${data.ret.awardReference}` : 'Impact return'} – Commonpot` }]

/** New photo slots offered each time the form is shown. */
const PHOTO_SLOTS = 3

const Ids = z.object({ awardId: idText, returnId: idText })

function idsOf(params: Record<string, string | undefined>) {
  const ids = Ids.safeParse(params)
  if (!ids.success) throw notFound()
  return ids.data
}

/** The return, for a member of the award's organisation; 404 for anyone else. */
async function loadReturn(user: CurrentUser, params: Record<string, string | undefined>) {
  const { awardId, returnId } = idsOf(params)
  return returnForOrganisation(db, { awardId, returnId, organisationIds: user.organisationIds, today: ukToday() }).catch((e: unknown) => {
    throw e instanceof ReturnNotFoundError ? notFound() : e
  })
}

function defaultsFor(data: ReturnType<typeof returnFormDefaults>, ctx: ReturnContext) {
  const lines = (data.spendLines as Array<{ line: string; spent: string; reason: string }>) ?? []
  const byLine = new Map(lines.map((l) => [Number(l.line), l]))
  return {
    ...data,
    spendLines: ctx.budgetLines.map((b) => byLine.get(b.line) ?? { line: String(b.line), spent: '', reason: '' }),
    photos: Array.from({ length: PHOTO_SLOTS }, () => ({ caption: '' })),
  }
}

/**
 * GET /awards/<awardId>/returns/<returnId>: the return to fill in (while it is open), what the fund manager asked to
 * change, and every version sent; ?version=N shows one version as it was sent.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'write:return:own', context)
  const view = await loadReturn(user, params)
  const versionParam = new URL(request.url).searchParams.get('version')
  const version = versionParam ? idText.safeParse(versionParam) : null
  if (version && !version.success) throw notFound()
  const shown = version?.success ? await returnVersionData(db, view.id, version.data).catch(() => { throw notFound() }) : null
  const { data, context: form, ...ret } = view
  return json({
    ret: { ...ret, statusLabel: returnStatusLabel(ret.status), dueText: formatLondonDate(`${ret.dueDate}T12:00:00Z`) },
    context: form,
    defaults: defaultsFor(returnFormDefaults(data), form),
    photos: data.photos,
    shownVersion: version?.success ? version.data : null,
    summary: shown ? summariseReturn(shown, form.budgetLines) : !view.editable && view.version > 0 ? summariseReturn(data, form.budgetLines) : null,
    labels: returnFieldLabels(form),
  })
}

/** POST (multipart): intent=save keeps a draft, intent=submit sends the return. 400 with each field's message. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'write:return:own')
  const view = await loadReturn(user, params)
  let formData: FormData
  try {
    formData = await parseMultipartForm(request)
  } catch (e) {
    if (e instanceof UploadRejectedError) return json({ uploadError: `${e.message}. Nothing was saved.` }, { status: 400 })
    throw e
  }
  const submission = parseWithZod(formData, { schema: returnFormSchema(view.context) })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  const v = submission.value
  const dataDir = env().DATA_DIR
  const stored: StoredUpload[] = []
  const newPhotos: NewReturnPhoto[] = []
  try {
    for (const p of v.photos) {
      const upload = await storeUpload(dataDir, p.file, `photos[${p.index}].file`)
      stored.push(upload)
      newPhotos.push({ upload, caption: p.caption, consent: p.consent, index: p.index })
    }
    const input = { returnId: view.id, data: v.data, newPhotos, removePhotoIds: v.removePhotoIds }
    const message = await db.transaction().execute(async (trx) => {
      if (v.intent === 'save') {
        await saveReturnDraft(trx, user.id, input)
        return 'Your return is saved. It has not been sent yet.'
      }
      const sent = await submitReturn(trx, user.id, { ...input, baseUrl: appOrigin(request) })
      return `Thank you: your ${view.periodLabel} return was sent (version ${sent.version}). We will tell you when the fund manager has read it.`
    })
    const to = v.intent === 'save' ? `/awards/${view.awardId}/returns/${view.id}` : `/awards/${view.awardId}`
    return redirect(to, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  } catch (e) {
    await Promise.all(stored.map((s) => deleteUpload(dataDir, s.storageKey)))
    if (e instanceof UploadRejectedError) return json(submission.reply({ fieldErrors: { [e.field ?? 'photos[0].file']: [e.message] } }), { status: 400 })
    if (e instanceof ReturnInputError) return json(submission.reply({ fieldErrors: Object.fromEntries(e.problems.map((p) => [p.field, [p.message]])) }), { status: 400 })
    if (e instanceof ReturnStatusError) return json(submission.reply({ formErrors: [e.message] }), { status: 409 })
    if (e instanceof ReturnNotFoundError) throw notFound()
    throw e
  }
}

export default function ImpactReturn() {
  const { ret, summary, shownVersion } = useLoaderData<typeof loader>()
  return (
    <>
      <span className="secondary">
        <Link to={`/awards/${ret.awardId}`}>Your grant {ret.awardReference}</Link>
      </span>
      <h1>{ret.periodLabel} impact return</h1>
      <p>
        {ret.organisationName}: {ret.projectTitle}. Due on {ret.dueText}. <strong className={`tag${ret.overdue ? ' tag--red' : ''}`}>{ret.overdue ? `Overdue: ${ret.statusLabel}` : ret.statusLabel}</strong>
      </p>
      {ret.status === 'changes_requested' && ret.reviewComments ? (
        <div className="inset" id="review-comments">
          <h2>What the fund manager asked you to change</h2>
          <p>{ret.reviewComments}</p>
        </div>
      ) : null}
      {shownVersion ? (
        <>
          <h2>Version {shownVersion}, as you sent it</h2>
          {summary ? <ReturnSummaryView summary={summary} /> : null}
          <p>
            <Link to={`/awards/${ret.awardId}/returns/${ret.id}`}>Back to the return</Link>
          </p>
        </>
      ) : ret.editable ? (
        <ReturnForm />
      ) : ret.status === 'expected' ? (
        <p>This return opens once your grant offer has been accepted.</p>
      ) : (
        <>
          <h2>What you sent</h2>
          {summary ? <ReturnSummaryView summary={summary} /> : null}
        </>
      )}
      {ret.versions.length ? <ReturnVersionsTable versions={ret.versions} hrefFor={(v) => `/awards/${ret.awardId}/returns/${ret.id}?version=${v}`} /> : null}
    </>
  )
}

function ReturnForm() {
  const { ret, context, defaults, photos, labels } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form] = useForm({ id: 'impact-return', lastResult: lastResult && !('uploadError' in lastResult) ? lastResult : undefined, defaultValue: defaults, shouldValidate: 'onSubmit' })
  const full = context.form === 'full'
  return (
    <Form method="post" encType="multipart/form-data" {...getFormProps(form)}>
      <p>
        {full ? 'The full return' : 'The short return'} for a grant of {formatPence(ret.awardAmountPence)}. Save it as you go; it is sent to the fund manager only when you choose “Send the return”.
      </p>
      {lastResult && 'uploadError' in lastResult ? (
        <div className="error-summary" role="alert" aria-labelledby="upload-problem" tabIndex={-1}>
          <h2 className="error-summary__title" id="upload-problem">
            There is a problem
          </h2>
          <p>{lastResult.uploadError}</p>
        </div>
      ) : null}
      <ErrorSummary form={form} fields={{}} labels={labels} />
      <PeopleFields form={form} />
      <ReferralFields form={form} />
      {full ? <DemographicFields form={form} /> : null}
      <OutcomeFields form={form} swemwbsEnabled={context.swemwbsEnabled} short={!full} />
      <SpendFields form={form} budgetLines={context.budgetLines} itemised={full && context.budgetLines.length > 0} full={full} awardAmountPence={ret.awardAmountPence} />
      <StoryField form={form} />
      {full ? <PhotoFields form={form} slots={Math.min(PHOTO_SLOTS, MAX_PHOTOS - photos.length)} photos={photos} /> : null}
      <PlansField form={form} />
      <div className="button-group">
        <SubmitButton name="intent" value="save" secondary>
          Save as draft
        </SubmitButton>
        <SubmitButton name="intent" value="submit">
          Send the return
        </SubmitButton>
      </div>
    </Form>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
