import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { PageLinks } from '~/components/page-links.tsx'
import { ukToday } from '~/domain/places/places.server.ts'
import { RETURN_LIST_VIEWS, returnStatusLabel } from '~/domain/returns/return-schedule.ts'
import { countReturnsByView, listReturnsForReview, roundsWithReturns } from '~/domain/returns/review.server.ts'
import { formatLondonDate } from '~/lib/dates.ts'
import { db } from '~/lib/db.server.ts'
import { requirePermission } from '~/lib/guards.server.ts'
import { idText } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Impact returns – Fund management – Commonpot' }]

const VIEW_LABELS: Record<(typeof RETURN_LIST_VIEWS)[number], string> = {
  awaiting_review: 'Waiting for review',
  overdue: 'Overdue',
  due: 'Due',
  changes_requested: 'Back with the group for changes',
  accepted: 'Accepted',
  all: 'All returns',
}

const Filters = z.object({
  view: z.enum(RETURN_LIST_VIEWS).catch('awaiting_review'),
  round: idText.optional().catch(undefined),
  after: idText.optional().catch(undefined),
  before: idText.optional().catch(undefined),
})

/** GET /manage/returns?view=&round=&after=&before=: returns waiting for review, overdue or due, filtered by round, 50 a page. */
export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'review:return:any')
  const url = new URL(request.url)
  const param = (name: string) => url.searchParams.get(name) || undefined
  const { after, before, ...filters } = Filters.parse({ view: param('view'), round: param('round'), after: param('after'), before: param('before') })
  const today = ukToday()
  const [page, counts, rounds] = await Promise.all([
    listReturnsForReview(db, { view: filters.view, roundId: filters.round ?? null, today, after, before }),
    countReturnsByView(db, { roundId: filters.round ?? null, today }),
    roundsWithReturns(db),
  ])
  return json({
    filters,
    counts,
    rounds,
    nextAfter: page.nextAfter,
    previousBefore: page.previousBefore,
    // Only what the table shows.
    returns: page.rows.map((r) => ({
      id: r.id,
      periodLabel: r.periodLabel,
      organisationName: r.organisationName,
      awardId: r.awardId,
      awardReference: r.awardReference,
      roundTitle: r.roundTitle,
      dueText: formatLondonDate(`${r.dueDate}T12:00:00Z`),
      overdue: r.overdue,
      statusLabel: returnStatusLabel(r.status),
    })),
  })
}

export default function ManageReturns() {
  const { filters, counts, rounds, returns, nextAfter, previousBefore } = useLoaderData<typeof loader>()
  const roundQuery = filters.round ? `&round=${filters.round}` : ''
  return (
    <>
      <h1>Impact returns</h1>
      <p>
        {counts.awaiting_review} waiting for review, {counts.overdue} overdue, {counts.due} due
        {filters.round ? ' in this round' : ''}.
      </p>
      <nav aria-label="Which returns">
        <ul>
          {RETURN_LIST_VIEWS.map((v) => (
            <li key={v}>
              {v === filters.view ? <strong aria-current="page">{VIEW_LABELS[v]}</strong> : <Link to={`/manage/returns?view=${v}${roundQuery}`}>{VIEW_LABELS[v]}</Link>}
            </li>
          ))}
        </ul>
      </nav>
      <Form method="get">
        <input type="hidden" name="view" value={filters.view} />
        <div className="form-group">
          <label className="label" htmlFor="round">
            Round
          </label>
          <select className="input input--medium" id="round" name="round" defaultValue={filters.round ?? ''}>
            <option value="">Every round</option>
            {rounds.map((r) => (
              <option key={r.id} value={r.id}>
                {r.title}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button button--secondary">
          Show returns
        </button>
      </Form>
      {returns.length === 0 ? (
        <p>There are no returns here.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption>{VIEW_LABELS[filters.view]}</caption>
            <thead>
              <tr>
                <th scope="col">Return</th>
                <th scope="col">Organisation</th>
                <th scope="col">Award</th>
                <th scope="col">Round</th>
                <th scope="col">Due</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {returns.map((r) => (
                <tr key={r.id}>
                  <th scope="row">
                    <Link to={`/manage/returns/${r.id}`}>{r.periodLabel}</Link>
                  </th>
                  <td>{r.organisationName}</td>
                  <td>
                    <Link to={`/manage/awards/${r.awardId}`}>{r.awardReference}</Link>
                  </td>
                  <td>{r.roundTitle}</td>
                  <td>{r.dueText}</td>
                  <td>
                    {r.overdue ? <strong className="tag tag--red">Overdue</strong> : null} {r.statusLabel}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <PageLinks label="Pages of returns" path="/manage/returns" query={`view=${filters.view}${roundQuery}`} previousBefore={previousBefore} nextAfter={nextAfter} />
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
