import { getFormProps, useForm, type SubmissionResult } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SelectField, SubmitButton, TextField } from '~/components/forms.tsx'
import { EmailSchema } from '~/domain/identity/validation.ts'
import { AlreadyMemberError, inviteColleague, listPendingInvitations } from '~/domain/organisations/invitations.server.ts'
import {
  changeMemberRole,
  findAdministeredOrganisation,
  LastAdminError,
  listMembers,
  NotOrganisationAdminError,
  removeMember,
} from '~/domain/organisations/members.server.ts'
import { MEMBERSHIP_ROLE_LABELS, type MembershipRole } from '~/domain/organisations/membership-roles.ts'
import { listOrganisationsForMember } from '~/domain/organisations/organisations.server.ts'
import { db } from '~/lib/db.server.ts'
import { kickOutbox } from '~/lib/mail.server.ts'
import { appOrigin } from '~/lib/env.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { forbidden, notFound, requirePermission, type CurrentUser } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idField } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Members and invitations – Commonpot' }]

const MEMBERSHIP_ROLES = ['member', 'admin'] as const
const roleField = z.enum(MEMBERSHIP_ROLES, { errorMap: () => ({ message: 'Select a role' }) })
const userIdField = idField({ required_error: 'Choose a member' })

const InviteSchema = z.object({
  intent: z.literal('invite'),
  email: EmailSchema,
  role: roleField,
})
const ActionSchema = z.discriminatedUnion('intent', [
  InviteSchema,
  z.object({ intent: z.literal('change-role'), userId: userIdField, role: roleField }),
  z.object({ intent: z.literal('remove'), userId: userIdField }),
])
const QuerySchema = z.object({ org: idField().optional(), remove: idField().optional() })

/** The organisation the page is about: ?org=<id>, or the first (by name) the user administers. */
async function organisationFor(request: Request, user: CurrentUser) {
  const query = parseWithZod(new URL(request.url).searchParams, { schema: QuerySchema })
  if (query.status !== 'success') throw notFound()
  const administered = (await listOrganisationsForMember(db, user.id)).filter((o) => o.role === 'admin')
  const organisationId = query.value.org ?? administered[0]?.id
  if (organisationId === undefined) throw forbidden()
  try {
    const organisation = await findAdministeredOrganisation(db, user.id, organisationId)
    return { organisation, administered, removeUserId: query.value.remove }
  } catch (e) {
    throw asResponse(e)
  }
}

/** Not a member: 404 (whether the organisation exists is not told); a member but not an admin: 403. */
function asResponse(e: unknown): unknown {
  if (e instanceof NotFoundError) return notFound()
  if (e instanceof NotOrganisationAdminError) return forbidden(e.message)
  return e
}

/** GET /organisation/members: an organisation admin's page to invite colleagues and manage members and roles. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'manage:members:own', context)
  const { organisation, administered, removeUserId } = await organisationFor(request, user)
  const [members, invitations] = await Promise.all([
    listMembers(db, { viewerUserId: user.id, organisationId: organisation.id }),
    listPendingInvitations(db, { actorUserId: user.id, organisationId: organisation.id }),
  ])
  const confirmRemove = members.find((m) => m.userId === removeUserId) ?? null
  if (removeUserId !== undefined && !confirmRemove) throw notFound()
  return json({ organisation, administered, members, invitations, confirmRemove, userId: user.id })
}

/** POST /organisation/members?org=<id>: invite a colleague, change a member's role, or remove a member. */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:members:own')
  const { organisation } = await organisationFor(request, user)
  const submission = parseWithZod(await request.formData(), { schema: ActionSchema })
  if (submission.status !== 'success') {
    if (submission.payload.intent === 'invite') return json({ form: 'invite' as const, result: submission.reply() }, { status: 400 })
    return json({ form: 'members' as const, message: 'That change could not be made. Please try again from this page.' }, { status: 400 })
  }
  const input = submission.value
  const back = `/organisation/members?org=${organisation.id}`
  const done = async (message: string) => redirect(back, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  try {
    if (input.intent === 'invite') {
      const sent = await db.transaction().execute((trx) =>
        inviteColleague(trx, { organisationId: organisation.id, inviterUserId: user.id, email: input.email, role: input.role, appOrigin: appOrigin(request) }),
      )
      kickOutbox()
      return done(sent.replaced ? `A new invitation has been sent to ${input.email}. The earlier link no longer works.` : `Invitation sent to ${input.email}`)
    }
    const member = await memberName(user, organisation.id, input.userId)
    if (input.intent === 'change-role') {
      await db.transaction().execute((trx) => changeMemberRole(trx, { actorUserId: user.id, organisationId: organisation.id, memberUserId: input.userId, role: input.role }))
      return done(`${member} is now ${input.role === 'admin' ? 'an organisation admin' : 'a member'}`)
    }
    await db.transaction().execute((trx) => removeMember(trx, { actorUserId: user.id, organisationId: organisation.id, memberUserId: input.userId }))
    return done(`${member} has been removed from ${organisation.name}`)
  } catch (e) {
    if (e instanceof AlreadyMemberError) return json({ form: 'invite' as const, result: submission.reply({ fieldErrors: { email: [e.message] } }) }, { status: e.status })
    if (e instanceof LastAdminError) return json({ form: 'members' as const, message: e.message }, { status: e.status })
    throw asResponse(e)
  }
}

