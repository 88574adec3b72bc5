import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { PageLinks } from '~/components/page-links.tsx'
import { assessorQueuePage } from '~/domain/assessment/access.server.ts'
import { assessorStatusLabel } from '~/domain/assessment/assessment-labels.ts'
import { formatPoints } from '~/domain/assessment/scoring.ts'
import { db } from '~/lib/db.server.ts'
import { requirePermission } from '~/lib/guards.server.ts'
import { idText } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Bids to assess – Commonpot' }]

const PageCursor = z.object({ after: idText.optional(), before: idText.optional() })

/** GET /assess: the signed-in assessor's own bids, by round, only in rounds whose panel they sit on; 50 a page. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'score:application:assigned', context)
  const cursor = PageCursor.safeParse(Object.fromEntries(new URL(request.url).searchParams))
  if (!cursor.success) throw new Response('That page of your bids does not exist', { status: 400 })
  const { rounds, ...page } = await assessorQueuePage(db, user.id, cursor.data)
  return json({
    page: { total: page.total, toDo: page.toDo, rounds: page.summary.length, previousBefore: page.previousBefore, nextAfter: page.nextAfter },
    // Only what the page shows.
    rounds: rounds.map((r) => ({
      roundId: r.roundId,
      roundTitle: r.roundTitle,
      isChair: r.isChair,
      toDo: r.toDo,
      assessments: r.assessments.map((a) => ({
        id: a.id,
        reference: a.reference,
        title: a.title,
        status: a.status,
        statusLabel: assessorStatusLabel(a.status),
        score: a.status === 'submitted' ? formatPoints(a.weightedScoreMilli) : null,
      })),
    })),
  })
}

const TAG: Record<string, string> = { assigned: 'tag', draft: 'tag', submitted: 'tag tag--green', conflict: 'tag tag--grey' }

export default function BidsToAssess() {
  const { rounds, page } = useLoaderData<typeof loader>()
  const paged = page.previousBefore !== null || page.nextAfter !== null
  return (
    <>
      <h1>Bids to assess</h1>
      {page.total === 0 ? <p>You have no bids to assess yet. The fund manager will let you know when bids are given to you.</p> : null}
      {paged ? (
        <p>
          You have {page.total} bids in {page.rounds} {page.rounds === 1 ? 'round' : 'rounds'}, {page.toDo} still to score. They are shown 50 at a time, in round order.
        </p>
      ) : null}
      {rounds.map((round) => {
        const toDo = round.toDo
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
      <PageLinks label="Pages of your bids" path="/assess" previousBefore={page.previousBefore} nextAfter={page.nextAfter} />
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
