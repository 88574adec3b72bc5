import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, TextArea, TextField } from '~/components/forms.tsx'
import { eraseUser, erasurePreview } from '~/domain/privacy/erasure.server.ts'
import { db } from '~/lib/db.server.ts'
import { ConflictError, NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { ROLE_LABELS, type Role } from '~/lib/policy.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Erase a person’s personal data – Administration – Commonpot' }]

const EraseSchema = z.object({
  reason: z
    .string({ required_error: 'Enter the reason for erasing this person' })
    .trim()
    .min(1, 'Enter the reason for erasing this person')
    .max(1000, 'The reason must be 1,000 characters or fewer'),
  confirm: z
    .string({ required_error: 'Type ERASE to confirm' })
    .trim()
    .refine((v) => v === 'ERASE', 'Type ERASE, in capital letters, to confirm'),
})

const LABELS = { reason: 'Reason', confirm: 'Confirmation' }

function userIdFrom(params: { userId?: string }): number {
  return idParam(params.userId, 'We could not find that user.')
}

/** GET /admin/users/<id>/erase: who will be erased and what happens, with a reason and a typed confirmation. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const admin = await requirePermission(request, 'manage:personal-data:any', context)
  const preview = await erasurePreview(db, userIdFrom(params))
  if (!preview) throw notFound('We could not find that user.')
  return json({ ...preview, roles: preview.roles.map((r) => ROLE_LABELS[r as Role] ?? r), isYou: preview.id === admin.id })
}

/** POST: erases (anonymises) the person, audited; 400 with field messages, 409 for yourself/the last admin/already erased. */
export async function action({ request, params }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'manage:personal-data:any')
  const userId = userIdFrom(params)
  const submission = parseWithZod(await request.formData(), { schema: EraseSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  try {
    await db.transaction().execute((trx) => eraseUser(trx, admin.id, userId, { reason: submission.value.reason }))
  } catch (e) {
    if (e instanceof NotFoundError) throw notFound('We could not find that user.')
    if (e instanceof ConflictError) return json(submission.reply({ formErrors: [e.message] }), { status: 409 })
    throw e
  }
  return redirect(`/admin/users/${userId}`, {
    headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message: `User ${userId}’s personal data has been erased` }) },
  })
}

export default function ErasePage() {
  const d = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'erase-user',
    lastResult,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: EraseSchema }),
    shouldValidate: 'onSubmit',
    shouldRevalidate: 'onInput',
  })
  const orphaned = d.organisations.filter((o) => o.otherAdmins === 0)
  return (
    <>
      <p className="secondary">
        <Link to={`/admin/users/${d.id}`}>Back to {d.anonymised ? 'the user' : d.name}</Link>
      </p>
      <h1>{d.anonymised ? `Erase user ${d.id}’s personal data` : `Erase ${d.name}’s personal data`}</h1>
      {d.anonymised ? (
        <p>This person has already been erased. There is nothing more to remove.</p>
      ) : d.isYou ? (
        <p>You cannot erase your own account. Ask another administrator to do it.</p>
      ) : (
        <>
          <p>
            Erasing anonymises {d.name} ({d.email}). It cannot be undone. Before you go on, consider{' '}
            <Link to={`/admin/users/${d.id}/data.json`} reloadDocument>
              downloading their data
            </Link>{' '}
            if they asked for a copy.
          </p>
          <h2>What happens</h2>
          <ul>
            <li>Their name becomes “Former user {d.id}” and their email address is removed. They can no longer sign in.</li>
            <li>Their password, two-factor authentication, sessions and invitations are removed.</li>
            <li>
              Their roles ({d.roles.length ? d.roles.join(', ') : 'none'}) and organisation memberships ({d.organisations.length ? d.organisations.map((o) => o.name).join(', ') : 'none'}) are removed.
            </li>
            <li>Emails sent to them keep their subject and date, but lose the address and the message.</li>
            <li>
              What they did stays, under their user number, so the figures still add up: {d.applicationsCreated}{' '}
              {d.applicationsCreated === 1 ? 'application' : 'applications'} they started, returns, scores and decisions.
            </li>
            <li>The audit trail keeps their user number. It is never rewritten.</li>
          </ul>
          {orphaned.length > 0 ? (
            <p className="inset">
              <strong>{orphaned.map((o) => o.name).join(', ')} will have no organisation admin left.</strong> Ask the group to name another admin.
            </p>
          ) : null}
          <Form method="post" {...getFormProps(form)}>
            <ErrorSummary form={form} fields={fields} labels={LABELS} />
            <TextArea
              field={fields.reason}
              label="Reason"
              hint="For example, “Erasure requested by the person on 3 March 2027”. This goes into the audit trail, so do not include their name or email address."
              rows={3}
            />
            <TextField field={fields.confirm} label="Type ERASE to confirm" width="narrow" autoComplete="off" spellCheck={false} />
            <button type="submit" className="button button--warning">
              Erase personal data
            </button>
          </Form>
        </>
      )}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
