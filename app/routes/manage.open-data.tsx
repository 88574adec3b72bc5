import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SubmitButton, TextField } from '~/components/forms.tsx'
import { awardStatusLabel } from '~/domain/awards/offer-labels.ts'
import { PUBLICATION_FILTER_LABELS, PUBLICATION_FILTERS } from '~/domain/open-data/publication.ts'
import { AwardNotPublishableError, listPublishableAwards, setAwardsPublished } from '~/domain/open-data/publishing.server.ts'
import { OpenDataSettingsSchema } from '~/domain/open-data/settings.ts'
import { openDataSettings, setOpenDataSettings } from '~/domain/open-data/settings.server.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { requirePermission } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'
import { setFlash } from '~/lib/session.server.ts'
import { MAX_ID } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Open data (360Giving) – Fund management – Commonpot' }]

const SettingsForm = OpenDataSettingsSchema.extend({ intent: z.literal('settings') })

const BulkSchema = z.object({
  intent: z.enum(['publish', 'unpublish']),
  awardIds: z.array(z.coerce.number().int().positive().max(MAX_ID)).min(1, 'Choose at least one award'),
})

const QuerySchema = z.object({ show: z.enum(PUBLICATION_FILTERS).catch('unpublished') })

const LABELS = { prefix: '360Giving identifier prefix', publisherName: 'Publisher name', licenceUrl: 'Licence' }

