import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ContributionFiguresTable, PlaceFiguresTable } from '~/components/figure-tables.tsx'
import { PlainLink } from '~/components/plain-link.tsx'
import { FiguresSummary } from '~/components/pot-figures.tsx'
import type { MoneyFigures } from '~/domain/budgets/reports.server.ts'
import { funderDashboardPage } from '~/domain/funders/dashboard.server.ts'
import { db } from '~/lib/db.server.ts'
import { requirePermission } from '~/lib/guards.server.ts'
import { idText } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'What did our money do? – Commonpot' }]

/** Only the five figures the cards and the table show. */
function shown(f: MoneyFigures) {
  return { pledgedPence: f.pledgedPence, receivedPence: f.receivedPence, committedPence: f.committedPence, paidPence: f.paidPence, availablePence: f.availablePence }
}

const PageQuery = z.object({
  after: idText.optional().catch(undefined),
  before: idText.optional().catch(undefined),
  allPlaces: z.literal('1').optional().catch(undefined),
})

/** How many places the page lists before "Show all N places". */
const PLACES_SHOWN = 10

/**
 * GET /funder: a funder viewer's own contributions across pots, FUNDER_CONTRIBUTIONS_PAGE_SIZE a page (?after= /
 * ?before= a contribution id), with the conditions they set in words and how many awards each funded (linked to
 * /funder/contributions/:id, which lists them a page at a time); each funder's totals and leverage stay whole, and the
 * places their money reached are listed largest first, PLACES_SHOWN of them unless ?allPlaces=1 (read:report:funder).
 * The loader sends only what the page shows.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:report:funder', context)
  const query = PageQuery.parse(Object.fromEntries(new URL(request.url).searchParams))
  const view = await funderDashboardPage(db, user.funderIds, { after: query.after, before: query.before, places: query.allPlaces ? null : PLACES_SHOWN })
  return {
    funders: view.funders.map((f) => ({
      funderId: f.funderId,
      funderName: f.funderName,
      totals: shown(f.totals),
      leverage: f.leverage.sentence,
      contributionCount: view.contributionCounts[f.funderId] ?? 0,
    })),
    contributions: view.contributions.map((c) => ({
      contributionId: c.contributionId,
      funderId: c.funderId,
      potId: c.potId,
      potName: c.potName,
      placeName: c.placeName,
      financialYear: c.financialYear,
      figures: shown(c.figures),
      ringFence: c.ringFence,
      awards: c.awards,
    })),
    byPlace: view.byPlace,
    placeCount: view.placeCount,
    allPlaces: !!query.allPlaces,
    next: view.next,
    previous: view.previous,
  }
}

export default function FunderView() {
  const view = useLoaderData<typeof loader>()
  const keep = view.allPlaces ? '&allPlaces=1' : ''
  return (
    <>
      <h1>What did our money do?</h1>
      <p>
        <PlainLink to="/funder/impact">What our money achieved: people reached, outcomes and social return</PlainLink>
      </p>
      {view.funders.length === 0 ? (
        <p>Your account is not linked to a funder yet. Ask an administrator to link it to your organisation.</p>
      ) : null}
      {view.funders.map((f) => {
        const contributions = view.contributions.filter((c) => c.funderId === f.funderId)
        return (
          <section key={f.funderId} aria-labelledby={`funder-${f.funderId}`}>
            <h2 id={`funder-${f.funderId}`}>{f.funderName}</h2>
            <FiguresSummary totals={f.totals} headingLevel={3} />
            <p className="inset">{f.leverage}</p>
            {f.contributionCount === 0 ? (
              <p>{`${f.funderName} has not contributed to a pot yet.`}</p>
            ) : contributions.length === 0 ? (
              <p>{`${f.funderName}’s ${f.contributionCount === 1 ? 'contribution is' : `${f.contributionCount} contributions are`} on another page.`}</p>
            ) : (
              <ContributionFiguresTable
                caption={`${f.funderName}: contributions by pot, with the conditions on the money${
                  f.contributionCount > contributions.length ? ` (${contributions.length} of ${f.contributionCount} on this page)` : ''
                }`}
                nameHeader="Pot"
                leadColumns={['Place', 'Year']}
                awardsColumn
                rows={contributions.map((c) => ({
                  contributionId: c.contributionId,
                  potId: c.potId,
                  name: c.potName,
                  lead: [c.placeName ?? 'National', c.financialYear],
                  figures: c.figures,
                  ringFence: c.ringFence,
                  awards: c.awards,
                  awardsHref: `/funder/contributions/${c.contributionId}`,
                }))}
              />
            )}
          </section>
        )
      })}
      {view.previous || view.next ? (
        <nav aria-label="Pages of contributions">
          {view.previous ? <a href={`/funder?before=${view.previous}${keep}`}>Previous contributions</a> : null}{' '}
          {view.next ? <a href={`/funder?after=${view.next}${keep}`}>Next contributions</a> : null}
        </nav>
      ) : null}
      {view.placeCount > 0 ? (
        <>
          <h2 id="places">Places your money reached</h2>
          <PlaceFiguresTable
            caption={`Your share of awards, by the place each project works in${view.byPlace.length < view.placeCount ? `: the ${view.byPlace.length} places with most committed, of ${view.placeCount}` : ''}`}
            rows={view.byPlace}
          />
          {view.byPlace.length < view.placeCount ? (
            <p>
              <PlainLink to="/funder?allPlaces=1#places">{`Show all ${view.placeCount} places`}</PlainLink>
            </p>
          ) : null}
        </>
      ) : null}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
