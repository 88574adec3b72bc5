import { getFormProps, useForm, type SubmissionResult } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SelectField, SubmitButton } from '~/components/forms.tsx'
import {
  DuplicateRoleGrantError,
  getUserAccess,
  grantRole,
  listFunderChoices,
  revokeRole,
  RoleGrantError,
  SelfAdminRevokeError,
} from '~/domain/identity/roles.server.ts'
import { MEMBERSHIP_ROLE_LABELS } from '~/domain/organisations/membership-roles.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { GRANTABLE_ROLES, ROLE_LABELS } from '~/lib/policy.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idField, idParam } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'User – Commonpot' }]

const GrantSchema = z.object({
  intent: z.literal('grant'),
  role: z.enum(GRANTABLE_ROLES, { errorMap: () => ({ message: 'Select a role' }) }),
  funderId: idField({ invalid_type_error: 'Select a funder from the list' }).optional(),
})
const ActionSchema = z.discriminatedUnion('intent', [GrantSchema, z.object({ intent: z.literal('revoke'), grantId: idField() })])

function userIdFrom(params: { userId?: string }): number {
  return idParam(params.userId)
}

/** GET /admin/users/<id>: a person's details, role grants and organisation memberships. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const admin = await requirePermission(request, 'manage:user:any', context)
  const access = await getUserAccess(db, userIdFrom(params))
  if (!access) throw notFound('We could not find that user.')
  return json({
    ...access,
    funders: await listFunderChoices(db),
    isYou: access.user.id === admin.id,
    canManagePersonalData: admin.permissions.has('manage:personal-data:any'),
  })
}

/** POST /admin/users/<id>: grant a role (intent=grant) or remove one (intent=revoke). */
export async function action({ request, params }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'manage:user:any')
  const userId = userIdFrom(params)
  const submission = parseWithZod(await request.formData(), { schema: ActionSchema })
  if (submission.status !== 'success') {
    if (submission.payload.intent === 'grant') return json({ form: 'grant' as const, result: submission.reply() }, { status: 400 })
    return json({ form: 'roles' as const, message: 'That role could not be removed. Please try again from this page.' }, { status: 400 })
  }
  const input = submission.value
  const back = async (message: string) => redirect(`/admin/users/${userId}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  try {
    if (input.intent === 'grant') {
      await db.transaction().execute((trx) => grantRole(trx, { actorUserId: admin.id, userId, role: input.role, funderId: input.funderId ?? null }))
      return back(`${ROLE_LABELS[input.role]} role granted`)
    }
    await db.transaction().execute((trx) => revokeRole(trx, { actorUserId: admin.id, userId, grantId: input.grantId }))
    return back('Role removed')
  } catch (e) {
    if (e instanceof RoleGrantError || e instanceof DuplicateRoleGrantError) {
      return json({ form: 'grant' as const, result: submission.reply({ fieldErrors: { [e.field!]: [e.message] } }) }, { status: e.status })
    }
    if (e instanceof SelfAdminRevokeError) return json({ form: 'roles' as const, message: e.message }, { status: e.status })
    if (e instanceof NotFoundError) throw notFound(e.message)
    throw e
  }
}

const dateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' })

export default function UserPage() {
  const { user, grants, memberships, funders, isYou, canManagePersonalData } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  return (
    <>
      <p>
        <Link to="/admin/users">Back to users</Link>
      </p>
      <h1>{user.anonymised ? 'Anonymised user' : user.name}</h1>
      <dl className="summary-list">
        <div>
          <dt>Email address</dt>
          <dd>{user.anonymised ? 'Removed' : user.email}</dd>
        </div>
        <div>
          <dt>Account created</dt>
          <dd>{dateFormat.format(new Date(user.createdAt))}</dd>
        </div>
        <div>
          <dt>Two-factor authentication</dt>
          <dd>{user.twoFactor ? 'On' : 'Off'}</dd>
        </div>
      </dl>

      <h2>Roles</h2>
      {actionData?.form === 'roles' ? (
        <div className="error-summary" role="alert">
          <h3 className="error-summary__title">There is a problem</h3>
          <p>{actionData.message}</p>
        </div>
      ) : null}
      {grants.length === 0 ? (
        <p>No roles have been granted.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Roles granted to this person</caption>
            <thead>
              <tr>
                <th scope="col">Role</th>
                <th scope="col">Funder</th>
                <th scope="col">Granted</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {grants.map((g) => (
                <tr key={g.id}>
                  <td>{g.roleLabel}</td>
                  <td>{g.funderName ?? ''}</td>
                  <td>{dateFormat.format(new Date(g.grantedAt))}</td>
                  <td>
                    {isYou && g.role === 'admin' ? (
                      <span className="secondary">Another administrator must remove this</span>
                    ) : (
                      <Form method="post">
                        <input type="hidden" name="intent" value="revoke" />
                        <input type="hidden" name="grantId" value={g.id} />
                        <button type="submit" className="button button--secondary">
                          Remove<span className="visually-hidden"> the {g.roleLabel} role</span>
                        </button>
                      </Form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {user.anonymised ? null : <GrantForm funders={funders} lastResult={actionData?.form === 'grant' ? actionData.result : undefined} />}

      <h2>Organisations</h2>
      {memberships.length === 0 ? (
        <p>Not a member of any organisation.</p>
      ) : (
        <ul>
          {memberships.map((m) => (
            <li key={m.organisationId}>
              {m.organisationName} ({MEMBERSHIP_ROLE_LABELS[m.role].toLowerCase()})
            </li>
          ))}
        </ul>
      )}

      {canManagePersonalData ? <PersonalDataSection userId={user.id} anonymised={user.anonymised} isYou={isYou} /> : null}
    </>
  )
}

function PersonalDataSection({ userId, anonymised, isYou }: { userId: number; anonymised: boolean; isYou: boolean }) {
  return (
    <section aria-labelledby="personal-data-heading">
      <h2 id="personal-data-heading">Personal data</h2>
      <ul>
        <li>
          <a href={`/admin/users/${userId}/data.json`} download>
            Download everything held about this person (JSON)
          </a>{' '}
          for a subject access request. The download is recorded in the audit trail.
        </li>
        {anonymised ? (
          <li>This person’s personal data has been erased.</li>
        ) : isYou ? null : (
          <li>
            <Link to={`/admin/users/${userId}/erase`}>Erase this person’s personal data</Link>
          </li>
        )}
      </ul>
    </section>
  )
}

function GrantForm({ funders, lastResult }: { funders: { id: number; name: string }[]; lastResult: SubmissionResult<string[]> | undefined }) {
  const [form, fields] = useForm({
    id: 'grant-role',
    lastResult,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: GrantSchema }),
    shouldValidate: 'onSubmit',
    shouldRevalidate: 'onInput',
  })
  return (
    <section aria-labelledby="grant-heading">
      <h2 id="grant-heading">Grant a role</h2>
      <ErrorSummary form={form} fields={{ role: fields.role, funderId: fields.funderId }} labels={{ role: 'Role', funderId: 'Funder' }} />
      <Form method="post" {...getFormProps(form)}>
        <input type="hidden" name="intent" value="grant" />
        <SelectField field={fields.role} label="Role" placeholder="Select a role">
          {GRANTABLE_ROLES.map((r) => (
            <option key={r} value={r}>
              {ROLE_LABELS[r]}
            </option>
          ))}
        </SelectField>
        <SelectField field={fields.funderId} label="Funder" hint="Only for funder viewers: the funder whose figures they may see." placeholder="No funder">
          {funders.map((f) => (
            <option key={f.id} value={f.id}>
              {f.name}
            </option>
          ))}
        </SelectField>
        <SubmitButton>Grant role</SubmitButton>
      </Form>
    </section>
  )
}


export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
