import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { listAssessmentsForAssessor } from '~/domain/assessment/access.server.ts'
import { assessorStatusLabel } from '~/domain/assessment/assessment-labels.ts'
import { formatPoints } from '~/domain/assessment/scoring.ts'
import { db } from '~/lib/db.server.ts'
import { requirePermission } from '~/lib/guards.server.ts'

export const meta: MetaFunction = () => [{ title: 'Bids to assess – Commonpot' }]

/** GET /assess: the signed-in assessor's own bids, by round, only in rounds whose panel they sit on. */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'score:application:assigned')
  const rounds = await listAssessmentsForAssessor(db, user.id)
  return json({
    rounds: rounds.map((r) => ({
      ...r,
      assessments: r.assessments.map((a) => ({
        ...a,
        statusLabel: assessorStatusLabel(a.status),
        score: a.status === 'submitted' ? formatPoints(a.weightedScoreMilli) : null,
      })),
    })),
  })
}

const TAG: Record<string, string> = { assigned: 'tag', draft: 'tag', submitted: 'tag tag--green', conflict: 'tag tag--grey' }

export default function BidsToAssess() {
  const { rounds } = useLoaderData<typeof loader>()
  return (
    <>
      <h1>Bids to assess</h1>
      {rounds.length === 0 ? <p>You have no bids to assess yet. The fund manager will let you know when bids are given to you.</p> : null}
      {rounds.map((round) => {
        const toDo = round.assessments.filter((a) => a.status === 'assigned' || a.status === 'draft').length
        return (
          <section key={round.roundId} aria-labelledby={`round-${round.roundId}`}>
            <h2 id={`round-${round.roundId}`}>{round.roundTitle}</h2>
            <p>
              {toDo === 0 ? 'Nothing left to do in this round.' : `${toDo} ${toDo === 1 ? 'bid' : 'bids'} still to score.`}
              {round.isChair ? ' You chair this panel.' : null}
            </p>
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Your bids in {round.roundTitle}</caption>
                <thead>
                  <tr>
                    <th scope="col">Bid</th>
                    <th scope="col">Status</th>
                    <th scope="col">Your weighted score (out of 100)</th>
                  </tr>
                </thead>
                <tbody>
                  {round.assessments.map((a) => (
                    <tr key={a.id}>
                      <th scope="row">
                        {a.status === 'conflict' ? (
                          <>
                            {a.reference}: {a.title}
                          </>
                        ) : (
                          <Link to={`/assess/${a.id}`}>
                            {a.reference}: {a.title}
                          </Link>
                        )}
                      </th>
                      <td>
                        <strong className={TAG[a.status] ?? 'tag'}>{a.statusLabel}</strong>
                      </td>
                      <td>{a.score ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        )
      })}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
