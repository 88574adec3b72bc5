import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { LineChart, StackedBarChart, type ChartSeries } from '~/components/charts.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ContributionFiguresTable, PlaceFiguresTable } from '~/components/figure-tables.tsx'
import { PlainLink } from '~/components/plain-link.tsx'
import { FiguresSummary } from '~/components/pot-figures.tsx'
import { PotNotFoundError } from '~/domain/budgets/pots.server.ts'
import { AVAILABLE_BASIS_LABELS } from '~/domain/budgets/pot-labels.ts'
import { potDashboard } from '~/domain/budgets/reports.server.ts'
import { ukToday } from '~/domain/places/places.server.ts'
import { SPLIT_RULE } from '~/domain/places/rollup.ts'
import { longDate } from '~/domain/budgets/ring-fence.ts'
import { db } from '~/lib/db.server.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data ? `${data.pot.name}: dashboard` : 'Pot dashboard'} – Commonpot` }]

/** ?places=as_they_were|rolled_up (anything else shows places as they were); ?allPlaces=1 lists every place. */
const QuerySchema = z.object({
  places: z.enum(['as_they_were', 'rolled_up']).catch('as_they_were'),
  allPlaces: z.literal('1').optional().catch(undefined),
})

/** How many places the dashboard lists before "Show all N places". */
const PLACES_SHOWN = 10

/**
 * GET /pots/:potId/dashboard: the pot's figures, by contributor (with each ring-fence in words) and by place (the
 * PLACES_SHOWN places with most committed, or every place with ?allPlaces=1), with charts, and how many awards draw on
 * the pot, linked to their list (/pots/:potId/awards) (read:pot:any). ?places=rolled_up rolls old places' figures into
 * today's places. The page is sent only what it shows.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'read:pot:any', context)
  const potId = idParam(params.potId, 'We could not find that pot.')
  const { places, allPlaces } = QuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams))
  try {
    const d = await potDashboard(db, potId, { places, date: ukToday() })
    const { id, name, placeName, financialYear, hostFunderName } = d.pot
    return {
      pot: { id, name, placeName, financialYear, hostFunderName },
      basisLabel: AVAILABLE_BASIS_LABELS[d.pot.availableBasis],
      totals: d.totals,
      leverage: d.leverage.sentence,
      contributions: d.contributions.map((c) => ({ contributionId: c.contributionId, funderName: c.funderName, figures: c.figures, ringFence: c.ringFence })),
      overTime: d.overTime.map((m) => ({ month: m.month, committedPence: m.cumulativeCommittedPence, paidPence: m.cumulativePaidPence })),
      placeView: d.placeView,
      byPlace: allPlaces ? d.byPlace : d.byPlace.slice(0, PLACES_SHOWN),
      placeCount: d.byPlace.length,
      allPlaces: !!allPlaces,
      awardCount: d.awardCount,
    }
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

/** The dashboard's query string for a view of places: "?places=rolled_up&allPlaces=1", "" for the default. */
function query(rolledUp: boolean, allPlaces: boolean): string {
  const parts = [rolledUp ? 'places=rolled_up' : '', allPlaces ? 'allPlaces=1' : ''].filter(Boolean)
  return parts.length ? `?${parts.join('&')}` : ''
}

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
  const path = `/pots/${d.pot.id}/dashboard`
  const rolledUp = d.placeView.view === 'rolled_up'
  const last = d.overTime.at(-1)
  return (
    <>
      <p>
        <PlainLink to={`/pots/${d.pot.id}`}>{`Back to ${d.pot.name}`}</PlainLink>
      </p>
      <h1>{`${d.pot.name}: dashboard`}</h1>
      <p className="lead">{`${d.pot.placeName ?? 'National'}, financial year ${d.pot.financialYear}. Hosted by ${d.pot.hostFunderName}.`}</p>
      <FiguresSummary totals={d.totals} basis={d.basisLabel} />
      <p className="inset">{d.leverage}</p>
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
      {!last ? (
        <p>Nothing has been committed to awards yet.</p>
      ) : (
        <LineChart
          title="Committed and paid, running totals by month"
          description={`Running totals by month from ${d.overTime[0].month} to ${last.month}: ${formatPence(last.committedPence)} committed and ${formatPence(last.paidPence)} paid.`}
          series={OVER_TIME}
          points={d.overTime.map((m) => ({ label: m.month, values: { committed: m.committedPence, paid: m.paidPence } }))}
          periodHeader="Month"
        />
      )}

      <h2 id="by-place">By place</h2>
      <p>
        {`Integrated care boards changed on 1 April 2026: 42 became 36, and some were split. ${rolledUp ? 'Places are shown rolled up into today’s places.' : 'Places are shown as they were.'} `}
        <PlainLink to={`${path}${query(!rolledUp, d.allPlaces)}#by-place`}>
          {rolledUp ? 'Show places as they were' : 'Roll them up into today’s places'}
        </PlainLink>
      </p>
      {d.placeView.date ? (
        <p className="inset">
          {`Figures for places that have since been replaced are rolled up into the places in force on ${longDate(d.placeView.date)}. ${SPLIT_RULE}`}
        </p>
      ) : null}
      {d.placeCount === 0 ? (
        <p>No awards have been funded from this pot yet.</p>
      ) : (
        <>
          <PlaceFiguresTable
            caption={`${d.placeView.date ? 'Money committed to awards, by today’s place for each project' : 'Money committed to awards, by the place each project works in'}${
              d.byPlace.length < d.placeCount ? `: the ${d.byPlace.length} places with most committed, of ${d.placeCount}` : ''
            }`}
            rows={d.byPlace}
          />
          {d.byPlace.length < d.placeCount ? (
            <p>
              <PlainLink to={`${path}${query(rolledUp, true)}#by-place`}>{`Show all ${d.placeCount} places`}</PlainLink>
            </p>
          ) : null}
        </>
      )}

      <h2 id="awards">Awards funded from this pot</h2>
      {d.awardCount === 0 ? (
        <p>No awards funded yet.</p>
      ) : (
        <p>
          {`${d.awardCount === 1 ? '1 award draws' : `${d.awardCount.toLocaleString('en-GB')} awards draw`} on this pot. `}
          <PlainLink to={`/pots/${d.pot.id}/awards`}>See the awards and whose money each draws on</PlainLink>
        </p>
      )}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
