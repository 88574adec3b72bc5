import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { LineChart, StackedBarChart, type ChartSeries } from '~/components/charts.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { AwardsTable, FiguresSummary } from '~/components/pot-figures.tsx'
import { PotNotFoundError } from '~/domain/budgets/pots.server.ts'
import { AVAILABLE_BASIS_LABELS } from '~/domain/budgets/pot-labels.ts'
import { potDashboard, type MoneyFigures } from '~/domain/budgets/reports.server.ts'
import { db } from '~/lib/db.server.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data ? `${data.pot.name}: dashboard` : 'Pot dashboard'} – Commonpot` }]

/** GET /pots/:potId/dashboard: the pot's figures, by contributor and by place, with charts (read:pot:any). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requirePermission(request, 'read:pot:any')
  const potId = Number(params.potId)
  if (!Number.isSafeInteger(potId) || potId <= 0) throw notFound('We could not find that pot.')
  try {
    const dashboard = await potDashboard(db, potId)
    return json({ ...dashboard, basisLabel: AVAILABLE_BASIS_LABELS[dashboard.pot.availableBasis] })
  } catch (e) {
    if (e instanceof PotNotFoundError) throw notFound('We could not find that pot.')
    throw e
  }
}

type StackKey = 'paid' | 'committedUnpaid' | 'receivedUncommitted' | 'outstanding' | 'returned'

const STACK: ChartSeries<StackKey>[] = [
  { key: 'paid', label: 'Paid', fill: '#1d4e3f' },
  { key: 'committedUnpaid', label: 'Committed, not paid', fill: '#3d8c72' },
  { key: 'receivedUncommitted', label: 'Received, not committed', fill: '#8fc2ae' },
  { key: 'outstanding', label: 'Pledged, not received', fill: '#d9e6f2' },
  { key: 'returned', label: 'Returned', fill: '#b1b4b6' },
]

const OVER_TIME: ChartSeries<string>[] = [
  { key: 'committed', label: 'Committed to awards', fill: '#1d5c9e' },
  { key: 'paid', label: 'Paid to grantees', fill: '#1d4e3f' },
]

export default function PotDashboard() {
  const d = useLoaderData<typeof loader>()
  const rows = d.contributions.map((c) => ({
    label: c.funderName,
    values: {
      paid: c.figures.paidPence,
      committedUnpaid: c.figures.committedUnpaidPence,
      receivedUncommitted: c.figures.receivedUncommittedPence,
      outstanding: c.figures.outstandingPence,
      returned: c.figures.returnedPence,
    },
  }))
  const series = STACK.filter((s) => s.key !== 'returned' || d.totals.returnedPence > 0)
  return (
    <>
      <p>
        <Link to={`/pots/${d.pot.id}`}>Back to {d.pot.name}</Link>
      </p>
      <h1>{d.pot.name}: dashboard</h1>
      <p className="lead">
        {d.pot.placeName ?? 'National'}, financial year {d.pot.financialYear}. Hosted by {d.pot.hostFunderName}.
      </p>
      <FiguresSummary totals={d.totals} basis={d.basisLabel} />
      <p className="inset">{d.leverage.sentence}</p>
      <p>
        <a href={`/pots/${d.pot.id}/ledger.csv`} download>
          Download ledger entries (CSV)
        </a>
      </p>

      <h2>By contributor</h2>
      {rows.length === 0 ? (
        <p>No one has contributed to this pot yet.</p>
      ) : (
        <StackedBarChart
          title="Each contributor's money"
          description={`A bar per contributor showing what is paid, committed, received and still pledged. ${d.contributions.length} contributors; the figures are in the table below.`}
          series={series}
          rows={rows}
          rowHeader="Contributor"
        />
      )}
      <ContributorTable potId={d.pot.id} contributions={d.contributions} />

      <h2>Committed and paid over time</h2>
      {d.overTime.length === 0 ? (
        <p>Nothing has been committed to awards yet.</p>
      ) : (
        <LineChart
          title="Committed and paid, running totals by month"
          description={`Running totals by month from ${d.overTime[0].month} to ${d.overTime.at(-1)!.month}: ${formatPence(d.overTime.at(-1)!.cumulativeCommittedPence)} committed and ${formatPence(d.overTime.at(-1)!.cumulativePaidPence)} paid.`}
          series={OVER_TIME}
          points={d.overTime.map((m) => ({ label: m.month, values: { committed: m.cumulativeCommittedPence, paid: m.cumulativePaidPence } }))}
          periodHeader="Month"
        />
      )}

      <h2>By place</h2>
      {d.byPlace.length === 0 ? (
        <p>No awards have been funded from this pot yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption>Money committed to awards, by the place each project works in</caption>
            <thead>
              <tr>
                <th scope="col">Place</th>
                <th scope="col" className="num">
                  Awards
                </th>
                <th scope="col" className="num">
                  Committed
                </th>
                <th scope="col" className="num">
                  Paid
                </th>
              </tr>
            </thead>
            <tbody>
              {d.byPlace.map((p) => (
                <tr key={p.placeId ?? 'none'}>
                  <th scope="row">{p.placeName}</th>
                  <td className="num">{p.awards}</td>
                  <td className="num">{formatPence(p.committedPence)}</td>
                  <td className="num">{formatPence(p.paidPence)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>Awards each contribution funds</h2>
      {d.contributions.map((c) => (
        <section key={c.contributionId} aria-labelledby={`awards-${c.contributionId}`}>
          <h3 id={`awards-${c.contributionId}`}>{c.funderName}</h3>
          <AwardsTable awards={c.awards} />
        </section>
      ))}
    </>
  )
}

function ContributorTable({ potId, contributions }: { potId: number; contributions: Array<{ contributionId: number; funderName: string; figures: MoneyFigures }> }) {
  if (contributions.length === 0) return null
  return (
    <div className="table-wrap">
      <table>
        <caption>Figures by contributor</caption>
        <thead>
          <tr>
            <th scope="col">Contributor</th>
            <th scope="col" className="num">
              Pledged
            </th>
            <th scope="col" className="num">
              Received
            </th>
            <th scope="col" className="num">
              Committed
            </th>
            <th scope="col" className="num">
              Paid
            </th>
            <th scope="col" className="num">
              Available
            </th>
            <th scope="col">Statement</th>
          </tr>
        </thead>
        <tbody>
          {contributions.map((c) => (
            <tr key={c.contributionId}>
              <th scope="row">{c.funderName}</th>
              <td className="num">{formatPence(c.figures.pledgedPence)}</td>
              <td className="num">{formatPence(c.figures.receivedPence)}</td>
              <td className="num">{formatPence(c.figures.committedPence)}</td>
              <td className="num">{formatPence(c.figures.paidPence)}</td>
              <td className="num">{formatPence(c.figures.availablePence)}</td>
              <td>
                <a href={`/pots/${potId}/contributions/${c.contributionId}/statement.pdf`} download>
                  Statement (PDF)<span className="visually-hidden"> for {c.funderName}</span>
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
