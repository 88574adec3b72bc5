import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { LineChart, StackedBarChart, type ChartSeries } from '~/components/charts.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ContributionFiguresTable, PlaceFiguresTable } from '~/components/figure-tables.tsx'
import { PageLinks } from '~/components/page-links.tsx'
import { FiguresSummary } from '~/components/pot-figures.tsx'
import { PotNotFoundError } from '~/domain/budgets/pots.server.ts'
import { AVAILABLE_BASIS_LABELS } from '~/domain/budgets/pot-labels.ts'
import { potAwardsPage, potDashboard, type PotAward } from '~/domain/budgets/reports.server.ts'
import { ukToday } from '~/domain/places/places.server.ts'
import { SPLIT_RULE } from '~/domain/places/rollup.ts'
import { longDate } from '~/domain/budgets/ring-fence.ts'
import { db } from '~/lib/db.server.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'
import { idParam, idText } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data ? `${data.pot.name}: dashboard` : 'Pot dashboard'} – Commonpot` }]

const PLACE_VIEW_OPTIONS = [
  { value: 'as_they_were', label: 'Places as they were' },
  { value: 'rolled_up', label: 'Rolled up into today’s places' },
] as const

/** An award id from a page link; anything else is ignored (the first page). */
const Cursor = idText.optional().catch(undefined)

/** ?places=as_they_were|rolled_up (anything else shows places as they were); ?after= or ?before= an award id. */
const QuerySchema = z.object({ places: z.enum(['as_they_were', 'rolled_up']).catch('as_they_were'), after: Cursor, before: Cursor })

/**
 * GET /pots/:potId/dashboard: the pot's figures, by contributor (with each ring-fence in words) and by place, with
 * charts, then the awards drawing on the pot, 25 a page (read:pot:any). ?places=rolled_up rolls old places' figures
 * into today's places; ?after=<award id> and ?before=<award id> page through the awards.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requirePermission(request, 'read:pot:any')
  const potId = idParam(params.potId, 'We could not find that pot.')
  const query = new URL(request.url).searchParams
  const { places, after, before } = QuerySchema.parse({ places: query.get('places') ?? undefined, after: query.get('after') ?? undefined, before: query.get('before') ?? undefined })
  try {
    const dashboard = await potDashboard(db, potId, { places, date: ukToday() })
    const awards = await potAwardsPage(db, potId, before !== undefined ? { before } : { after })
    return json({ ...dashboard, awards, basisLabel: AVAILABLE_BASIS_LABELS[dashboard.pot.availableBasis] })
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
      <ContributionFiguresTable
        caption="Figures by contributor, with the conditions on each contributor’s money"
        nameHeader="Contributor"
        rows={d.contributions.map((c) => ({ contributionId: c.contributionId, potId: d.pot.id, name: c.funderName, figures: c.figures, ringFence: c.ringFence }))}
      />

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

      <h2 id="by-place">By place</h2>
      <Form method="get">
        <fieldset className="fieldset form-group">
          <legend>How to show places</legend>
          <div className="hint">Integrated care boards changed on 1 April 2026: 42 became 36, and some were split.</div>
          {PLACE_VIEW_OPTIONS.map((o) => (
            <div className="checkbox" key={o.value}>
              <input type="radio" id={`places-${o.value}`} name="places" value={o.value} defaultChecked={d.placeView.view === o.value} />
              <label htmlFor={`places-${o.value}`}>{o.label}</label>
            </div>
          ))}
        </fieldset>
        <button type="submit" className="button button--secondary">
          Show places
        </button>
      </Form>
      {d.placeView.date ? (
        <p className="inset">
          Figures for places that have since been replaced are rolled up into the places in force on {longDate(d.placeView.date)}. {SPLIT_RULE}
        </p>
      ) : null}
      {d.byPlace.length === 0 ? (
        <p>No awards have been funded from this pot yet.</p>
      ) : (
        <PlaceFiguresTable
          caption={d.placeView.date ? 'Money committed to awards, by today’s place for each project' : 'Money committed to awards, by the place each project works in'}
          rows={d.byPlace}
        />
      )}

      <h2 id="awards">Awards funded from this pot</h2>
      {d.awards.total === 0 ? (
        <p>No awards funded yet.</p>
      ) : (
        <>
          <p>
            {d.awards.total === 1 ? '1 award draws' : `${d.awards.total.toLocaleString('en-GB')} awards draw`} on this pot, listed in the order they were made,
            25 a page. Each shows which contributors’ money it draws on.
          </p>
          <PotAwardsTable awards={d.awards.awards} contributorNames={new Map(d.contributions.map((c) => [c.contributionId, c.funderName]))} />
          <PageLinks
            label="Pages of awards"
            path={`/pots/${d.pot.id}/dashboard`}
            query={d.placeView.view === 'rolled_up' ? 'places=rolled_up' : ''}
            previousBefore={d.awards.previousBefore}
            nextAfter={d.awards.nextAfter}
          />
        </>
      )}
    </>
  )
}

/** A page of the pot's awards: the pot's money in each, and which contributors' money it comes from. */
function PotAwardsTable({ awards, contributorNames }: { awards: PotAward[]; contributorNames: Map<number, string> }) {
  return (
    <div className="table-wrap">
      <table>
        <caption>Awards funded from this pot, with the contributors whose money each draws on</caption>
        <thead>
          <tr>
            <th scope="col">Award</th>
            <th scope="col">Organisation</th>
            <th scope="col">Place</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Committed
            </th>
            <th scope="col" className="num">
              Paid
            </th>
            <th scope="col">Contributors (committed, paid)</th>
          </tr>
        </thead>
        <tbody>
          {awards.map((a) => (
            <tr key={a.awardId}>
              <th scope="row">{a.reference}</th>
              <td>{a.organisationName}</td>
              <td>{a.placeName ?? 'Not recorded'}</td>
              <td>{a.status}</td>
              <td className="num">{formatPence(a.committedPence)}</td>
              <td className="num">{formatPence(a.paidPence)}</td>
              <td>
                <ul>
                  {a.contributions.map((c) => (
                    <li key={c.contributionId}>
                      {contributorNames.get(c.contributionId)}: {formatPence(c.committedPence)}, {formatPence(c.paidPence)} paid
                    </li>
                  ))}
                </ul>
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
