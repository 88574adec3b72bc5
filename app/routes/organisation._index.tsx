import { parseWithZod } from '~/lib/form-submission.ts'
import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { Fragment } from 'react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { listMembers } from '~/domain/organisations/members.server.ts'
import { MEMBERSHIP_ROLE_LABELS } from '~/domain/organisations/membership-roles.ts'
import { getOrganisationForMember, listOrganisationsForMember } from '~/domain/organisations/organisations.server.ts'
import { db } from '~/lib/db.server.ts'
import { notFound, requireUser } from '~/lib/guards.server.ts'
import { SummaryRow } from '~/components/summary-list.tsx'
import { idField } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Your organisation – Commonpot' }]

const QuerySchema = z.object({ org: idField().optional() })

/**
 * GET /organisation: the organisation the signed-in person belongs to (?org=<id> picks one when they belong to
 * several), with its members; or, for someone in no organisation, how to join or register one. An organisation the
 * person does not belong to is "not found", so its existence does not leak.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context)
  const query = parseWithZod(new URL(request.url).searchParams, { schema: QuerySchema })
  if (query.status !== 'success') throw notFound()
  const organisations = await listOrganisationsForMember(db, user.id)
  const organisationId = query.value.org ?? organisations[0]?.id
  if (organisationId === undefined) return json({ organisations, organisation: null, members: [] })
  const [organisation, members] = await Promise.all([
    getOrganisationForMember(db, user.id, organisationId),
    listMembers(db, { viewerUserId: user.id, organisationId }),
  ])
  if (!organisation) throw notFound()
  return json({ organisations, organisation, members })
}

export default function YourOrganisation() {
  const { organisations, organisation, members } = useLoaderData<typeof loader>()
  if (!organisation) return <NoOrganisation />
  const others = organisations.filter((o) => o.id !== organisation.id)
  const address = [organisation.addressLine1, organisation.addressLine2, organisation.town, organisation.postcode].filter(Boolean)
  return (
    <>
      <span className="secondary">Your organisation</span>
      <h1>{organisation.name}</h1>
      <dl className="summary-list">
        <SummaryRow label="Type of organisation">{organisation.legalTypeLabel}</SummaryRow>
        {organisation.charityNumber ? <SummaryRow label="Charity number">{organisation.charityNumber}</SummaryRow> : null}
        {organisation.companyNumber ? <SummaryRow label="Company number">{organisation.companyNumber}</SummaryRow> : null}
        <SummaryRow label="Organisation identifier">
          {organisation.orgIdentifier ?? 'None: unregistered groups are identified by their constitution and bank account'}
        </SummaryRow>
        <SummaryRow label="Address">
          {address.length ? (
            address.map((line, i) => (
              <Fragment key={i}>
                {i > 0 ? <br /> : null}
                {line}
              </Fragment>
            ))
          ) : (
            'Not given'
          )}
        </SummaryRow>
        <SummaryRow label="Main integrated care board area">{organisation.mainPlace?.name ?? 'Not given'}</SummaryRow>
        <SummaryRow label="Places served">{organisation.placesServed.map((p) => p.name).join(', ') || 'Not given'}</SummaryRow>
        <SummaryRow label="Main contact">{organisation.mainContact ? `${organisation.mainContact.name} (${organisation.mainContact.email})` : 'Not given'}</SummaryRow>
        <SummaryRow label="Your role">{MEMBERSHIP_ROLE_LABELS[organisation.yourRole]}</SummaryRow>
      </dl>

      <p>
        <Link to={`/organisation/bank-details?org=${organisation.id}`}>Bank details for grant payments</Link>
      </p>

      <h2>Members</h2>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Members of {organisation.name}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email address</th>
              <th scope="col">Role</th>
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr key={m.userId}>
                <td>{m.name}</td>
                <td>{m.email}</td>
                <td>{MEMBERSHIP_ROLE_LABELS[m.role]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {organisation.yourRole === 'admin' ? (
        <>
          <p>
            <Link to={`/organisation/members?org=${organisation.id}`}>Invite colleagues and manage members</Link>
          </p>
          <p>
            <Link to={`/organisation/priority?org=${organisation.id}`}>Tell us if your group is led by or mainly serves a priority community</Link>
          </p>
        </>
      ) : (
        <p>To invite a colleague or change someone's role, ask one of your organisation admins.</p>
      )}

      {others.length ? (
        <>
          <h2>Your other organisations</h2>
          <ul>
            {others.map((o) => (
              <li key={o.id}>
                <Link to={`/organisation?org=${o.id}`}>{o.name}</Link>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <p>
        <Link to="/organisation/new">Register another organisation</Link>
      </p>
    </>
  )
}

function NoOrganisation() {
  return (
    <>
      <h1>Your organisation</h1>
      <p className="lead">You are not part of an organisation yet. To apply for funding, you need to belong to one.</p>
      <h2>If your organisation already uses Commonpot</h2>
      <p>Ask one of its organisation admins to invite you. You will get an email with a link to accept.</p>
      <h2>If it does not</h2>
      <p>Register it now. It takes a few minutes, and you will need its charity or company number if it has one.</p>
      <p>
        <Link to="/organisation/new" className="button">
          Register your organisation
        </Link>
      </p>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
