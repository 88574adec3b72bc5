import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useParams } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { SubmitButton } from '~/components/forms.tsx'
import {
  acceptInvitation,
  findInvitation,
  InvitationExpiredError,
  InvitationForSomeoneElseError,
  InvitationUsedError,
} from '~/domain/organisations/invitations.server.ts'
import { MEMBERSHIP_ROLE_LABELS } from '~/domain/organisations/membership-roles.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { getOptionalUser, notFound, requireUser } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'

export const meta: MetaFunction = () => [{ title: 'Invitation to join an organisation – Commonpot' }]

const NO_SUCH_INVITATION = 'We could not find that invitation. Check you copied the whole link from the email.'

/**
 * GET /invitations/<token>: anyone holding the link sees which organisation invited them; someone signed in can accept,
 * someone signed out is sent to sign in or create an account and brought back here.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await getOptionalUser(request, context)
  const invitation = await findInvitation(db, params.token!)
  if (!invitation) throw notFound(NO_SUCH_INVITATION)
  return json({ invitation, signedInAs: user ? user.email : null })
}

/** POST /invitations/<token>: the signed-in person accepts (their email must be the one invited). */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request)
  try {
    const joined = await db.transaction().execute((trx) => acceptInvitation(trx, { token: params.token!, userId: user.id }))
    const message = `You have joined ${joined.organisationName}`
    return redirect(`/organisation?org=${joined.organisationId}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  } catch (e) {
    if (e instanceof NotFoundError) throw notFound(NO_SUCH_INVITATION)
    if (e instanceof InvitationForSomeoneElseError || e instanceof InvitationExpiredError || e instanceof InvitationUsedError) {
      return json({ error: e.message }, { status: e.status })
    }
    throw e
  }
}

const dateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' })

export default function Invitation() {
  const { invitation, signedInAs } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const here = `/invitations/${useParams().token}`
  return (
    <>
      <h1>Join {invitation.organisationName}</h1>
      {actionData?.error ? (
        <div className="error-summary" role="alert">
          <h2 className="error-summary__title">There is a problem</h2>
          <p>{actionData.error}</p>
        </div>
      ) : null}
      {invitation.state === 'accepted' ? (
        <p>This invitation has already been used. If you accepted it, you will find the organisation under <Link to="/organisation">Your organisation</Link>.</p>
      ) : invitation.state === 'expired' ? (
        <p>This invitation expired on {dateFormat.format(new Date(invitation.expiresAt))}. Ask your organisation admin to send you a new one.</p>
      ) : (
        <>
          <p className="lead">
            You have been invited to join {invitation.organisationName} on Commonpot as {invitation.role === 'admin' ? 'an ' : 'a '}
            {MEMBERSHIP_ROLE_LABELS[invitation.role].toLowerCase()}. The invitation expires on {dateFormat.format(new Date(invitation.expiresAt))}.
          </p>
          {signedInAs ? (
            <Form method="post">
              <p>You are signed in as {signedInAs}. The invitation can only be accepted with the email address it was sent to.</p>
              <SubmitButton>Accept invitation</SubmitButton>
            </Form>
          ) : (
            <>
              <p>To accept, sign in with the email address the invitation was sent to, or create an account with it if you do not have one yet.</p>
              <p>
                <Link to={`/login?redirectTo=${encodeURIComponent(here)}`} className="button">
                  Sign in
                </Link>
                <Link to={`/signup?redirectTo=${encodeURIComponent(here)}`} className="button button--secondary">
                  Create an account
                </Link>
              </p>
            </>
          )}
        </>
      )}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
