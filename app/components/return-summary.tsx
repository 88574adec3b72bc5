/**
 * An impact return as read back: people and sessions, referral routes, demographics, each outcome measure (n, means,
 * mean change and its 95% confidence interval, with "lower is better" where it is), spend against the budget, match
 * funding, the story with its photos, and plans. Used on the group's return page (each version) and the fund
 * manager's review page. Takes plain data (summariseReturn in app/domain/returns/return-summary.ts).
 */
import type { ReturnSummary } from '~/domain/returns/return-summary.ts'
import { formatPence } from '~/lib/money.ts'
import { SummaryRow } from './summary-list.tsx'

const one = (n: number) => n.toLocaleString('en-GB', { minimumFractionDigits: 1, maximumFractionDigits: 2 })
const signed = (n: number) => `${n > 0 ? '+' : n < 0 ? '−' : ''}${one(Math.abs(n))}`

export function ReturnSummaryView({ summary, idPrefix = 'return' }: { summary: ReturnSummary; idPrefix?: string }) {
  const s = summary
  return (
    <>
      <dl className="summary-list">
        <SummaryRow label="People reached">{s.peopleReached ?? 'Not given'}</SummaryRow>
        <SummaryRow label="Sessions delivered">{s.sessionsDelivered ?? 'Not given'}</SummaryRow>
        <SummaryRow label="Spent">{s.spentPence === null ? 'Not given' : formatPence(s.spentPence)}</SummaryRow>
        {s.matchFundingPence !== null ? <SummaryRow label="Match funding received">{formatPence(s.matchFundingPence)}</SummaryRow> : null}
      </dl>
      {s.referrals.length ? (
        <div className="table-wrap">
          <table>
            <caption>How people came to the project</caption>
            <thead>
              <tr>
                <th scope="col">Referral route</th>
                <th scope="col" className="num">
                  People
                </th>
              </tr>
            </thead>
            <tbody>
              {s.referrals.map((r) => (
                <tr key={r.label}>
                  <th scope="row">{r.label}</th>
                  <td className="num">{r.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {s.demographics.map((d) => (
        <div className="table-wrap" key={d.label}>
          <table>
            <caption>People reached by {d.label.toLowerCase()}</caption>
            <thead>
              <tr>
                <th scope="col">{d.label}</th>
                <th scope="col" className="num">
                  People
                </th>
              </tr>
            </thead>
            <tbody>
              {d.rows.map((r) => (
                <tr key={r.label}>
                  <th scope="row">{r.label}</th>
                  <td className="num">{r.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
      {s.outcomes.length ? (
        <div className="table-wrap">
          <table id={`${idPrefix}-outcomes`}>
            <caption>Outcome measures: the average before and after, and the change with its 95% confidence interval</caption>
            <thead>
              <tr>
                <th scope="col">Measure</th>
                <th scope="col">Given as</th>
                <th scope="col" className="num">
                  People (n)
                </th>
                <th scope="col" className="num">
                  Before
                </th>
                <th scope="col" className="num">
                  After
                </th>
                <th scope="col" className="num">
                  Change
                </th>
                <th scope="col">95% confidence interval</th>
              </tr>
            </thead>
            <tbody>
              {s.outcomes.map((o) => (
                <tr key={o.measure}>
                  <th scope="row">{o.label}</th>
                  <td>{o.basis === 'participants' ? 'Each person’s scores' : 'Group summary'}</td>
                  <td className="num">{o.n}</td>
                  <td className="num">{one(o.meanBefore)}</td>
                  <td className="num">{one(o.meanAfter)}</td>
                  <td className="num">
                    {signed(o.meanChange)}
                    {o.lowerIsBetter ? ' (lower is better)' : ''}
                  </td>
                  <td>{o.ci95 ? `${signed(o.ci95.low)} to ${signed(o.ci95.high)}` : 'Needs 2 or more people'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p>No outcome measures were given.</p>
      )}
      {s.swemwbsCopyright ? <p className="hint">{s.swemwbsCopyright}</p> : null}
      {s.spendLines.length ? (
        <div className="table-wrap">
          <table>
            <caption>Spend against the approved budget</caption>
            <thead>
              <tr>
                <th scope="col">Budget line</th>
                <th scope="col" className="num">
                  Budget
                </th>
                <th scope="col" className="num">
                  Spent
                </th>
                <th scope="col" className="num">
                  Difference
                </th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {s.spendLines.map((l) => (
                <tr key={l.line}>
                  <th scope="row">{l.description}</th>
                  <td className="num">{formatPence(l.budgetPence)}</td>
                  <td className="num">{l.spentPence === null ? '' : formatPence(l.spentPence)}</td>
                  <td className="num">{l.variancePercent === null ? '' : `${l.variancePercent > 0 ? '+' : ''}${l.variancePercent}%${l.overThreshold ? ' (more than 10%)' : ''}`}</td>
                  <td>{l.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <h3>Story</h3>
      <p>{s.story || 'Not given'}</p>
      {s.photos.length ? (
        <ul>
          {s.photos.map((p) => (
            <li key={p.documentId}>
              <a href={`/documents/${p.documentId}`}>{p.filename}</a>
              {p.caption ? `: ${p.caption}` : ''} (consent confirmed)
            </li>
          ))}
        </ul>
      ) : null}
      <h3>Plans for the next period</h3>
      <p>{s.plans || 'Not given'}</p>
    </>
  )
}