/** GET /manage/open-data?show=unpublished|published|all (publish:grant:any): the settings and the awards to publish. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'publish:grant:any', context)
  const { show } = QuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams))
  const [settings, list] = await Promise.all([openDataSettings(db), listPublishableAwards(db, { filter: show })])
  return json({ settings, show, ...list })
}

/**
 * POST intent=settings: saves the prefix, publisher and licence (400 beside the field); intent=publish|unpublish with
 * awardId (repeated): publishes or takes out every award ticked, all or none (409 naming the award that cannot be).
 */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'publish:grant:any')
  const formData = await request.formData()
  if (formData.get('intent') === 'settings') {
    const submission = parseWithZod(formData, { schema: SettingsForm })
    if (submission.status !== 'success') return json({ form: 'settings' as const, result: submission.reply(), message: null }, { status: 400 })
    const { intent: _intent, ...settings } = submission.value
    await db.transaction().execute((trx) => setOpenDataSettings(trx, user.id, settings))
    return redirect('/manage/open-data', { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message: 'Open data settings saved' }) } })
  }
  const parsed = BulkSchema.safeParse({ intent: formData.get('intent'), awardIds: formData.getAll('awardId') })
  if (!parsed.success) return json({ form: 'bulk' as const, result: null, message: parsed.error.issues[0]!.message }, { status: 400 })
  const published = parsed.data.intent === 'publish'
  try {
    const changes = await db.transaction().execute((trx) => setAwardsPublished(trx, user.id, { awardIds: parsed.data.awardIds, published }))
    const n = changes.filter((c) => c.changed).length
    const message = `${n} award${n === 1 ? '' : 's'} ${published ? 'published as open data' : 'taken out of the open data'}`
    return redirect(`/manage/open-data?show=${published ? 'published' : 'unpublished'}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  } catch (e) {
    if (e instanceof AwardNotPublishableError) return json({ form: 'bulk' as const, result: null, message: `Nothing was published. ${e.message}` }, { status: 409 })
    if (e instanceof NotFoundError) return json({ form: 'bulk' as const, result: null, message: 'Nothing was changed: one of the awards chosen no longer exists.' }, { status: 404 })
    throw e
  }
}

export default function OpenData() {
  const { settings, show, awards, total } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'open-data-settings',
    lastResult: actionData?.form === 'settings' ? actionData.result : undefined,
    defaultValue: settings,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: SettingsForm }),
    shouldRevalidate: 'onBlur',
  })
  const bulkError = actionData?.form === 'bulk' ? actionData.message : null
  return (
    <>
      <p className="secondary">
        <Link to="/manage/funds">Fund management</Link>
      </p>
      <h1>Open data (360Giving)</h1>
      <p className="lead">
        Grants you publish appear in the public <a href="/data/360giving.json">360Giving JSON file</a> and <a href="/data/360giving.csv">CSV file</a>, and
        in the <Link to="/stats">public statistics</Link>. Only awards whose offer has been accepted can be published.
      </p>

      <section aria-labelledby="awards-heading">
        <h2 id="awards-heading">Awards</h2>
        <Form method="get" className="inline-form">
          <div className="form-group">
            <label className="label" htmlFor="show">
              Show
            </label>
            <select className="select" id="show" name="show" defaultValue={show}>
              {PUBLICATION_FILTERS.map((f) => (
                <option key={f} value={f}>
                  {PUBLICATION_FILTER_LABELS[f]}
                </option>
              ))}
            </select>
          </div>
          <SubmitButton secondary>Show awards</SubmitButton>
        </Form>
        {bulkError ? (
          <div className="error-summary" role="alert" tabIndex={-1} aria-labelledby="bulk-error-title">
            <h3 className="error-summary__title" id="bulk-error-title">
              There is a problem
            </h3>
            <p>
              <a href="#awards-fieldset">{bulkError}</a>
            </p>
          </div>
        ) : null}
        {awards.length === 0 ? (
          <p>There are no awards to show here.</p>
        ) : (
          <Form method="post">
            <fieldset className="fieldset" id="awards-fieldset">
              <legend>Choose the awards to publish or take out of the open data</legend>
              <div className="table-wrap">
                <table>
                  <caption>
                    {total > awards.length ? `The newest ${awards.length} of ${total} awards` : `${total} award${total === 1 ? '' : 's'}`}: {PUBLICATION_FILTER_LABELS[show].toLowerCase()}
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">Choose</th>
                      <th scope="col">Award</th>
                      <th scope="col">Organisation</th>
                      <th scope="col">Round</th>
                      <th scope="col" className="num">
                        Amount
                      </th>
                      <th scope="col">Offer</th>
                      <th scope="col">Open data</th>
                    </tr>
                  </thead>
                  <tbody>
                    {awards.map((a) => (
                      <tr key={a.id}>
                        <td>
                          <div className="checkbox">
                            <input type="checkbox" id={`award-${a.id}`} name="awardId" value={a.id} />
                            <label className="visually-hidden" htmlFor={`award-${a.id}`}>
                              Choose award {a.reference}
                            </label>
                          </div>
                        </td>
                        <th scope="row">
                          <Link to={`/manage/awards/${a.id}`}>{a.reference}</Link>
                        </th>
                        <td>{a.organisationName}</td>
                        <td>{a.roundTitle}</td>
                        <td className="num">{formatPence(a.amountPence)}</td>
                        <td>{awardStatusLabel(a.status)}</td>
                        <td>{a.publishedAt ? `Published ${a.publishedAt.slice(0, 10)}` : 'Not published'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </fieldset>
            <SubmitButton name="intent" value="publish">
              Publish the chosen awards
            </SubmitButton>{' '}
            <SubmitButton name="intent" value="unpublish" secondary>
              Take the chosen awards out
            </SubmitButton>
          </Form>
        )}
      </section>

      <section aria-labelledby="settings-heading">
        <h2 id="settings-heading">Settings</h2>
        <Form method="post" {...getFormProps(form)}>
          <ErrorSummary form={form} fields={fields} labels={LABELS} />
          <input type="hidden" name="intent" value="settings" />
          <TextField
            field={fields.prefix}
            label="360Giving identifier prefix"
            hint="The part after 360G- that 360Giving registered for you, like commonpot. Every grant's id is 360G-, this prefix, a hyphen and the award reference."
            width="medium"
            spellCheck={false}
          />
          <TextField field={fields.publisherName} label="Publisher name" hint="The organisation publishing the data, as the files name it." />
          <TextField field={fields.licenceUrl} label="Licence" hint="The web address of the open licence the data is published under." type="url" />
          <SubmitButton>Save open data settings</SubmitButton>
        </Form>
      </section>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
