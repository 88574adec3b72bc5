import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { PageLinks } from '~/components/page-links.tsx'
import { decisionLabel } from '~/domain/assessment/panel-labels.ts'
import { panelRankingPage, requirePanelAccess } from '~/domain/assessment/panel.server.ts'
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
  const { round, totals, pots, ringFenced } = view
  // Only what the page shows is sent (the page is rendered from it and it is embedded in the page for hydration).
  return json({
    view: {
      round: { id: round.id, title: round.title, budgetPence: round.budgetPence, decisionsReleasedAt: round.decisionsReleasedAt },
      totals,
      pots: pots.map((p) => ({ potId: p.potId, name: p.name, placeName: p.placeName, startPence: p.startPence, leftPence: p.leftPence })),
      ringFenced: ringFenced.map((c) => ({ contributionId: c.contributionId, funderName: c.funderName, conditions: c.conditions.join('. '), startPence: c.startPence, leftPence: c.leftPence })),
    },
    page: {
      ...page,
      rows: page.rows.map((r) => ({
        rank: r.rank,
        applicationId: r.applicationId,
        reference: r.reference,
        title: r.title,
        placeName: r.placeName,
        amountPence: r.amountPence,
        moderatedTotalMilli: r.moderatedTotalMilli,
        spreadMilli: r.spreadMilli,
        disagreement: r.disagreement,
        failedGateways: r.gatewayFailed ? r.failedGatewayNames.join(', ') : null,
        counted: r.counted,
        runningTotalPence: r.runningTotalPence,
        roundLeftPence: r.roundLeftPence,
        pot: r.pot ? { name: r.pot.name, leftPence: r.pot.leftPence } : null,
        ringFenced: r.ringFenced.map((c) => ({ funderName: c.funderName, leftPence: c.leftPence })),
        award: r.award ?? null,
        shortfall: r.shortfall,
        decision: r.decision ? { status: r.decision.status, amountPence: r.decision.amountPence, changed: Boolean(r.decision.overrideReason) } : null,
      })),
    },
    canRelease: user.permissions.has('manage:round:any'),
  })
}

const position = z.coerce.number().int().min(0).max(1_000_000)
const pageCursor = z.object({ after: position.optional(), before: position.optional() })

function Left({ pence }: { pence: number }) {
  return pence < 0 ? <strong>{`Over by ${formatPence(-pence)}`}</strong> : <>{formatPence(pence)}</>
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
      {round.decisionsReleasedAt ? <p className="inset">Decisions have been released to applicants and can no longer be changed.</p> : null}
      <dl className="summary-list">
        <div>
          <dt>Round budget</dt>
          <dd>{formatPence(round.budgetPence)}</dd>
        </div>
        <div>
          <dt>Running total at the foot of the list</dt>
          <dd>{formatPence(totals.countedPence)}</dd>
        </div>
        <div>
          <dt>Left in the round budget</dt>
          <dd>
            <Left pence={totals.roundLeftPence} />
          </dd>
        </div>
        <div>
          <dt>Decided</dt>
          <dd>
            {totals.decided} of {totals.bids} bids (recommended so far: {formatPence(totals.recommendedPence)})
          </dd>
        </div>
      </dl>
      <ul>
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
          <caption>
            Bids in order of moderated score{page.total > page.rows.length ? `: ${page.first} to ${page.last} of ${page.total}` : ''}
          </caption>
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
                  {/* Plain links: a row's links need no client routing, and 100 of them are rendered on every view. */}
                  <a href={`${base}/bids/${r.applicationId}`}>{r.reference}</a>
                  <br />
                  {r.title}
                </th>
                <td>{r.placeName ?? 'Not recorded'}</td>
                <td className="num">{formatPence(r.amountPence)}</td>
                <td className="num">{formatPoints(r.moderatedTotalMilli)}</td>
                <td>{r.spreadMilli === null ? 'Not scored' : r.disagreement ? <strong className="tag tag--red">{`Spread ${formatPoints(r.spreadMilli)}`}</strong> : `Spread ${formatPoints(r.spreadMilli)}`}</td>
                <td>{r.failedGateways !== null ? <span className="tag tag--red">{`Failed: ${r.failedGateways}`}</span> : 'Passed'}</td>
                <td className="num">{r.counted ? formatPence(r.runningTotalPence) : 'Not counted'}</td>
                <td>
                  {r.roundLeftPence < 0 ? (
                    <>
                      {'Round: '}
                      <strong>{`Over by ${formatPence(-r.roundLeftPence)}`}</strong>
                    </>
                  ) : (
                    `Round: ${formatPence(r.roundLeftPence)}`
                  )}
                  {r.pot ? (
                    <>
                      <br />
                      {`${r.pot.name}: ${formatPence(r.pot.leftPence)}`}
                    </>
                  ) : null}
                  {r.ringFenced.map((c, i) => (
                    <span key={i}>
                      <br />
                      {`${c.funderName} (ring-fenced): ${formatPence(c.leftPence)}`}
                    </span>
                  ))}
                  {r.award ? (
                    <>
                      <br />
                      {`Award ${r.award.reference}: ${formatPence(r.award.committedPence)} already committed`}
                    </>
                  ) : null}
                  {r.shortfall ? (
                    <>
                      <br />
                      <strong>{r.shortfall}</strong>
                    </>
                  ) : null}
                </td>
                <td>
                  {r.decision?.status === 'recommended' && r.decision.amountPence !== null ? `${decisionLabel(r.decision.status)} (${formatPence(r.decision.amountPence)})` : decisionLabel(r.decision?.status)}
                  {r.decision?.changed ? (
                    <>
                      <br />
                      Changed from the proposal
                    </>
                  ) : null}
                  {round.decisionsReleasedAt ? null : (
                    <>
                      <br />
                      <a href={`${base}/bids/${r.applicationId}/decision`}>
                        {r.decision ? 'Change' : 'Decide'}
                        <span className="visually-hidden">{` ${r.reference}`}</span>
                      </a>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <PageLinks label="Pages of the ranked list" path={base} previousBefore={page.previousBefore} nextAfter={page.nextAfter} />
      {view.pots.length > 0 ? (
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
              {view.pots.map((p) => (
                <tr key={p.potId}>
                  <th scope="row">{p.name}</th>
                  <td>{p.placeName ?? 'National'}</td>
                  <td className="num">{formatPence(p.startPence)}</td>
                  <td className="num">{formatPence(p.leftPence)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p>This round does not draw on a pot: only the round budget applies.</p>
      )}
      {view.ringFenced.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption>Ring-fenced contributions</caption>
            <thead>
              <tr>
                <th scope="col">Contributor</th>
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
              {view.ringFenced.map((c) => (
                <tr key={c.contributionId}>
                  <th scope="row">{c.funderName}</th>
                  <td>{c.conditions}</td>
                  <td className="num">{formatPence(c.startPence)}</td>
                  <td className="num">{formatPence(c.leftPence)}</td>
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
