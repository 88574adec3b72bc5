import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ContributionFiguresTable, PlaceFiguresTable } from '~/components/figure-tables.tsx'
import { FiguresSummary } from '~/components/pot-figures.tsx'
import { funderDashboard } from '~/domain/funders/dashboard.server.ts'
import { db } from '~/lib/db.server.ts'
import { requirePermission } from '~/lib/guards.server.ts'

export const meta: MetaFunction = () => [{ title: 'What did our money do? – Commonpot' }]

/**
 * GET /funder: a funder viewer's own contributions across pots with the conditions they set in words, how many awards
 * each funded (each listed a page at a time on /funder/contributions/:id), and the places their money reached
 * (read:report:funder).
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:report:funder')
  return json(await funderDashboard(db, user.funderIds))
}

export default function FunderView() {
  const view = useLoaderData<typeof loader>()
  return (
    <>
      <h1>What did our money do?</h1>
      <p>
        <Link to="/funder/impact">What our money achieved: people reached, outcomes and social return</Link>
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
            <p className="inset">{f.leverage.sentence}</p>
            {contributions.length === 0 ? (
              <p>{f.funderName} has not contributed to a pot yet.</p>
            ) : (
              <ContributionFiguresTable
                caption={`${f.funderName}: contributions by pot, with the conditions on the money`}
                nameHeader="Pot"
                leadColumns={['Place', 'Year']}
                rows={contributions.map((c) => ({
                  contributionId: c.contributionId,
                  potId: c.potId,
                  name: c.potName,
                  lead: [c.placeName ?? 'National', c.financialYear],
                  figures: c.figures,
                  ringFence: c.ringFence,
                }))}
              />
            )}
            {contributions.length > 0 ? (
              <>
                <h3>Awards funded from each pot</h3>
                <ul>
                  {contributions.map((c) => (
                    <li key={c.contributionId}>
                      {c.awards === 0 ? (
                        `${c.potName} (${c.financialYear}): no awards yet`
                      ) : (
                        <Link to={`/funder/contributions/${c.contributionId}`}>
                          {c.potName} ({c.financialYear}): {c.awards === 1 ? '1 award' : `${c.awards} awards`}
                        </Link>
                      )}
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
          </section>
        )
      })}
      {view.byPlace.length > 0 ? (
        <>
          <h2>Places your money reached</h2>
          <PlaceFiguresTable caption="Your share of awards, by the place each project works in" rows={view.byPlace} />
        </>
      ) : null}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
