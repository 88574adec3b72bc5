import { type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { PageLinks } from '~/components/page-links.tsx'
import { PlainLink } from '~/components/plain-link.tsx'
import { ukToday } from '~/domain/places/places.server.ts'
import { RETURN_LIST_VIEWS, returnStatusLabel } from '~/domain/returns/return-schedule.ts'
import { countReturnsByView, returnFilterFunds, listReturnsForReview, resolveReturnFilter, roundsWithReturns } from '~/domain/returns/review.server.ts'
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

/** Views whose returns all share one status (the view's name says it): their table has no Status column. */
const ONE_STATUS_VIEWS: ReadonlySet<(typeof RETURN_LIST_VIEWS)[number]> = new Set(['awaiting_review', 'changes_requested', 'accepted'])

const Filters = z.object({
  // The default first: most requests name no view, and a caught failure builds a ZodError (about 0.1 ms a request).
  view: z.enum(RETURN_LIST_VIEWS).default('awaiting_review').catch('awaiting_review'),
  fund: idText.optional().catch(undefined),
  round: idText.optional().catch(undefined),
  after: idText.optional().catch(undefined),
  before: idText.optional().catch(undefined),
})

/**
 * GET /manage/returns?view=&fund=&round=&after=&before=: returns waiting for review, overdue or due, 25 a page, filtered
 * by fund and then by one of its rounds (a GET form: choose a fund and show, then its rounds are offered; ?round= alone
 * still works and brings its fund). The page's data is what it shows, as text.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'review:return:any', context)
  const url = new URL(request.url)
  const param = (name: string) => url.searchParams.get(name) || undefined
  const { view, after, before, ...asked } = Filters.parse({ view: param('view'), fund: param('fund'), round: param('round'), after: param('after'), before: param('before') })
  const filter = await resolveReturnFilter(db, { fundId: asked.fund ?? null, roundId: asked.round ?? null })
  const today = ukToday()
  const [page, counts, funds, rounds] = await Promise.all([
    listReturnsForReview(db, { view, ...filter, today, after, before }),
    countReturnsByView(db, { ...filter, today }),
    returnFilterFunds(db),
    filter.fundId === null ? [] : roundsWithReturns(db, filter.fundId),
  ])
  const showStatus = !ONE_STATUS_VIEWS.has(view)
  return {
    view,
    showStatus,
    ...filter,
    counts,
    funds,
    rounds,
    nextAfter: page.nextAfter,
    previousBefore: page.previousBefore,
    // The status only where the table shows it (each value is serialised again into the page for hydration).
    returns: page.rows.map((r) => {
      const row = {
        id: r.id,
        periodLabel: r.periodLabel,
        organisationName: r.organisationName,
        awardId: r.awardId,
        awardReference: r.awardReference,
        roundTitle: r.roundTitle,
        dueText: formatLondonDate(`${r.dueDate}T12:00:00Z`),
      }
      return showStatus ? { ...row, statusLabel: returnStatusLabel(r.status), overdue: r.overdue } : row
    }),
  }
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
          {RETURN_LIST_VIEWS.map((v) => (
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
