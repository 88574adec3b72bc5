import { type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { PlainLink } from '~/components/plain-link.tsx'
import {
  adminOverview,
  applicantOverview,
  assessorOverview,
  financeOverview,
  fundManagerOverview,
  funderOverview,
} from '~/domain/overview/home.server.ts'
import { ukToday } from '~/domain/places/places.server.ts'
import { statusLabel } from '~/domain/applications/status-labels.ts'
import { db } from '~/lib/db.server.ts'
import { requireUser } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'
import { ROLE_LABELS } from '~/lib/policy.ts'

export const meta: MetaFunction = () => [{ title: 'Home – Commonpot' }]

/** GET /home: one page per person, with a panel for each of their roles. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context)
  const has = (p: Parameters<typeof user.permissions.has>[0]) => user.permissions.has(p)
  const [applicant, assessor, manager, finance, funder, admin] = await Promise.all([
    has('read:application:own') || user.roles.length === 0 ? applicantOverview(db, user) : null,
    has('score:application:assigned') ? assessorOverview(db, user.id) : null,
    has('manage:round:any') ? fundManagerOverview(db, ukToday()) : null,
    has('prepare:payment-run:any') ? financeOverview(db, ukToday()) : null,
    has('read:report:funder') ? funderOverview(db, user.funderIds) : null,
    has('manage:user:any') ? adminOverview(db) : null,
  ])
  // A bare object: single fetch serialises it once (json() would have it written, read and parsed first).
  return {
    name: user.name,
    roles: user.roles.map((r) => ROLE_LABELS[r]),
    isChair: user.roles.includes('panel_chair'),
    canManageMembers: user.adminOrganisationIds.length > 0,
    applicant,
    assessor,
    manager,
    finance,
    funder,
    admin,
  }
}

export default function Home() {
  const d = useLoaderData<typeof loader>()
  return (
    <>
      <h1>Welcome, {d.name}</h1>
      <p className="secondary">{d.roles.length ? `You are signed in as: ${d.roles.join(', ')}.` : 'You are signed in.'}</p>

      {d.applicant ? (
        <section aria-labelledby="applicant-heading">
          <h2 id="applicant-heading">Your organisation</h2>
          {d.applicant.organisations.length === 0 ? (
            <p>
              You are not part of an organisation yet. <Link to="/organisation">Register your organisation</Link>, or ask
              your organisation's admin to invite you.
            </p>
          ) : (
            <ul>
              {d.applicant.organisations.map((o) => (
                <li key={o.id}>
                  <PlainLink to="/organisation">{o.name}</PlainLink>
                  {`${o.placeName ? ` – ${o.placeName}` : ''}${o.role === 'admin' ? ' (you are an admin)' : ''}`}
                </li>
              ))}
            </ul>
          )}
          {d.canManageMembers ? (
            <p>
              <Link to="/organisation/members">Invite colleagues and manage members</Link>
            </p>
          ) : null}
          <h2>Your applications</h2>
          {d.applicant.applications.length === 0 ? (
            <p>
              You have not started an application yet. <Link to="/funding">See open funding</Link>.
            </p>
          ) : (
            <ul>
              {d.applicant.applications.map((a) => (
                <li key={a.id}>
                  <PlainLink to={`/applications/${a.id}`}>{`${a.reference}: ${a.title}`}</PlainLink>
                  {` (${a.roundTitle}) – ${statusLabel(a.status)}`}
                </li>
              ))}
            </ul>
          )}
          {d.applicant.applications.length > 0 ? (
            <p>
              <Link to="/applications">See all your applications and what has happened to them</Link>
            </p>
          ) : null}
        </section>
      ) : null}

      {d.assessor ? (
        <section aria-labelledby="assessor-heading">
          <h2 id="assessor-heading">{d.isChair ? 'Your panel work' : 'Your assessments'}</h2>
          <dl className="summary-list">
            <div>
              <dt>Bids to score</dt>
              <dd>{d.assessor.toScore}</dd>
            </div>
            <div>
              <dt>Scores submitted</dt>
              <dd>{d.assessor.submitted}</dd>
            </div>
            <div>
              <dt>Conflicts declared</dt>
              <dd>{d.assessor.conflicts}</dd>
            </div>
          </dl>
          <p>
            <Link to="/assess">Go to your bids to assess</Link>
          </p>
          {d.isChair ? (
            <p>
              <Link to="/panel">Go to your panels: rankings, moderation and decisions</Link>
            </p>
          ) : null}
        </section>
      ) : null}

      {d.manager ? (
        <section aria-labelledby="manager-heading">
          <h2 id="manager-heading">Funds you manage</h2>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Funds</caption>
              <thead>
                <tr>
                  <th scope="col">Fund</th>
                  <th scope="col" className="num">
                    Funders
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.manager.funds.map((f) => (
                  <tr key={f.id}>
                    <td>{f.name}</td>
                    <td className="num">{f.funders}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p>
            Rounds: {d.manager.roundsByStatus.published ?? 0} published, {d.manager.roundsByStatus.draft ?? 0} in draft.
            Pooled pots: {d.manager.pots}.
          </p>
          <p>
            Impact returns: <Link to="/manage/returns">{d.manager.returnsAwaitingReview} waiting for review</Link>
            {d.manager.returnsOverdue > 0 ? (
              <>
                , <Link to="/manage/returns?view=overdue" className="tag tag--red">{d.manager.returnsOverdue} overdue</Link>
              </>
            ) : null}
            .
          </p>
        </section>
      ) : null}

      {d.finance ? (
        <section aria-labelledby="finance-heading">
          <h2 id="finance-heading">Finance</h2>
          <dl className="summary-list">
            <div>
              <dt>Payments due</dt>
              <dd>
                {d.finance.tranchesDue} ({formatPence(d.finance.tranchesDuePence)})
              </dd>
            </div>
            <div>
              <dt>Bank details to verify</dt>
              <dd>{d.finance.bankDetailsToVerify}</dd>
            </div>
            <div>
              <dt>Ledger accounts</dt>
              <dd>{d.finance.ledgerAccounts}</dd>
            </div>
          </dl>
        </section>
      ) : null}

      {d.funder ? (
        <section aria-labelledby="funder-heading">
          <h2 id="funder-heading">Your money</h2>
          {d.funder.funders.map((f) => (
            <div key={f.id}>
              <h3>{f.name}</h3>
              {f.contributions.length === 0 ? (
                <p>{f.name} has not pledged to a pooled pot yet.</p>
              ) : (
                <ul>
                  {f.contributions.map((c) => (
                    <li key={c.id}>
                      {c.potName}: {formatPence(c.pledgedPence)} pledged
                    </li>
                  ))}
                </ul>
              )}
            </div>
          ))}
        </section>
      ) : null}

      {d.admin ? (
        <section aria-labelledby="admin-heading">
          <h2 id="admin-heading">Administration</h2>
          <dl className="summary-list">
            <div>
              <dt>People with accounts</dt>
              <dd>{d.admin.users}</dd>
            </div>
            <div>
              <dt>Emails waiting to send</dt>
              <dd>{d.admin.messagesPending}</dd>
            </div>
            <div>
              <dt>Emails that failed</dt>
              <dd>{d.admin.messagesFailed}</dd>
            </div>
          </dl>
          <p>
            <Link to="/admin">Go to administration</Link>
          </p>
        </section>
      ) : null}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