async function memberName(user: CurrentUser, organisationId: number, memberUserId: number): Promise<string> {
  const member = (await listMembers(db, { viewerUserId: user.id, organisationId })).find((m) => m.userId === memberUserId)
  if (!member) throw notFound('That person is not a member of this organisation.')
  return member.name
}

const dateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' })

export default function Members() {
  const { organisation, administered, members, invitations, confirmRemove, userId } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const formAction = `/organisation/members?org=${organisation.id}`
  return (
    <>
      <span className="secondary">{organisation.name}</span>
      <h1>Members and invitations</h1>
      {actionData?.form === 'members' ? (
        <div className="error-summary" role="alert">
          <h2 className="error-summary__title">There is a problem</h2>
          <p>{actionData.message}</p>
        </div>
      ) : null}
      {confirmRemove ? (
        <div className="panel">
          <h2>Remove {confirmRemove.name}?</h2>
          <p>
            {confirmRemove.name} ({confirmRemove.email}) will no longer be able to see or work on {organisation.name}&apos;s applications, offers and
            reports. You can invite them again later.
          </p>
          <Form method="post" action={formAction}>
            <input type="hidden" name="intent" value="remove" />
            <input type="hidden" name="userId" value={confirmRemove.userId} />
            <button type="submit" className="button button--warning">
              Remove {confirmRemove.name}
            </button>
            <Link to={formAction}>Cancel</Link>
          </Form>
        </div>
      ) : null}

      <div className="table-wrap">
        <table>
          <caption>Members of {organisation.name}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email address</th>
              <th scope="col">Role</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr key={m.userId}>
                <td>
                  {m.name}
                  {m.userId === userId ? ' (you)' : ''}
                </td>
                <td>{m.email}</td>
                <td>{MEMBERSHIP_ROLE_LABELS[m.role]}</td>
                <td>
                  <RoleChangeForm action={formAction} userId={m.userId} name={m.name} current={m.role} />
                  <Link to={`${formAction}&remove=${m.userId}`}>
                    Remove<span className="visually-hidden"> {m.name}</span>
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>Pending invitations</h2>
      {invitations.length === 0 ? (
        <p>There are no invitations waiting to be accepted.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Invitations waiting to be accepted</caption>
            <thead>
              <tr>
                <th scope="col">Email address</th>
                <th scope="col">Role</th>
                <th scope="col">Invited by</th>
                <th scope="col">Expires</th>
              </tr>
            </thead>
            <tbody>
              {invitations.map((i) => (
                <tr key={i.id}>
                  <td>{i.email}</td>
                  <td>{MEMBERSHIP_ROLE_LABELS[i.role]}</td>
                  <td>{i.invitedBy}</td>
                  <td>{dateFormat.format(new Date(i.expiresAt))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <InviteForm action={formAction} lastResult={actionData?.form === 'invite' ? actionData.result : undefined} />

      {administered.length > 1 ? (
        <>
          <h2>Other organisations you manage</h2>
          <ul>
            {administered
              .filter((o) => o.id !== organisation.id)
              .map((o) => (
                <li key={o.id}>
                  <Link to={`/organisation/members?org=${o.id}`}>{o.name}</Link>
                </li>
              ))}
          </ul>
        </>
      ) : null}
    </>
  )
}

function RoleChangeForm({ action, userId, name, current }: { action: string; userId: number; name: string; current: MembershipRole }) {
  const next: MembershipRole = current === 'admin' ? 'member' : 'admin'
  return (
    <Form method="post" action={action}>
      <input type="hidden" name="intent" value="change-role" />
      <input type="hidden" name="userId" value={userId} />
      <input type="hidden" name="role" value={next} />
      <button type="submit" className="button button--secondary">
        {next === 'admin' ? 'Make organisation admin' : 'Make member'}
        <span className="visually-hidden"> ({name})</span>
      </button>
    </Form>
  )
}

function InviteForm({ action, lastResult }: { action: string; lastResult: SubmissionResult<string[]> | undefined }) {
  const [form, fields] = useForm({
    id: 'invite-colleague',
    lastResult,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: InviteSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
  })
  return (
    <section aria-labelledby="invite-heading">
      <h2 id="invite-heading">Invite a colleague</h2>
      <p>They will get an email with a link to join. The link works for 7 days.</p>
      <ErrorSummary form={form} fields={{ email: fields.email, role: fields.role }} labels={{ email: 'Email address', role: 'Role' }} />
      <Form method="post" action={action} {...getFormProps(form)}>
        <input type="hidden" name="intent" value="invite" />
        <TextField field={fields.email} label="Email address" type="email" autoComplete="off" spellCheck={false} />
        <SelectField field={fields.role} label="Role" hint="Organisation admins can also invite and remove members." defaultValue="member">
          {MEMBERSHIP_ROLES.map((r) => (
            <option key={r} value={r}>
              {MEMBERSHIP_ROLE_LABELS[r]}
            </option>
          ))}
        </SelectField>
        <SubmitButton>Send invitation</SubmitButton>
      </Form>
    </section>
  )
}


export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
