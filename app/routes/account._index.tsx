import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { accountSecurity } from '~/domain/identity/users.server.ts'
import { db } from '~/lib/db.server.ts'
import { requireUser } from '~/lib/guards.server.ts'
import { requires2fa, ROLE_LABELS } from '~/lib/policy.ts'

export const meta: MetaFunction = () => [{ title: 'Your account – Commonpot' }]

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context)
  const security = await accountSecurity(db, user.id)
  return json({
    name: user.name,
    email: user.email,
    roles: user.roles.map((r) => ROLE_LABELS[r]),
    twoFactorRequired: requires2fa(user.roles),
    ...security,
  })
}

const dateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' })

export default function Account() {
  const account = useLoaderData<typeof loader>()
  return (
    <>
      <h1>Your account</h1>
      <dl className="summary-list">
        <div>
          <dt>Name</dt>
          <dd>{account.name}</dd>
        </div>
        <div>
          <dt>Email address</dt>
          <dd>{account.email}</dd>
        </div>
        <div>
          <dt>Roles</dt>
          <dd>{account.roles.length ? account.roles.join(', ') : 'None yet: join or register an organisation to apply for funding'}</dd>
        </div>
        <div>
          <dt>Password</dt>
          <dd>
            {account.hasPassword ? (
              <>
                {account.passwordChangedAt ? `Last changed ${dateFormat.format(new Date(account.passwordChangedAt))}. ` : null}
                <Link to="/account/password">Change your password</Link>
              </>
            ) : (
              <>
                Not set yet. <Link to="/forgot-password">Set a password</Link>
              </>
            )}
          </dd>
        </div>
        <div>
          <dt>Two-factor authentication</dt>
          <dd>
            {account.totpEnabledAt ? (
              <>
                <strong className="tag tag--green">On</strong> since {dateFormat.format(new Date(account.totpEnabledAt))}.{' '}
                <Link to="/account/two-factor">Manage two-factor authentication</Link>
              </>
            ) : (
              <>
                <strong className="tag tag--grey">Off</strong>
                {account.twoFactorRequired ? ' Your role requires it.' : null}{' '}
                <Link to="/account/two-factor">Set up two-factor authentication</Link>
              </>
            )}
          </dd>
        </div>
      </dl>

      <h2>Your data</h2>
      <p>
        You can download a copy of everything Commonpot holds about you: your account, roles and organisations, the applications and returns you
        made, the emails we sent you, your sign-ins and the changes recorded under your name. It is a JSON file, which a spreadsheet or text
        editor can open. Your password and two-factor secret are never included.
      </p>
      <p>
        <a href="/account/data.json" download>
          Download your data (JSON)
        </a>
      </p>
      <p>To have your account erased, ask the fund’s administrator. What you did stays, without your name, so the fund’s figures still add up.</p>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
