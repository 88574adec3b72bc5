import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { PanelBudgetSummary } from '~/components/panel-budget-summary.tsx'
import { moneyLeftLabel } from '~/domain/assessment/panel-labels.ts'
import { panelMoney, requirePanelAccess } from '~/domain/assessment/panel.server.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { forbidden, notFound, requirePermission } from '~/lib/guards.server.ts'
import { idParam } from '~/lib/ids.ts'
import { formatPence } from '~/lib/money.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Money left – ${data?.round.title ?? 'Panel'} – Panels – Commonpot` }]

/**
 * GET /panel/<roundId>/money: the money at the foot of the ranked list: the round budget, and each pot the round draws
 * on and each ring-fenced contribution in them, with what it has now and what it would have left if every bid counted
 * in the running total were funded. The same walk as the ranked list (each of its rows shows the balances after it).
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'decide:application:any', context)
  const facts = await requirePanelAccess(db, user, idParam(params.roundId)).catch((e: unknown) => {
    if (e instanceof NotFoundError) throw notFound()
    if (e instanceof DomainError && e.status === 403) throw forbidden(e.message)
    throw e
  })
  const { round, totals, pots, ringFenced } = await panelMoney(db, facts.id, facts)
  const potNames = new Map(pots.map((p) => [p.potId, p.name]))
  return {
    round: { id: round.id, title: round.title, budget: formatPence(round.budgetPence) },
    totals: { counted: formatPence(totals.countedPence), roundLeft: moneyLeftLabel(totals.roundLeftPence) },
    pots: pots.map((p) => ({ potId: p.potId, name: p.name, placeName: p.placeName ?? 'National', start: formatPence(p.startPence), left: formatPence(p.leftPence) })),
    ringFenced: ringFenced.map((c) => ({
      contributionId: c.contributionId,
      funderName: c.funderName,
      potName: potNames.get(c.potId) ?? '',
      conditions: c.conditions.join('. '),
      start: formatPence(c.startPence),
      left: formatPence(c.leftPence),
    })),
  }
}

export default function PanelMoney() {
  const { round, totals, pots, ringFenced } = useLoaderData<typeof loader>()
  return (
    <>
      <p className="secondary">
        <Link to={`/panel/${round.id}`}>Back to the ranked bids for {round.title}</Link>
      </p>
      <h1>{round.title}: money left</h1>
      <PanelBudgetSummary budget={round.budget} counted={totals.counted} roundLeft={totals.roundLeft} />
      <p className="hint">
        Available now is what a pot or contribution can commit today. Left after the list is what it would have left if every bid counted in the running total were funded, walking down
        the ranked list: bids recommended (at the recommended amount), and bids not yet decided that passed every gateway (at the amount requested).
      </p>
      {pots.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption>Pots this round draws on</caption>
            <thead>
              <tr>
                <th scope="col">Pot</th>
                <th scope="col">Place</th>
                <th scope="col" className="num">
                  Available now
                </th>
                <th scope="col" className="num">
                  Left after the list
                </th>
              </tr>
            </thead>
            <tbody>
              {pots.map((p) => (
                <tr key={p.potId}>
                  <th scope="row">{p.name}</th>
                  <td>{p.placeName}</td>
                  <td className="num">{p.start}</td>
                  <td className="num">{p.left}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p>This round does not draw on a pot: only the round budget applies.</p>
      )}
      {ringFenced.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption>Ring-fenced contributions</caption>
            <thead>
              <tr>
                <th scope="col">Contributor</th>
                <th scope="col">Pot</th>
                <th scope="col">Conditions</th>
                <th scope="col" className="num">
                  Available now
                </th>
                <th scope="col" className="num">
                  Left after the list
                </th>
              </tr>
            </thead>
            <tbody>
              {ringFenced.map((c) => (
                <tr key={c.contributionId}>
                  <th scope="row">{c.funderName}</th>
                  <td>{c.potName}</td>
                  <td>{c.conditions}</td>
                  <td className="num">{c.start}</td>
                  <td className="num">{c.left}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
