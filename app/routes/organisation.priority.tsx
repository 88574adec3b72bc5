import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { RadioGroup } from '~/components/choice-fields.tsx'
import { ErrorSummary, SubmitButton } from '~/components/forms.tsx'
import { setPriorityCommunity } from '~/domain/applications/allocation.server.ts'
import { getOrganisationForMember } from '~/domain/organisations/organisations.server.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idField } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Priority communities – Your organisation – Commonpot' }]

const QuerySchema = z.object({ org: idField() })
const PrioritySchema = z.object({
  priority: z.enum(['yes', 'no'], { errorMap: () => ({ message: 'Select yes if your group is led by or mainly serves a priority community' }) }),
})

const OPTIONS = [
  { value: 'yes', label: 'Yes' },
  { value: 'no', label: 'No' },
]

async function organisationFor(request: Request, userId: number) {
  const query = parseWithZod(new URL(request.url).searchParams, { schema: QuerySchema })
  if (query.status !== 'success') throw notFound()
  const organisation = await getOrganisationForMember(db, userId, query.value.org)
  if (!organisation || organisation.yourRole !== 'admin') throw notFound()
  return organisation
}

/** GET /organisation/priority?org=<id>: whether the group is led by or mainly serves a priority community (admins). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'manage:organisation:own', context)
  const organisation = await organisationFor(request, user.id)
  const row = await db.selectFrom('organisations').select('priority_community').where('id', '=', organisation.id).executeTakeFirstOrThrow()
  return json({ organisation: { id: organisation.id, name: organisation.name }, priority: row.priority_community === 1 ? 'yes' : 'no' })
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:organisation:own')
  const organisation = await organisationFor(request, user.id)
  const submission = parseWithZod(await request.formData(), { schema: PrioritySchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  try {
    await db
      .transaction()
      .execute((trx) => setPriorityCommunity(trx, { userId: user.id }, { organisationId: organisation.id, priorityCommunity: submission.value.priority === 'yes' }))
  } catch (e) {
    if (e instanceof NotFoundError) throw notFound()
    throw e
  }
  return redirect(`/organisation?org=${organisation.id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message: 'Priority community answer saved' }) } })
}

export default function PriorityCommunity() {
  const { organisation, priority } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'priority',
    lastResult,
    defaultValue: { priority },
    shouldValidate: 'onSubmit',
    onValidate: ({ formData }) => parseWithZod(formData, { schema: PrioritySchema }),
  })
  return (
    <>
      <span className="secondary">{organisation.name}</span>
      <h1>Priority communities</h1>
      <p>
        Some funds keep a share of their grants for groups led by or mainly serving a community that health and care services
        reach least well: for example Black, Asian and ethnically diverse communities, disabled people, LGBTQ+ people, or
        people on low incomes. Your answer is used for those quotas, and is kept in the audit trail.
      </p>
      <Form method="post" {...getFormProps(form)}>
        <ErrorSummary form={form} fields={fields} />
        <RadioGroup field={fields.priority} legend="Is your group led by or does it mainly serve a priority community?" options={OPTIONS} />
        <SubmitButton>Save</SubmitButton>
      </Form>
      <p>
        <Link to={`/organisation?org=${organisation.id}`}>Back to {organisation.name}</Link>
      </p>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
