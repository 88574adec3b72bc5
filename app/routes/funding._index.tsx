import { json, type MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { listOpenFunds } from '~/domain/funds/funds.server.ts'
import { db } from '~/lib/db.server.ts'

export const meta: MetaFunction = () => [{ title: 'Open funding – Commonpot' }]

/** GET /funding: the public "Open funding" page (no sign-in). */
export async function loader() {
  const funds = await listOpenFunds(db)
  return json({ funds })
}

export default function Funding() {
  const { funds } = useLoaderData<typeof loader>()
  return (
    <>
      <h1>Open funding</h1>
      <p className="lead">Funding programmes for community groups that support people's health and wellbeing.</p>
      {funds.length === 0 ? <p>There is no funding open right now. Please check again soon.</p> : null}
      <ul className="cards">
        {funds.map((f) => (
          <li key={f.id} className="card">
            <h2>{f.name}</h2>
            <p>{f.description}</p>
            <p className="secondary">Funded by {f.funders.join(', ')}</p>
            <p>
              {f.openRounds === 0 ? 'No round is open for applications at the moment.' : `${f.openRounds} round${f.openRounds === 1 ? '' : 's'} open for applications.`}
            </p>
          </li>
        ))}
      </ul>
    </>
  )
}
