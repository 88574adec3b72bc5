import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { AwardsTable, FiguresSummary } from '~/components/pot-figures.tsx'
import { funderView } from '~/domain/budgets/reports.server.ts'
import { db } from '~/lib/db.server.ts'
import { requirePermission } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'

export const meta: MetaFunction = () => [{ title: 'What did our money do? – Commonpot' }]

/** GET /funder: a funder viewer's own contributions across pots, and what they funded (read:report:funder). */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:report:funder')
  return json(await funderView(db, user.funderIds))
}

export default function FunderView() {
  const view = useLoaderData<typeof loader>()
  return (
    <>
      <h1>What did our money do?</h1>
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
              <div className="table-wrap">
                <table>
                  <caption>{f.funderName}: contributions by pot</caption>
                  <thead>
                    <tr>
                      <th scope="col">Pot</th>
                      <th scope="col">Place</th>
                      <th scope="col">Year</th>
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
                      <th scope="col">Statement</th>
                    </tr>
                  </thead>
                  <tbody>
                    {contributions.map((c) => (
                      <tr key={c.contributionId}>
                        <th scope="row">{c.potName}</th>
                        <td>{c.placeName ?? 'National'}</td>
                        <td>{c.financialYear}</td>
                        <td className="num">{formatPence(c.figures.pledgedPence)}</td>
                        <td className="num">{formatPence(c.figures.receivedPence)}</td>
                        <td className="num">{formatPence(c.figures.committedPence)}</td>
                        <td className="num">{formatPence(c.figures.paidPence)}</td>
                        <td>
                          <a href={`/pots/${c.potId}/contributions/${c.contributionId}/statement.pdf`} download>
                            Statement (PDF)<span className="visually-hidden"> for {c.potName}</span>
                          </a>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {contributions.map((c) => (
              <section key={c.contributionId} aria-labelledby={`awards-${c.contributionId}`}>
                <h3 id={`awards-${c.contributionId}`}>Awards funded from {c.potName}</h3>
                <p className="secondary">Amounts are {f.funderName}&rsquo;s share of each award.</p>
                <AwardsTable awards={c.awards} />
              </section>
            ))}
          </section>
        )
      })}
      {view.byPlace.length > 0 ? (
        <>
          <h2>Places your money reached</h2>
          <div className="table-wrap">
            <table>
              <caption>Your share of awards, by the place each project works in</caption>
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
                {view.byPlace.map((p) => (
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
        </>
      ) : null}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
