import { parseWithZod } from '~/lib/form-submission.ts'
import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { OUTBOX_STATUS_LABELS, OUTBOX_STATUSES, type OutboxStatus } from '~/domain/messages/outbox-status.ts'
import { listOutboxMessages } from '~/domain/messages/outbox.server.ts'
import { db } from '~/lib/db.server.ts'
import { requirePermission } from '~/lib/guards.server.ts'
import { mailConfigured } from '~/lib/mail.server.ts'
import { idField } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Outbox – Commonpot' }]

const FilterSchema = z.object({
  status: z.enum(OUTBOX_STATUSES).optional(),
  before: idField().optional(),
})

/** GET /admin/outbox: every email the app has queued, newest first, 50 a page, filterable by status. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'read:outbox:any', context)
  const submission = parseWithZod(new URL(request.url).searchParams, { schema: FilterSchema })
  if (submission.status !== 'success') throw new Response('That filter is not valid.', { status: 400 })
  const { status, before } = submission.value
  const page = await listOutboxMessages(db, { status, before })
  return json({ ...page, status: status ?? null, isFirstPage: before === undefined, sending: mailConfigured() })
}

const dateTimeFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/London' })

export default function Outbox() {
  const { messages, olderBefore, status, isFirstPage, sending } = useLoaderData<typeof loader>()
  const statusQuery = status ? `status=${status}&` : ''
  return (
    <>
      <h1>Outbox</h1>
      <p className="lead">Emails Commonpot has queued for sending, newest first.</p>
      {sending ? null : (
        <div className="inset">
          <p>Email sending is not set up (SMTP_URL is empty), so messages stay pending and can be read here.</p>
        </div>
      )}
      <Form method="get" className="form-group">
        <label className="label" htmlFor="status">
          Status
        </label>
        <select className="input input--medium" id="status" name="status" defaultValue={status ?? ''}>
          <option value="">All statuses</option>
          {OUTBOX_STATUSES.map((s) => (
            <option key={s} value={s}>
              {OUTBOX_STATUS_LABELS[s]}
            </option>
          ))}
        </select>
        <button type="submit" className="button button--secondary">
          Show messages
        </button>
      </Form>
      {messages.length === 0 ? (
        <p>There are no {status ? `${OUTBOX_STATUS_LABELS[status].toLowerCase()} ` : ''}messages{isFirstPage ? '' : ' older than these'}.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption>{status ? `${OUTBOX_STATUS_LABELS[status]} messages` : 'All messages'}</caption>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">To</th>
                <th scope="col">Template</th>
                <th scope="col">Subject</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Attempts
                </th>
              </tr>
            </thead>
            <tbody>
              {messages.map((m) => (
                <tr key={m.id}>
                  <td>{dateTimeFormat.format(new Date(m.created_at))}</td>
                  <td>{m.to_address}</td>
                  <td>{m.template}</td>
                  <td>
                    <Link to={`/admin/outbox/${m.id}`}>{m.subject}</Link>
                  </td>
                  <td>
                    <StatusTag status={m.status} />
                  </td>
                  <td className="num">{m.attempts}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p>
        {olderBefore === null ? null : <Link to={`/admin/outbox?${statusQuery}before=${olderBefore}`}>Older messages</Link>}
        {isFirstPage ? null : (
          <>
            {olderBefore === null ? null : ' · '}
            <Link to={`/admin/outbox${status ? `?status=${status}` : ''}`}>Newest messages</Link>
          </>
        )}
      </p>
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
