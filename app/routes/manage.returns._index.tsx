import { type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { PageLinks } from '~/components/page-links.tsx'
import { PlainLink } from '~/components/plain-link.tsx'
import { ukToday } from '~/domain/places/places.server.ts'
import type { ReturnListView } from '~/domain/returns/return-schedule.ts'
import { parseReturnListQuery, returnListPage } from '~/domain/returns/review-list.server.ts'
import { db } from '~/lib/db.server.ts'
import { requirePermission } from '~/lib/guards.server.ts'

export const meta: MetaFunction = () => [{ title: 'Impact returns – Fund management – Commonpot' }]

/** Every view of the list, in the order of its tabs. */
const VIEW_LABELS: Record<ReturnListView, string> = {
  awaiting_review: 'Waiting for review',
  overdue: 'Overdue',
  due: 'Due',
  changes_requested: 'Back with the group for changes',
  accepted: 'Accepted',
  all: 'All returns',
}
const VIEWS = Object.keys(VIEW_LABELS) as ReturnListView[]

/**
 * GET /manage/returns?view=&fund=&round=&after=&before=: returns waiting for review, overdue or due, 25 a page, filtered
 * by fund and then by one of its rounds (a GET form: choose a fund and show, then its rounds are offered; ?round= alone
 * still works and brings its fund). The page's data is what it shows, as text (review-list.server.ts).
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'review:return:any', context)
  const query = parseReturnListQuery(new URL(request.url).searchParams)
  return returnListPage(db, query, ukToday())
}

/** "3 waiting for review, 12 overdue, 40 due in this fund." */
function countsSentence(counts: { awaiting_review: number; overdue: number; due: number }, where: string): string {
  return `${counts.awaiting_review} waiting for review, ${counts.overdue} overdue, ${counts.due} due${where}.`
}

export default function ManageReturns() {
  const d = useLoaderData<typeof loader>()
  const filterQuery = `${d.fundId === null ? '' : `&fund=${d.fundId}`}${d.roundId === null ? '' : `&round=${d.roundId}`}`
  return (
    <>
      <h1>Impact returns</h1>
      <p>{countsSentence(d.counts, d.roundId !== null ? ' in this round' : d.fundId !== null ? ' in this fund' : '')}</p>
      <nav aria-label="Which returns">
        <ul>
          {VIEWS.map((v) => (
            <li key={v}>
              {v === d.view ? <strong aria-current="page">{VIEW_LABELS[v]}</strong> : <PlainLink to={`/manage/returns?view=${v}${filterQuery}`}>{VIEW_LABELS[v]}</PlainLink>}
            </li>
          ))}
        </ul>
      </nav>
      <Form method="get">
        <input type="hidden" name="view" value={d.view} />
        <div className="form-group">
          <label className="label" htmlFor="fund">
            Fund
          </label>
          <select className="input input--medium" id="fund" name="fund" defaultValue={d.fundId ?? ''}>
            <option value="">Every fund</option>
            {d.funds.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name}
              </option>
            ))}
          </select>
        </div>
        {d.fundId === null ? null : (
          <div className="form-group">
            <label className="label" htmlFor="round">
              Round
            </label>
            <select className="input input--medium" id="round" name="round" defaultValue={d.roundId ?? ''}>
              <option value="">Every round of this fund</option>
              {d.rounds.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.title}
                </option>
              ))}
            </select>
          </div>
        )}
        <button type="submit" className="button button--secondary">
          Show returns
        </button>
      </Form>
      {d.returns.length === 0 ? (
        <p>There are no returns here.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption>{VIEW_LABELS[d.view]}</caption>
            <thead>
              <tr>
                <th scope="col">Return</th>
                <th scope="col">Organisation</th>
                <th scope="col">Award</th>
                <th scope="col">Round</th>
                <th scope="col">Due</th>
                {d.showStatus ? <th scope="col">Status</th> : null}
              </tr>
            </thead>
            <tbody>
              {d.returns.map((r) => (
                <tr key={r.id}>
                  <th scope="row">
                    <PlainLink to={`/manage/returns/${r.id}`}>{r.periodLabel}</PlainLink>
                  </th>
                  <td>{r.organisationName}</td>
                  <td>
                    <PlainLink to={`/manage/awards/${r.awardId}`}>{r.awardReference}</PlainLink>
                  </td>
                  <td>{r.roundTitle}</td>
                  <td>{r.dueText}</td>
                  {'statusLabel' in r ? (
                    <td>
                      {r.overdue ? (
                        <>
                          <strong className="tag tag--red">Overdue</strong>
                          {` ${r.statusLabel}`}
                        </>
                      ) : (
                        r.statusLabel
                      )}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <PageLinks label="Pages of returns" path="/manage/returns" query={`view=${d.view}${filterQuery}`} previousBefore={d.previousBefore} nextAfter={d.nextAfter} />
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
