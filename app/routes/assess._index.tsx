import { type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { PageLinks } from '~/components/page-links.tsx'
import { PlainLink } from '~/components/plain-link.tsx'
import { ASSESSOR_QUEUE_PAGE_SIZE, assessorQueuePage } from '~/domain/assessment/access.server.ts'
import { type AssessmentStatus, assessorStatusLabel } from '~/domain/assessment/assessment-labels.ts'
import { formatPoints } from '~/domain/assessment/scoring.ts'
import { db } from '~/lib/db.server.ts'
import { requirePermission } from '~/lib/guards.server.ts'
import { idText } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Bids to assess – Commonpot' }]

const PageCursor = z.object({ after: idText.optional(), before: idText.optional() })

/** GET /assess: the signed-in assessor's own bids, by round, only in rounds whose panel they sit on; 25 a page (ASSESSOR_QUEUE_PAGE_SIZE). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'score:application:assigned', context)
  const cursor = PageCursor.safeParse(Object.fromEntries(new URL(request.url).searchParams))
  if (!cursor.success) throw new Response('That page of your bids does not exist', { status: 400 })
  const { rounds, ...page } = await assessorQueuePage(db, user.id, cursor.data)
  // A bare object (single fetch serialises it once) holding only what the page shows: each bid as the one text its
  // row shows, its status (the component names it) and its score formatted.
  return {
    page: { size: ASSESSOR_QUEUE_PAGE_SIZE, total: page.total, toDo: page.toDo, rounds: page.summary.length, previousBefore: page.previousBefore, nextAfter: page.nextAfter },
    rounds: rounds.map((r) => ({
      roundId: r.roundId,
      roundTitle: r.roundTitle,
      isChair: r.isChair,
      toDo: r.toDo,
      assessments: r.assessments.map((a) => ({
        id: a.id,
        bid: `${a.reference}: ${a.title}`,
        status: a.status,
        score: a.status === 'submitted' ? formatPoints(a.weightedScoreMilli) : null,
      })),
    })),
  }
}

const TAG: Record<AssessmentStatus, string> = { assigned: 'tag', draft: 'tag', submitted: 'tag tag--green', conflict: 'tag tag--grey' }

export default function BidsToAssess() {
  const { rounds, page } = useLoaderData<typeof loader>()
  const paged = page.previousBefore !== null || page.nextAfter !== null
  return (
    <>
      <h1>Bids to assess</h1>
      {page.total === 0 ? <p>You have no bids to assess yet. The fund manager will let you know when bids are given to you.</p> : null}
      {paged ? (
        <p>{`You have ${page.total} bids in ${page.rounds} ${page.rounds === 1 ? 'round' : 'rounds'}, ${page.toDo} still to score. They are shown ${page.size} at a time, in round order.`}</p>
      ) : null}
      {rounds.map((round) => (
        <section key={round.roundId} aria-labelledby={`round-${round.roundId}`}>
          <h2 id={`round-${round.roundId}`}>{round.roundTitle}</h2>
          <p>{`${round.toDo === 0 ? 'Nothing left to do in this round.' : `${round.toDo} ${round.toDo === 1 ? 'bid' : 'bids'} still to score.`}${round.isChair ? ' You chair this panel.' : ''}`}</p>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{`Your bids in ${round.roundTitle}`}</caption>
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
                    <th scope="row">{a.status === 'conflict' ? a.bid : <PlainLink to={`/assess/${a.id}`}>{a.bid}</PlainLink>}</th>
                    <td>
                      <strong className={TAG[a.status]}>{assessorStatusLabel(a.status)}</strong>
                    </td>
                    <td>{a.score ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ))}
      <PageLinks label="Pages of your bids" path="/assess" previousBefore={page.previousBefore} nextAfter={page.nextAfter} />
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
