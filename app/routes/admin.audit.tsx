import { parseWithZod } from '~/lib/form-submission.ts'
import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { verifyAuditChain } from '~/lib/audit.server.ts'
import { db, type Db } from '~/lib/db.server.ts'
import { requirePermission } from '~/lib/guards.server.ts'
import { idField } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Audit trail – Commonpot' }]

const PAGE_SIZE = 50

const QuerySchema = z.object({
  entity: z.string().trim().max(100).optional(),
  before: idField().optional(),
})

/**
 * Audit events newest first, a page at a time (keyset: `before` is the smallest id of the previous page), optionally
 * of one entity type, with the actor's name.
 */
async function readAuditPage(database: Db, input: { entity?: string; before?: number }) {
  let query = database
    .selectFrom('audit_events')
    .leftJoin('users', 'users.id', 'audit_events.actor_user_id')
    .select([
      'audit_events.id',
      'audit_events.occurred_at',
      'audit_events.action',
      'audit_events.entity_type',
      'audit_events.entity_id',
      'audit_events.actor_user_id',
      'users.name as actor_name',
    ])
    .orderBy('audit_events.id', 'desc')
    .limit(PAGE_SIZE + 1)
  if (input.entity) query = query.where('audit_events.entity_type', '=', input.entity)
  if (input.before) query = query.where('audit_events.id', '<', input.before)
  const rows = await query.execute()
  const events = rows.slice(0, PAGE_SIZE)
  return { events, olderBefore: rows.length > PAGE_SIZE ? events[events.length - 1].id : null }
}

async function entityTypes(database: Db): Promise<string[]> {
  const rows = await database.selectFrom('audit_events').select('entity_type').distinct().orderBy('entity_type').execute()
  return rows.map((r) => r.entity_type)
}

/** GET /admin/audit: the newest audit events and whether the hash chain is intact. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'read:audit:any', context)
  const query = parseWithZod(new URL(request.url).searchParams, { schema: QuerySchema })
  if (query.status !== 'success') throw new Response('That filter is not valid.', { status: 400 })
  const { entity, before } = query.value
  const [page, types, verification] = await Promise.all([readAuditPage(db, { entity, before }), entityTypes(db), verifyAuditChain(db)])
  return json({ ...page, types, verification, entity: entity ?? null, isFirstPage: before === undefined })
}

const dateTimeFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'Europe/London' })

export default function AuditTrail() {
  const { events, olderBefore, types, verification, entity, isFirstPage } = useLoaderData<typeof loader>()
  const entityQuery = entity ? `entity=${encodeURIComponent(entity)}&` : ''
  return (
    <>
      <h1>Audit trail</h1>
      {verification.ok ? (
        <div className="notification notification--success" role="status">
          <p>
            Audit chain intact: {verification.events} event{verification.events === 1 ? '' : 's'}
          </p>
        </div>
      ) : (
        <div className="error-summary" role="alert">
          <h2 className="error-summary__title">
            Audit chain broken at event {verification.brokenAt ?? 'unknown'}: {verification.reason}
          </h2>
          <p>{verification.events} events before it check out. Restore the database from a backup taken before the break, and find out who had write access.</p>
        </div>
      )}
      <Form method="get" className="form-group">
        <label className="label" htmlFor="entity">
          Type of record
        </label>
        <select className="input input--medium" id="entity" name="entity" defaultValue={entity ?? ''}>
          <option value="">All records</option>
          {types.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <button type="submit" className="button button--secondary">
          Show events
        </button>
      </Form>
      {events.length === 0 ? (
        <p>There are no {entity ? `${entity} ` : ''}events{isFirstPage ? '' : ' older than these'}.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption>{entity ? `Events for ${entity} records, newest first` : 'All events, newest first'}</caption>
            <thead>
              <tr>
                <th scope="col" className="num">
                  Event
                </th>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Record</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.id}>
                  <td className="num">{e.id}</td>
                  <td>{dateTimeFormat.format(new Date(e.occurred_at))}</td>
                  <td>{e.actor_user_id === null ? 'System' : e.actor_name ?? `User ${e.actor_user_id}`}</td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td>
                    {e.entity_type}
                    {e.entity_id === null ? '' : ` ${e.entity_id}`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p>
        {olderBefore === null ? null : <Link to={`/admin/audit?${entityQuery}before=${olderBefore}`}>Older events</Link>}
        {isFirstPage ? null : (
          <>
            {olderBefore === null ? null : ' · '}
            <Link to={`/admin/audit${entity ? `?entity=${encodeURIComponent(entity)}` : ''}`}>Newest events</Link>
          </>
        )}
      </p>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
