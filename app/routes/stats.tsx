import { type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { PageLinks } from '~/components/page-links.tsx'
import { publicRoundStats } from '~/domain/stats/round-stats.server.ts'
import { db } from '~/lib/db.server.ts'
import { formatLondonDate } from '~/lib/dates.ts'
import { formatPence } from '~/lib/money.ts'
import { idText } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [
  { title: 'Statistics – Commonpot' },
  { name: 'description', content: 'How many applications each funding round received, how many were funded, how long decisions took, why bids were declined and where the money went.' },
]

const Cursor = idText.optional().catch(undefined)
const PageQuery = z.object({ after: Cursor, before: Cursor })

/**
 * GET /stats?after=&before= (public, a stable address): per round, applications, success rate, time to decision,
 * decline reasons, money by place; ten rounds a page, latest first (`after`/`before` are round ids from the page links).
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url)
  const cursor = PageQuery.parse({ after: url.searchParams.get('after') ?? undefined, before: url.searchParams.get('before') ?? undefined })
  const page = await publicRoundStats(db, cursor)
  const now = new Date().toISOString()
  // Only what the page shows, as a bare object: single fetch serialises it once (json() would have it written, read
  // and parsed first).
  const rounds = page.rounds.map(({ status: _status, ...r }) => ({ ...r, open: r.closesAt !== null && r.closesAt > now }))
  return { ...page, rounds }
}

/** Public figures, the same for everyone: browsers and proxies may keep a page for five minutes. */
export const headers: HeadersFunction = () => ({ 'Cache-Control': 'public, max-age=300' })

function days(value: number | null): string {
  if (value === null) return 'Not known yet'
  const text = Number.isInteger(value) ? String(value) : value.toFixed(1)
  return `${text} ${value === 1 ? 'day' : 'days'}`
}

export default function Stats() {
  const { rounds, totalRounds, nextAfter, previousBefore } = useLoaderData<typeof loader>()
  return (
    <>
      <h1>Statistics</h1>
      <p className="lead">How each funding round went: how many groups applied, how many were funded, how long they waited for a decision, why bids were not funded and where the money went.</p>
      <p>
        Every grant we publish is also in the 360Giving open data format: download the <a href="/data/360giving.json">360Giving JSON file</a> or the{' '}
        <a href="/data/360giving.csv">360Giving CSV file</a> (for spreadsheets).
      </p>
      <details className="details">
        <summary>How we count</summary>
        <ul>
          <li>Applications received are those sent to us; drafts are not counted. A bid with two stages counts once.</li>
          <li>A bid counts as decided once the group has been told the decision. The success rate is the share of decided bids that got a grant.</li>
          <li>Days to a decision are counted from the day the round closed to the day the group was told, and we give the middle value (the median). Rounds that fund bids as they arrive show 0.</li>
          <li>Money awarded counts grants offered and not turned down or withdrawn, by the integrated care board area the project named.</li>
        </ul>
      </details>
      {rounds.length === 0 ? <p>There are no funding rounds to report on yet.</p> : null}
      {totalRounds > rounds.length ? (
        <p>{`${totalRounds} funding rounds, latest closing date first, ${rounds.length} on this page.`}</p>
      ) : null}
      {rounds.map((r) => (
        <section key={r.roundId} aria-labelledby={`round-${r.roundId}`}>
          <h2 id={`round-${r.roundId}`}>
            {`${r.title} `}
            <span className="secondary">{`(${r.fundName})`}</span>
          </h2>
          <p>{!r.closesAt ? 'This round has no closing date.' : r.open ? `Open for applications until ${formatLondonDate(r.closesAt)}: figures so far.` : `Closed for applications on ${formatLondonDate(r.closesAt)}.`}</p>
          <div className="table-wrap">
            <table>
              <caption>{`${r.title} in figures`}</caption>
              <tbody>
                <tr>
                  <th scope="row">Applications received</th>
                  <td className="num">{r.received}</td>
                </tr>
                <tr>
                  <th scope="row">Decided so far</th>
                  <td className="num">{r.decided}</td>
                </tr>
                <tr>
                  <th scope="row">Success rate</th>
                  <td className="num">{r.successRatePercent === null ? 'No decisions yet' : `${r.successRatePercent}% (${r.successful} of ${r.decided})`}</td>
                </tr>
                <tr>
                  <th scope="row">Typical time from close to decision (median)</th>
                  <td className="num">{days(r.medianDaysToDecision)}</td>
                </tr>
                <tr>
                  <th scope="row">Money awarded</th>
                  <td className="num">{formatPence(r.awardedPence, { pence: 'auto' })}</td>
                </tr>
              </tbody>
            </table>
          </div>

          {r.declineReasons.length > 0 ? (
            <div className="table-wrap">
              <table>
                <caption>{`Why bids to ${r.title} were not funded`}</caption>
                <thead>
                  <tr>
                    <th scope="col">Reason</th>
                    <th scope="col" className="num">
                      Bids
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {r.declineReasons.map((d) => (
                    <tr key={d.reason}>
                      <th scope="row">{d.reason}</th>
                      <td className="num">{d.count}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}

          {r.awardedByPlace.length > 0 ? (
            <div className="table-wrap">
              <table>
                <caption>{`Money awarded in ${r.title}, by place`}</caption>
                <thead>
                  <tr>
                    <th scope="col">Integrated care board</th>
                    <th scope="col">ONS code</th>
                    <th scope="col" className="num">
                      Grants
                    </th>
                    <th scope="col" className="num">
                      Amount
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {r.awardedByPlace.map((p) => (
                    <tr key={`${p.placeName}-${p.gssCode ?? ''}`}>
                      <th scope="row">{p.placeName}</th>
                      <td>{p.gssCode ?? 'Not known'}</td>
                      <td className="num">{p.awards}</td>
                      <td className="num">{formatPence(p.amountPence, { pence: 'auto' })}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </section>
      ))}
      <PageLinks label="Pages of rounds" path="/stats" previousBefore={previousBefore} nextAfter={nextAfter} />
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
