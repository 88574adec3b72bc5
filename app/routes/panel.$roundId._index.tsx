import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { PanelBudgetSummary } from '~/components/panel-budget-summary.tsx'
import { SummaryRow } from '~/components/summary-list.tsx'
import { PageLinks } from '~/components/page-links.tsx'
import { PlainLink } from '~/components/plain-link.tsx'
import { decisionLabel, moneyLeftLabel } from '~/domain/assessment/panel-labels.ts'
import { panelRankingPage, requirePanelAccess, type PanelRow } from '~/domain/assessment/panel.server.ts'
import { formatPoints } from '~/domain/assessment/scoring.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { forbidden, notFound, requirePermission } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.view.round.title ?? 'Panel'} – Panels – Commonpot` }]

function roundIdOf(param: string | undefined): number {
  return idParam(param)
}

/** GET /panel/<roundId>: the ranked list with decisions and the money left below each bid. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'decide:application:any', context)
  const roundId = roundIdOf(params.roundId)
  const facts = await requirePanelAccess(db, user, roundId).catch((e: unknown) => {
    if (e instanceof NotFoundError) throw notFound()
    if (e instanceof DomainError && e.status === 403) throw forbidden(e.message)
    throw e
  })
  const cursor = pageCursor.safeParse(Object.fromEntries(new URL(request.url).searchParams))
  if (!cursor.success) throw new Response('That page of the ranked list does not exist', { status: 400 })
  const { page, ...view } = await panelRankingPage(db, roundId, cursor.data, undefined, facts)
  const { round, totals } = view
  // Only what the page shows, as the text it shows (the page is rendered from it and it is embedded in the page for
  // hydration); a bare object, so single fetch serialises it once.
  return {
    view: {
      round: { id: round.id, title: round.title, budget: formatPence(round.budgetPence), decisionsReleased: round.decisionsReleasedAt !== null },
      totals: { counted: formatPence(totals.countedPence), roundLeft: moneyLeftLabel(totals.roundLeftPence), decided: totals.decided, bids: totals.bids, recommended: formatPence(totals.recommendedPence) },
    },
    page: { first: page.first, last: page.last, total: page.total, previousBefore: page.previousBefore, nextAfter: page.nextAfter, rows: page.rows.map(shownRow) },
    canRelease: user.permissions.has('manage:round:any'),
  }
}

const position = z.coerce.number().int().min(0).max(1_000_000)
const pageCursor = z.object({ after: position.optional(), before: position.optional() })


/** A row as the page shows it: each cell's text, worked out here once. */
function shownRow(r: PanelRow) {
  const spread = r.spreadMilli === null ? null : `Spread ${formatPoints(r.spreadMilli)}`
  return {
    rank: r.rank,
    applicationId: r.applicationId,
    reference: r.reference,
    title: r.title,
    place: r.placeName ?? 'Not recorded',
    amount: formatPence(r.amountPence),
    score: formatPoints(r.moderatedTotalMilli),
    spread: spread ?? 'Not scored',
    disagreement: spread !== null && r.disagreement,
    failedGateways: r.gatewayFailed ? `Failed: ${r.failedGatewayNames.join(', ')}` : null,
    running: r.counted ? formatPence(r.runningTotalPence) : 'Not counted',
    roundLeft: moneyLeftLabel(r.roundLeftPence),
    /** The lines below the round's, each a label and an amount (labels repeat from row to row, so are sent once): the pot's, each ring-fenced contribution's. */
    moneyLines: [...(r.pot ? [[r.pot.name, formatPence(r.pot.leftPence)]] : []), ...r.ringFenced.map((c) => [`${c.funderName} (ring-fenced)`, formatPence(c.leftPence)])],
    award: r.award ? `Award ${r.award.reference}: ${formatPence(r.award.committedPence)} already committed` : null,
    shortfall: r.shortfall,
    decision: r.decision?.status === 'recommended' && r.decision.amountPence !== null ? `${decisionLabel(r.decision.status)} (${formatPence(r.decision.amountPence)})` : decisionLabel(r.decision?.status),
    decided: r.decision !== null,
    changed: Boolean(r.decision?.overrideReason),
  }
}

/**
 * The lines of a row's money left below the round's (its pot's, each ring-fenced contribution's, its award's) as one
 * text, a line each: the cell keeps the line breaks (white-space: pre-line), so 25 rows of four or five lines are not
 * a hundred more elements to render.
 */
