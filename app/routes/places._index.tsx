import { parseWithZod } from '~/lib/form-submission.ts'
import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { placesValidOn, ukToday } from '~/domain/places/places.server.ts'
import { isCalendarDate } from '~/lib/calendar-date.ts'
import { db } from '~/lib/db.server.ts'
import { getOptionalUser } from '~/lib/guards.server.ts'

export const meta: MetaFunction = () => [{ title: 'Places – Commonpot' }]

const QuerySchema = z.object({
  // isCalendarDate checks the YYYY-MM-DD shape as well as the day.
  on: z.string().refine(isCalendarDate).optional(),
})

/** GET /places?on=YYYY-MM-DD: the integrated care boards in force on a date (today by default). Public reference data. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await getOptionalUser(request, context)
  const query = parseWithZod(new URL(request.url).searchParams, { schema: QuerySchema })
  if (query.status !== 'success') throw new Response('Enter the date as YYYY-MM-DD, like 2026-04-01.', { status: 400 })
  const on = query.value.on ?? ukToday()
  return json({ on, places: await placesValidOn(db, on) })
}

export default function Places() {
  const { on, places } = useLoaderData<typeof loader>()
  return (
    <>
      <h1>Places</h1>
      <p className="lead">England’s integrated care boards. From 1 April 2026 there are 36; before then there were 42.</p>
      <Form method="get" className="form-group">
        <label className="label" htmlFor="on">
          In force on
        </label>
        <div className="hint" id="on-hint">
          YYYY-MM-DD
        </div>
        <input className="input input--medium" id="on" name="on" type="date" defaultValue={on} aria-describedby="on-hint" />
        <button type="submit" className="button button--secondary">
          Show
        </button>
      </Form>
      <div className="table-wrap">
        <table>
          <caption>
            {places.length} places in force on {on}
          </caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">ODS code</th>
              <th scope="col">GSS code</th>
              <th scope="col">NHS England region</th>
            </tr>
          </thead>
          <tbody>
            {places.map((p) => (
              <tr key={p.id}>
                <td>
                  <Link to={`/places/${p.id}`}>{p.name}</Link>
                </td>
                <td>{p.odsCode}</td>
                <td>{p.gssCode ?? 'Not known'}</td>
                <td>{p.regionName}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
