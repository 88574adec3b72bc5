import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useActionData, useParams } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { NotAwardMemberError, sendConditionEvidence } from '~/domain/awards/terms.server.ts'
import { db } from '~/lib/db.server.ts'
import { env } from '~/lib/env.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { deleteUpload, parseMultipartForm, storeUpload, UploadRejectedError } from '~/lib/uploads.server.ts'
import { idText } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Evidence for a condition – Commonpot' }]

const Ids = z.object({ awardId: idText, conditionId: idText })

function idsOf(params: Record<string, string | undefined>) {
  const ids = Ids.safeParse(params)
  if (!ids.success) throw notFound()
  return ids.data
}

/** GET: the form lives on the offer page. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'accept:offer:own', context)
  return redirect(`/awards/${idsOf(params).awardId}`)
}

/**
 * POST /awards/<awardId>/conditions/<conditionId> (multipart, field `evidence`): a member of the organisation sends a
 * file showing a condition is met. It is checked by content (PDF, Word, Excel, JPEG, PNG; 10 MB), stored and linked to
 * the condition for the fund manager to mark it met. 403 for anyone outside the organisation; 409 once decided.
 */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'accept:offer:own')
  const { awardId, conditionId } = idsOf(params)
  let file: FormDataEntryValue | null
  try {
    file = (await parseMultipartForm(request)).get('evidence')
  } catch (e) {
    if (e instanceof UploadRejectedError) return json({ message: e.message }, { status: 400 })
    throw e
  }
  if (!(file instanceof File) || file.size === 0) return json({ message: 'Choose the file to send' }, { status: 400 })
  const dataDir = env().DATA_DIR
  let stored
  try {
    stored = await storeUpload(dataDir, file, 'evidence')
  } catch (e) {
    if (e instanceof UploadRejectedError) return json({ message: e.message }, { status: 400 })
    throw e
  }
  try {
    await db.transaction().execute((trx) => sendConditionEvidence(trx, user.id, { awardId, conditionId, upload: stored }))
  } catch (e) {
    await deleteUpload(dataDir, stored.storageKey)
    // Another organisation's award is 404 here as on its page, its letters and its offer: whether it exists is not told.
    if (e instanceof NotFoundError || e instanceof NotAwardMemberError) throw notFound()
    if (e instanceof DomainError) return json({ message: e.message }, { status: e.status })
    throw e
  }
  const message = `Thank you: ${stored.filename} was sent. We will tell you when the condition is marked as met.`
  return redirect(`/awards/${awardId}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
}

/** Shown only when the file could not be taken (without JavaScript the form posts here and the page says why). */
export default function ConditionEvidenceProblem() {
  const data = useActionData<typeof action>()
  const { awardId } = useParams()
  return (
    <>
      <h1>The file was not sent</h1>
      {data && 'message' in data ? (
        <div className="error-summary" role="alert" aria-labelledby="evidence-problem" tabIndex={-1}>
          <h2 className="error-summary__title" id="evidence-problem">
            There is a problem
          </h2>
          <p>{data.message}</p>
        </div>
      ) : null}
      <p>
        <Link to={`/awards/${awardId}`}>Back to your grant</Link>
      </p>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
