import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SubmitButton, TextField } from '~/components/forms.tsx'
import { ukToday } from '~/domain/places/places.server.ts'
import { ENDED_WITHOUT_GRANT, RETENTION_MONTHS_MAX, RETENTION_MONTHS_MIN, RetentionSettingsSchema } from '~/domain/privacy/retention-settings.ts'
import { countExpiredApplications, lastRetentionRun, retentionCutoff, retentionSettings, updateRetentionSettings } from '~/domain/privacy/retention.server.ts'
import { statusLabel } from '~/domain/applications/status-labels.ts'
import { formatLondonDate } from '~/lib/dates.ts'
import { db } from '~/lib/db.server.ts'
import { requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'

export const meta: MetaFunction = () => [{ title: 'Personal data – Administration – Commonpot' }]

const LABELS = { declinedApplicationMonths: 'Months to keep applications' }

/** GET /admin/privacy: the retention period, what the next run would anonymise, and the last run. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'manage:personal-data:any', context)
  const settings = await retentionSettings(db)
  const today = ukToday()
  return json({
    ...settings,
    cutoff: retentionCutoff(today, settings.declinedApplicationMonths),
    dueCount: await countExpiredApplications(db, { today, months: settings.declinedApplicationMonths }),
    lastRun: await lastRetentionRun(db),
  })
}

/** POST: saves the retention period (audited); out of range comes back beside the field with a 400. */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:personal-data:any')
  const submission = parseWithZod(await request.formData(), { schema: RetentionSettingsSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  await db.transaction().execute((trx) => updateRetentionSettings(trx, user.id, submission.value))
  return redirect('/admin/privacy', { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message: 'Retention period saved' }) } })
}

export default function PrivacySettings() {
  const d = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'retention',
    lastResult,
    defaultValue: { declinedApplicationMonths: String(d.declinedApplicationMonths) },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: RetentionSettingsSchema }),
    shouldRevalidate: 'onBlur',
  })
  return (
    <>
      <p className="secondary">
        <Link to="/admin">Administration</Link>
      </p>
      <h1>Personal data</h1>
      <h2>Subject access and erasure</h2>
      <p>
        To give a person a copy of everything held about them, or to erase them, find them under <Link to="/admin/users">Users</Link> and use the links on
        their page. People can download their own data from their account page.
      </p>

      <h2>How long declined applications are kept</h2>
      <p>
        Applications that ended without a grant ({ENDED_WITHOUT_GRANT.map((s) => statusLabel(s).toLowerCase()).join(', ')}) keep their answers and
        documents for this long after the decision. After that, the retention job (<code>npm run privacy:retention</code>) blanks the answers and deletes the
        documents. The amounts, round, place, status and dates are kept, so the statistics still count them.
      </p>
      <dl className="summary-list">
        <div>
          <dt>The next run anonymises applications decided before</dt>
          <dd>{formatLondonDate(d.cutoff)}</dd>
        </div>
        <div>
          <dt>Waiting for the next run</dt>
          <dd>
            {d.dueCount} {d.dueCount === 1 ? 'application' : 'applications'}
          </dd>
        </div>
        <div>
          <dt>Last run that anonymised anything</dt>
          <dd>{d.lastRun ? `${formatLondonDate(d.lastRun.occurredAt)}: ${d.lastRun.applications} ${d.lastRun.applications === 1 ? 'application' : 'applications'}` : 'Never'}</dd>
        </div>
      </dl>
      <Form method="post" {...getFormProps(form)}>
        <ErrorSummary form={form} fields={fields} labels={LABELS} />
        <TextField
          field={fields.declinedApplicationMonths}
          label="Months to keep applications"
          hint={`A whole number from ${RETENTION_MONTHS_MIN} to ${RETENTION_MONTHS_MAX}. 24 months is common: long enough for complaints and appeals.`}
          inputMode="numeric"
          width="narrow"
        />
        <SubmitButton>Save retention period</SubmitButton>
      </Form>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
