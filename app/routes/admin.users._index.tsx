import { parseWithZod } from '~/lib/form-submission.ts'
import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { listUsers } from '~/domain/identity/roles.server.ts'
import { db } from '~/lib/db.server.ts'
import { requirePermission } from '~/lib/guards.server.ts'
import { ROLE_LABELS, type Role } from '~/lib/policy.ts'
import { idField } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Users – Commonpot' }]

const PAGE_SIZE = 50

const QuerySchema = z.object({
  q: z.string().trim().max(200).optional(),
  after: idField().optional(),
})

/** GET /admin/users: everyone with an account, 50 a page, searchable by name or email. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'manage:user:any', context)
  const query = parseWithZod(new URL(request.url).searchParams, { schema: QuerySchema })
  if (query.status !== 'success') throw new Response('That search is not valid.', { status: 400 })
  const { q, after } = query.value
  const page = await listUsers(db, { q, after, limit: PAGE_SIZE })
  return json({ ...page, q: q ?? '', isFirstPage: after === undefined })
}

export default function Users() {
  const { users, nextAfter, q, isFirstPage } = useLoaderData<typeof loader>()
  const search = q ? `q=${encodeURIComponent(q)}&` : ''
  return (
    <>
      <h1>Users</h1>
      <Form method="get" role="search" className="form-group">
        <label className="label" htmlFor="q">
          Search by name or email
        </label>
        <input className="input input--medium" id="q" name="q" type="search" defaultValue={q} spellCheck={false} />
        <button type="submit" className="button button--secondary">
          Search
        </button>
      </Form>
      {users.length === 0 ? (
        <p>{q ? `No users match “${q}”.` : 'There are no more users.'}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption>{q ? `Users matching “${q}”` : 'All users'}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email address</th>
                <th scope="col">Roles</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id}>
                  <td>
                    <Link to={`/admin/users/${u.id}`}>{u.anonymised ? 'Anonymised user' : u.name}</Link>
                  </td>
                  <td>{u.anonymised ? '' : u.email}</td>
                  <td>{u.roles.map((r) => ROLE_LABELS[r as Role] ?? r).join(', ') || 'None'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p>
        {nextAfter === null ? null : <Link to={`/admin/users?${search}after=${nextAfter}`}>Next page</Link>}
        {isFirstPage ? null : (
          <>
            {nextAfter === null ? null : ' · '}
            <Link to={`/admin/users${q ? `?q=${encodeURIComponent(q)}` : ''}`}>First page</Link>
          </>
        )}
      </p>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
