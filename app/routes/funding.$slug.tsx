import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { fcfsState, fcfsStatusMessage } from '~/domain/applications/allocation.server.ts'
import { listCriteria, publicCriteria } from '~/domain/assessment/criteria.server.ts'
import { describeAllocation, describeAmounts, describeEligibility } from '~/domain/funds/round-rules.ts'
import { getRoundBySlug, phaseOf } from '~/domain/funds/rounds.server.ts'
import { describeDeadline, describeOpening, formatDeadline } from '~/lib/dates.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { getOptionalUser, notFound } from '~/lib/guards.server.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.round.title ?? 'Funding round'} – Open funding – Commonpot` }]

/** GET /funding/<slug>: a published round's public page (no sign-in). Drafts are 404. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await getOptionalUser(request, context)
  const round = await getRoundBySlug(db, params.slug ?? '').catch((e: unknown) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
  if (round.status === 'draft' || !round.opensAt || !round.closesAt) throw notFound()
  const now = new Date()
  const phase = phaseOf(round, now)
  // First come, first served: how many grants are left, and a plain statement when they have run out.
  const fcfs = round.allocationMethod === 'fcfs' ? await fcfsState(db, round.id) : null
  return json({
    grants: fcfs ? { allocated: fcfs.allocated, total: fcfs.grantCount, remaining: fcfs.remaining, message: fcfsStatusMessage(fcfs) } : null,
    round: {
      title: round.title,
      slug: round.slug,
      summary: round.summary,
      guidanceParagraphs: round.guidance.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean),
      fundName: round.fund.name,
      funders: round.funders,
      stages: round.stages,
    },
    phase,
    opens: formatDeadline(round.opensAt),
    closes: formatDeadline(round.closesAt),
    when: phase === 'upcoming' ? describeOpening(round.opensAt, now) : describeDeadline(round.closesAt, now),
    amounts: describeAmounts({ min_grant_pence: round.minGrantPence, max_grant_pence: round.maxGrantPence, allocation_method: round.allocationMethod }, round.rules),
    eligibility: describeEligibility(round.rules, round.places.map((p) => p.name)),
    allocation: describeAllocation({ allocation_method: round.allocationMethod }, round.rules),
    criteria: publicCriteria(await listCriteria(db, round.id)),
  })
}

export default function FundingRound() {
  const { round, phase, opens, closes, when, amounts, eligibility, allocation, criteria, grants } = useLoaderData<typeof loader>()
  return (
    <>
      <p className="secondary">
        <Link to="/funding">Open funding</Link> · {round.fundName}
      </p>
      <h1>{round.title}</h1>
      <p className="lead">{round.summary}</p>
      <p>
        <strong className={`tag${phase === 'open' ? ' tag--green' : phase === 'closed' ? ' tag--grey' : ''}`}>
          {phase === 'open' ? 'Open for applications' : phase === 'upcoming' ? 'Not open yet' : 'Closed'}
        </strong>{' '}
        This round {when}.
      </p>
      {phase === 'open' ? (
        <p>
          <Link to={`/apply/${round.slug}/eligibility`} className="button">
            Check if you can apply
          </Link>
        </p>
      ) : null}
      {phase === 'closed' ? <p>This round is closed and no longer takes applications.</p> : null}
      {grants ? (
        <div className="inset" role="status">
          <p>
            {grants.allocated} of {grants.total} grants allocated; {grants.remaining} left.
          </p>
          {grants.message ? <p>{grants.message}.</p> : null}
        </div>
      ) : null}

      <h2>Key dates</h2>
      <dl className="summary-list">
        <div>
          <dt>Opens</dt>
          <dd>{opens}</dd>
        </div>
        <div>
          <dt>Closes</dt>
          <dd>{closes}</dd>
        </div>
        <div>
          <dt>Stages</dt>
          <dd>{round.stages === 'two_stage' ? 'An expression of interest first; invited groups then complete a full application' : 'One application form'}</dd>
        </div>
      </dl>

      <h2>How much you can apply for</h2>
      <p>{amounts ?? 'The amounts have not been set yet.'}</p>
      {allocation.map((line) => (
        <p key={line}>{line}</p>
      ))}

      <h2>Who can apply</h2>
      <ul>
        {eligibility.map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>

      {round.guidanceParagraphs.length > 0 ? (
        <>
          <h2>Guidance</h2>
          {round.guidanceParagraphs.map((p, i) => (
            <p key={i}>
              {p.split('\n').map((line, j) => (
                <span key={j}>
                  {j > 0 ? <br /> : null}
                  {line}
                </span>
              ))}
            </p>
          ))}
        </>
      ) : null}

      {criteria.length > 0 ? (
        <>
          <h2>How bids are scored</h2>
          <p>Assessors score each bid against these criteria. Each counts towards the total by its share of the score.</p>
          <ul>
            {criteria.map((c) => (
              <li key={c.name}>
                <strong>
                  {c.name} — {c.isGateway ? 'must pass' : `${c.sharePercent}% of the score`}
                </strong>
                {c.isGateway ? <p className="secondary">A bid that does not pass this is not funded, whatever its score.</p> : null}
                {c.guidance ? <p className="secondary">{c.guidance}</p> : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}

      <p className="secondary">Funded by {round.funders.join(', ')}.</p>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
