import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { applyPlaceImport, PlaceImportError, previewPlaceImport, type PlaceChange, type PlaceImportPreview } from '~/domain/places/import.server.ts'
import { PLACE_CSV_COLUMNS } from '~/domain/places/place-csv.ts'
import { ukToday } from '~/domain/places/places.server.ts'
import { db } from '~/lib/db.server.ts'
import { requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'

export const meta: MetaFunction = () => [{ title: 'Import places – Commonpot' }]

/** The largest file accepted: the 42 ICBs take about 5 KB. */
const MAX_CSV_BYTES = 1_000_000

type ActionData = { problems: string[]; field: 'csv' | 'effectiveDate' } | { preview: PlaceImportPreview; csv: string }

/** GET /admin/places/import: upload an updated place list. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'manage:places:any', context)
  return json({ today: ukToday() })
}

async function csvFrom(form: FormData): Promise<string | null> {
  const file = form.get('file')
  if (file instanceof File && file.size > 0) return file.size > MAX_CSV_BYTES ? null : await file.text()
  const text = form.get('csv')
  return typeof text === 'string' && text.length > 0 && text.length <= MAX_CSV_BYTES ? text : null
}

/**
 * POST: intent "preview" shows what the file would change; intent "apply" (from the preview, with the CSV text in a
 * hidden field) checks it again and applies it in one transaction with an audit event.
 */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:places:any')
  const form = await request.formData()
  const csv = await csvFrom(form)
  const effectiveDate = String(form.get('effectiveDate') ?? '').trim()
  if (csv === null) return json<ActionData>({ problems: ['Choose a CSV file of 1 MB or less'], field: 'csv' }, { status: 400 })
  try {
    if (form.get('intent') === 'apply') {
      const applied = await db.transaction().execute((trx) => applyPlaceImport(trx, user.id, { csv, effectiveDate }))
      const message = `The place list is updated from ${effectiveDate}: ${applied.changes.length} change${applied.changes.length === 1 ? '' : 's'}.`
      return redirect('/places', { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
    }
    return json<ActionData>({ preview: await previewPlaceImport(db, { csv, effectiveDate }), csv })
  } catch (e) {
    if (e instanceof PlaceImportError) return json<ActionData>({ problems: e.problems, field: e.field as 'csv' | 'effectiveDate' }, { status: 400 })
    throw e
  }
}

export default function ImportPlaces() {
  const { today } = useLoaderData<typeof loader>()
  const data = useActionData<typeof action>() as ActionData | undefined
  const problems = data && 'problems' in data ? data : null
  const preview = data && 'preview' in data ? data : null
  return (
    <>
      <h1>Import places</h1>
      {problems ? (
        <div className="error-summary" role="alert" aria-labelledby="import-problems" tabIndex={-1}>
          <h2 className="error-summary__title" id="import-problems">
            There is a problem
          </h2>
          <ul className="error-summary__list">
            {problems.problems.map((p) => (
              <li key={p}>
                <a href={problems.field === 'csv' ? '#file' : '#effectiveDate'}>{p}</a>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {preview ? <Preview preview={preview.preview} csv={preview.csv} /> : <UploadForm today={today} />}
    </>
  )
}

function UploadForm({ today }: { today: string }) {
  return (
    <Form method="post" encType="multipart/form-data">
      <p>Upload the updated list of integrated care boards. You will see what would change before anything is saved.</p>
      <div className="form-group">
        <label className="label" htmlFor="file">
          CSV file
        </label>
        <div className="hint" id="file-hint">
          With the columns {PLACE_CSV_COLUMNS.join(', ')} (like db/reference/icb_2026.csv).
        </div>
        <input className="input" id="file" name="file" type="file" accept=".csv,text/csv" aria-describedby="file-hint" />
      </div>
      <div className="form-group">
        <label className="label" htmlFor="effectiveDate">
          Changes take effect on
        </label>
        <div className="hint" id="effectiveDate-hint">
          YYYY-MM-DD. Places that change end the day before; their new versions start on this date.
        </div>
        <input className="input input--medium" id="effectiveDate" name="effectiveDate" type="date" defaultValue={today} aria-describedby="effectiveDate-hint" />
      </div>
      <button type="submit" className="button" name="intent" value="preview">
        Preview the changes
      </button>
    </Form>
  )
}

function describe(change: PlaceChange): string {
  if (change.kind === 'new') return `New: ${change.place.name} (${change.place.odsCode}, ${change.place.gssCode ?? 'no GSS code'}, ${change.place.regionName})`
  if (change.kind === 'closed') return `Closes: ${change.name} (${change.odsCode})`
  const what = change.differences.map((d) => `${d.field === 'name' ? 'renamed' : d.field === 'gssCode' ? 'GSS code' : 'region'} ${d.from ?? 'none'} → ${d.to ?? 'none'}`)
  return `Changes: ${change.place.odsCode}: ${what.join('; ')}`
}

function Preview({ preview, csv }: { preview: PlaceImportPreview; csv: string }) {
  return (
    <>
      <h2>What would change from {preview.effectiveDate}</h2>
      {preview.changes.length === 0 ? (
        <p>Nothing: the file matches the places in force on that date ({preview.unchanged} unchanged).</p>
      ) : (
        <>
          <ul>
            {preview.changes.map((c) => (
              <li key={describe(c)}>{describe(c)}</li>
            ))}
          </ul>
          <p>{preview.unchanged} places are unchanged.</p>
          <Form method="post">
            <input type="hidden" name="csv" value={csv} />
            <input type="hidden" name="effectiveDate" value={preview.effectiveDate} />
            <button type="submit" className="button" name="intent" value="apply">
              Apply these changes
            </button>
          </Form>
        </>
      )}
      <p>
        <Link to="/admin/places/import">Start again with another file</Link>
      </p>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
