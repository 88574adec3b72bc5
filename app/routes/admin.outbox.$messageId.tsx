import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { OUTBOX_STATUS_LABELS, type OutboxStatus } from '~/domain/messages/outbox-status.ts'
import { getOutboxMessage } from '~/domain/messages/outbox.server.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { SummaryRow } from '~/components/summary-list.tsx'
import { idText } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.message.subject ?? 'Message'} – Outbox – Commonpot` }]

const MessageIdSchema = idText

/**
 * GET /admin/outbox/:messageId: one queued email exactly as it was (or will be) sent. Admins can see any links in it,
 * password-reset links included: they can reset a password anyway, and reading the outbox is how the quick start
 * (no SMTP server) delivers emails. The HTML version is shown as escaped source, never rendered.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'read:outbox:any', context)
  const id = MessageIdSchema.safeParse(params.messageId)
  if (!id.success) throw notFound('We could not find that message.')
  try {
    return json({ message: await getOutboxMessage(db, id.data) })
  } catch (e) {
    if (e instanceof NotFoundError) throw notFound(e.message)
    throw e
  }
}

const dateTimeFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'Europe/London' })
const formatTime = (iso: string | null, empty: string) => (iso ? dateTimeFormat.format(new Date(iso)) : empty)

export default function OutboxMessage() {
  const { message } = useLoaderData<typeof loader>()
  return (
    <>
      <p>
        <Link to="/admin/outbox">Back to the outbox</Link>
      </p>
      <h1>{message.subject}</h1>
      <dl className="summary-list">
        <SummaryRow label="To">{message.to_address}</SummaryRow>
        <SummaryRow label="Template">{message.template}</SummaryRow>
        <SummaryRow label="Status">
          <StatusTag status={message.status} />
        </SummaryRow>
        <SummaryRow label="Attempts">{message.attempts}</SummaryRow>
        <SummaryRow label="Created">{formatTime(message.created_at, '')}</SummaryRow>
        <SummaryRow label="Sent">{formatTime(message.sent_at, 'Not yet')}</SummaryRow>
        {message.status === 'pending' ? <SummaryRow label="Next attempt">{formatTime(message.next_attempt_at, 'At the next delivery run')}</SummaryRow> : null}
        {message.last_error ? <SummaryRow label="Last error">{message.last_error}</SummaryRow> : null}
      </dl>
      <h2>Text version</h2>
      <pre className="message-body">{message.body_text}</pre>
      {message.body_html ? (
        <details>
          <summary>HTML version (source)</summary>
          <pre className="message-body">{message.body_html}</pre>
        </details>
      ) : null}
    </>
  )
}

function StatusTag({ status }: { status: OutboxStatus }) {
  const variant = status === 'sent' ? 'tag--green' : status === 'failed' ? 'tag--red' : 'tag--grey'
  return <strong className={`tag ${variant}`}>{OUTBOX_STATUS_LABELS[status]}</strong>
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
