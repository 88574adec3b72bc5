/**
 * The impact roll-up on a page: headline figures, the outcome measures (table and before/after chart), referral mix,
 * people reached by place, and the SROI estimate with its inputs and arithmetic. Shared by /impact (fund managers,
 * finance, administrators) and /funder/impact (funder viewers).
 */
import { Link } from '@remix-run/react'
import { BarChart } from '~/components/charts.tsx'
import { SummaryRow } from '~/components/summary-list.tsx'
import { changeSentence, directionText, formatChange, formatCount, formatInterval, formatScore, sroiInputRows } from '~/domain/impact/format.ts'
import type { ImpactRollUp } from '~/domain/impact/rollup.server.ts'
import type { ScopeSroi } from '~/domain/impact/sroi.server.ts'
import { SROI_SOURCES } from '~/domain/impact/sroi.ts'
import { MEASURE_BY_CODE, SWEMWBS_COPYRIGHT } from '~/domain/returns/measures.ts'
import { formatPence } from '~/lib/money.ts'

const BEFORE_AFTER = [
  { key: 'before' as const, label: 'Before', fill: '#b1b4b6' },
  { key: 'after' as const, label: 'After', fill: '#1d5c9e' },
]
const PEOPLE = [{ key: 'people' as const, label: 'People', fill: '#1d4e3f' }]

export function ImpactHeadlines({ r }: { r: ImpactRollUp }) {
  const cards: Array<[string, string, string]> = [
    ['People reached', formatCount(r.peopleReached), `From ${formatCount(r.acceptedReturns)} accepted ${r.acceptedReturns === 1 ? 'return' : 'returns'}`],
    ['Sessions delivered', formatCount(r.sessionsDelivered), 'Groups, activities and one-to-one sessions'],
    ['Awards reporting', formatCount(r.awards), 'Awards with at least one accepted return'],
    ['Paid to these awards', formatPence(r.paidPence), 'Paid tranches, less money repaid'],
  ]
  if (r.sharePaidPence !== null) cards.push(['Your share of that', formatPence(r.sharePaidPence), 'Paid from the contributions in this view'])
  return (
    <ul className="cards">
      {cards.map(([label, value, hint]) => (
        <li className="card" key={label}>
          <h3>{label}</h3>
          <p className="lead">{value}</p>
          <p className="secondary">{hint}</p>
        </li>
      ))}
    </ul>
  )
}