function moneyLinesText(r: { moneyLines: string[][]; award: string | null }): string {
  return r.moneyLines.map(([label, amount]) => `\n${label}: ${amount}`).join('') + (r.award ? `\n${r.award}` : '')
}

export default function PanelRankedList() {
  const { view, page, canRelease } = useLoaderData<typeof loader>()
  const { round, totals } = view
  const base = `/panel/${round.id}`
  return (
    <>
      <p className="secondary">
        <Link to="/panel">Panels</Link>
      </p>
      <h1>{round.title}: ranked bids</h1>
      {round.decisionsReleased ? <p className="inset">Decisions have been released to applicants and can no longer be changed.</p> : null}
      <PanelBudgetSummary budget={round.budget} counted={totals.counted} roundLeft={totals.roundLeft}>
        <SummaryRow label="Decided">{`${totals.decided} of ${totals.bids} bids (recommended so far: ${totals.recommended})`}</SummaryRow>
      </PanelBudgetSummary>
      <ul>
        <li>
          <Link to={`${base}/money`}>Money left in each pot and ring-fenced contribution</Link>
        </li>
        <li>
          <Link to={`${base}/optimiser`}>Propose the best set of bids (optimiser)</Link>
        </li>
        <li>
          <a href={`${base}/pack.pdf`}>Download the panel pack (PDF)</a>
        </li>
        <li>
          <Link to={`${base}/minutes`}>Attendees and minutes</Link>
        </li>
        {canRelease ? (
          <li>
            <Link to={`${base}/release`}>Release decisions to applicants</Link>
          </li>
        ) : null}
      </ul>
      <p className="hint">
        The running total counts each bid recommended (at its recommended amount) or not yet decided and through every gateway (at the amount requested), walking down the list. Reserve,
        declined and gateway-failed bids do not count.
      </p>
      <div className="table-wrap">
        <table>
          <caption>{page.total > page.rows.length ? `Bids in order of moderated score: ${page.first} to ${page.last} of ${page.total}` : 'Bids in order of moderated score'}</caption>
          <thead>
            <tr>
              <th scope="col">Rank</th>
              <th scope="col">Bid</th>
              <th scope="col">Place</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col" className="num">
                Score (0-100)
              </th>
              <th scope="col">Assessors agree?</th>
              <th scope="col">Gateway</th>
              <th scope="col" className="num">
                Running total
              </th>
              <th scope="col">Money left</th>
              <th scope="col">Decision</th>
            </tr>
          </thead>
          <tbody>
            {page.rows.map((r) => (
              <tr key={r.applicationId}>
                <td>{r.rank}</td>
                <th scope="row">
                  <PlainLink to={`${base}/bids/${r.applicationId}`}>{r.reference}</PlainLink>
                  <br />
                  {r.title}
                </th>
                <td>{r.place}</td>
                <td className="num">{r.amount}</td>
                <td className="num">{r.score}</td>
                <td>{r.disagreement ? <strong className="tag tag--red">{r.spread}</strong> : r.spread}</td>
                <td>{r.failedGateways !== null ? <span className="tag tag--red">{r.failedGateways}</span> : 'Passed'}</td>
                <td className="num">{r.running}</td>
                <td className="lines">
                  {r.roundLeft.over ? (
                    <>
                      {'Round: '}
                      <strong>{r.roundLeft.text}</strong>
                    </>
                  ) : (
                    `Round: ${r.roundLeft.text}`
                  )}
                  {moneyLinesText(r)}
                  {r.shortfall ? (
                    <>
                      {'\n'}
                      <strong>{r.shortfall}</strong>
                    </>
                  ) : null}
                </td>
                <td>
                  {r.decision}
                  {r.changed ? (
                    <>
                      <br />
                      Changed from the proposal
                    </>
                  ) : null}
                  {round.decisionsReleased ? null : (
                    <>
                      <br />
                      <PlainLink to={`${base}/bids/${r.applicationId}/decision`}>
                        {r.decided ? 'Change' : 'Decide'}
                        <span className="visually-hidden">{` ${r.reference}`}</span>
                      </PlainLink>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <PageLinks label="Pages of the ranked list" path={base} previousBefore={page.previousBefore} nextAfter={page.nextAfter} />
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
