import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { listPublishedRounds } from '~/domain/funds/rounds.server.ts'
import { db } from '~/lib/db.server.ts'
import { getOptionalUser } from '~/lib/guards.server.ts'

export const meta: MetaFunction = () => [{ title: 'Open funding – Commonpot' }]

/** GET /funding: the public "Open funding" page (no sign-in): rounds open now first, then upcoming, then recently closed. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await getOptionalUser(request, context)
  return json({ rounds: await listPublishedRounds(db, new Date()) })
}

const HEADINGS = { open: 'Open now', upcoming: 'Opening soon', closed: 'Recently closed' } as const

export default function Funding() {
  const { rounds } = useLoaderData<typeof loader>()
  const phases = (['open', 'upcoming', 'closed'] as const).filter((p) => rounds.some((r) => r.phase === p))
  return (
    <>
      <h1>Open funding</h1>
      <p className="lead">Grants for community groups that support people's health and wellbeing. You do not need an account to read about a round.</p>
      {rounds.every((r) => r.phase !== 'open') ? <p>No funding round is open for applications right now. Please check again soon.</p> : null}
      {phases.map((phase) => (
        <section key={phase} aria-labelledby={`rounds-${phase}`}>
          <h2 id={`rounds-${phase}`}>{HEADINGS[phase]}</h2>
          <ul className="cards">
            {rounds
              .filter((r) => r.phase === phase)
              .map((r) => (
                <li key={r.id} className="card">
                  <h3>
                    <Link to={`/funding/${r.slug}`}>{r.title}</Link>
                  </h3>
                  <p className="secondary">{r.fundName}</p>
                  <p>{r.summary}</p>
                  <p>
                    <strong>{capitalise(r.when)}</strong>
                  </p>
                  {r.amounts ? <p>Grants: {r.amounts}</p> : null}
                  <p>Who can apply: {r.whoCanApply.slice(0, 2).join(' ')}</p>
                  <p className="secondary">Funded by {r.funders.join(', ')}</p>
                </li>
              ))}
          </ul>
        </section>
      ))}
    </>
  )
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