export function MeasuresSection({ r }: { r: ImpactRollUp }) {
  return (
    <section aria-labelledby="outcomes">
      <h2 id="outcomes">Outcomes before and after</h2>
      {r.measures.length === 0 ? (
        <p>No accepted return in this view has outcome data yet.</p>
      ) : (
        <>
          <ul>
            {r.measures.map((m) => (
              <li key={m.measure}>{changeSentence(m)}</li>
            ))}
          </ul>
          <div className="table-wrap">
            <table>
              <caption>Outcome measures: mean before and after, mean change and its 95% confidence interval</caption>
              <thead>
                <tr>
                  <th scope="col">Measure</th>
                  <th scope="col">Direction</th>
                  <th scope="col" className="num">People (n)</th>
                  <th scope="col" className="num">Mean before</th>
                  <th scope="col" className="num">Mean after</th>
                  <th scope="col" className="num">Mean change</th>
                  <th scope="col">95% confidence interval</th>
                  <th scope="col">Reading</th>
                </tr>
              </thead>
              <tbody>
                {r.measures.map((m) => (
                  <tr key={m.measure}>
                    <th scope="row">{m.label}</th>
                    <td>{directionText(m.measure)}</td>
                    <td className="num">{formatCount(m.n)}</td>
                    <td className="num">{formatScore(m.meanBefore)}</td>
                    <td className="num">{formatScore(m.meanAfter)}</td>
                    <td className="num">{formatChange(m.meanChange)}</td>
                    <td>{formatInterval(m.ci95)}</td>
                    <td>{m.verdict}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="secondary">
            A change counts as an improvement only when the whole 95% confidence interval is on the better side of no change. For anxiety and loneliness a fall is an
            improvement (lower is better).
          </p>
          <BarChart
            title="Mean score before and after, by measure"
            description={`Each measure on its own scale. ${r.measures.map((m) => `${m.label}: ${formatScore(m.meanBefore)} before, ${formatScore(m.meanAfter)} after.`).join(' ')}`}
            series={BEFORE_AFTER}
            rowHeader="Measure"
            format="decimal"
            rows={r.measures.map((m) => ({
              label: m.label.replace(/ \(.*$/, ''),
              note: MEASURE_BY_CODE[m.measure].lowerIsBetter ? '(lower is better)' : '(higher is better)',
              scale: { min: MEASURE_BY_CODE[m.measure].min, max: MEASURE_BY_CODE[m.measure].max },
              values: { before: m.meanBefore, after: m.meanAfter },
            }))}
          />
          {r.swemwbs ? <p className="secondary">{SWEMWBS_COPYRIGHT}</p> : null}
        </>
      )}
    </section>
  )
}

export function ReachSection({ r }: { r: ImpactRollUp }) {
  return (
    <>
      <section aria-labelledby="referrals">
        <h2 id="referrals">How people were referred</h2>
        {r.referralTotal === 0 ? (
          <p>No accepted return in this view gives referral routes yet.</p>
        ) : (
          <BarChart
            title="People by referral route"
            description={r.referrals.map((x) => `${x.label}: ${formatCount(x.count)} (${x.percent}%).`).join(' ')}
            series={PEOPLE}
            rowHeader="Referral route"
            rows={r.referrals.map((x) => ({ label: x.label, values: { people: x.count } }))}
            extraColumns={[{ header: 'Share', values: r.referrals.map((x) => `${x.percent}%`) }]}
          />
        )}
      </section>
      <section aria-labelledby="places">
        <h2 id="places">People reached by place</h2>
        {r.byPlace.length === 0 ? (
          <p>No accepted returns yet.</p>
        ) : (
          <BarChart
            title="People reached, by the place each project works in"
            description={r.byPlace.map((p) => `${p.placeName}: ${formatCount(p.peopleReached)} people from ${p.awards} ${p.awards === 1 ? 'award' : 'awards'}.`).join(' ')}
            series={PEOPLE}
            rowHeader="Place"
            rows={r.byPlace.map((p) => ({ label: p.placeName, values: { people: p.peopleReached } }))}
            extraColumns={[{ header: 'Awards', values: r.byPlace.map((p) => String(p.awards)) }]}
          />
        )}
      </section>
    </>
  )
}

export function SroiSection({ sroi, editable }: { sroi: ScopeSroi; editable: boolean }) {
  return (
    <section aria-labelledby="sroi">
      <h2 id="sroi">Social return on investment (an estimate)</h2>
      <p className="inset">{sroi.sentence}</p>
      <p>
        The estimate uses all the money paid to the awards counted here, whoever gave it: the outcomes of an award funded by several funders cannot be split between
        them. Each fund&rsquo;s own inputs value its own awards.
      </p>
      {sroi.funds.map((f) => (
        <section key={f.fundId} aria-labelledby={`sroi-${f.fundId}`}>
          <h3 id={`sroi-${f.fundId}`}>{f.fundName}</h3>
          {f.isDefault ? (
            <p>
              <strong className="tag tag--grey">Illustrative</strong> This fund has not set its own values, so the starting assumptions below are used.
            </p>
          ) : null}
          <h4>Inputs</h4>
          <dl className="summary-list">
            {sroiInputRows(f.inputs).map((row) => (
              <SummaryRow key={row.label} label={row.label}>
                {row.value}
              </SummaryRow>
            ))}
          </dl>
          {editable ? (
            <p>
              <Link to={`/impact/sroi/${f.fundId}`}>Change the SROI inputs for {f.fundName}</Link>
            </p>
          ) : null}
          <h4>Arithmetic</h4>
          {f.lines.length === 0 ? (
            <p>No measure reported for this fund has a value set, so no value is counted.</p>
          ) : (
            <ul>
              {f.lines.map((l) => (
                <li key={l.measure}>
                  <strong>{l.label}:</strong> {l.steps.join('; ')}.
                </li>
              ))}
            </ul>
          )}
          <p>{f.sentence}</p>
        </section>
      ))}
      <p className="secondary">{SROI_SOURCES.method}</p>
      <p className="secondary">{SROI_SOURCES.defaults}</p>
      <p className="secondary">{SROI_SOURCES.context}</p>
    </section>
  )
}

/** "Supported by" and the note on pooled awards. */
export function SupportedBy({ r }: { r: ImpactRollUp }) {
  if (r.supportedBy.length === 0) return null
  return (
    <p>
      <strong>Supported by:</strong> {r.supportedBy.join(', ')}. People and outcomes of an award funded by several funders count in full for each of them; money is
      counted by each funder&rsquo;s share.
    </p>
  )
}

export function ImpactFigures({ r, sroi, editable }: { r: ImpactRollUp; sroi: ScopeSroi; editable: boolean }) {
  return (
    <>
      <SupportedBy r={r} />
      <h2>At a glance</h2>
      <ImpactHeadlines r={r} />
      <p className="secondary">Only returns a fund manager has accepted are counted. Each return reports its own period, so figures add up across an award&rsquo;s returns.</p>
      <MeasuresSection r={r} />
      <ReachSection r={r} />
      <SroiSection sroi={sroi} editable={editable} />
    </>
  )
}
