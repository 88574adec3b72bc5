import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { SubmitButton } from '~/components/forms.tsx'
import { signOut } from '~/domain/identity/sessions.server.ts'
import { db } from '~/lib/db.server.ts'
import { getOptionalUser } from '~/lib/guards.server.ts'
import { destroySessionCookie, readSessionToken, setFlash } from '~/lib/session.server.ts'

export const meta: MetaFunction = () => [{ title: 'Sign out – Commonpot' }]

/** GET /logout: a page with a sign-out button (signing out changes state, so it is never done by a GET). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  if (!(await getOptionalUser(request, context))) throw redirect('/')
  return null
}

/** POST /logout: revokes the session in the database as well as clearing the cookie. */
export async function action({ request }: ActionFunctionArgs) {
  const token = await readSessionToken(request)
  if (token) await db.transaction().execute((trx) => signOut(trx, { token }))
  const headers = new Headers()
  headers.append('Set-Cookie', await destroySessionCookie())
  headers.append('Set-Cookie', await setFlash(request, { kind: 'success', message: 'You have signed out' }))
  return redirect('/', { headers })
}

export default function Logout() {
  return (
    <>
      <h1>Sign out</h1>
      <p>You will need your email address and password to sign in again.</p>
      <Form method="post">
        <SubmitButton>Sign out</SubmitButton>
      </Form>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
