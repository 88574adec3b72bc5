import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, FieldError, SubmitButton } from '~/components/forms.tsx'
import { importBankStatement, listStatementImports } from '~/domain/payments/statement-import.server.ts'
import { formatDeadline } from '~/lib/dates.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError } from '~/lib/errors.ts'
import { requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { parseMultipartForm, UploadRejectedError } from '~/lib/uploads.server.ts'

export const meta: MetaFunction = () => [{ title: 'Bank statements – Finance – Commonpot' }]

/** A statement covering weeks of payments is a few hundred KB; a larger file is a longer date range than needed. */
const MAX_STATEMENT_BYTES = 2 * 1024 * 1024

const ImportSchema = z.object({
  statement: z
    .instanceof(File, { message: 'Choose the statement CSV file you downloaded from your bank' })
    .refine((file) => file.size > 0, 'The selected file is empty')
    .refine((file) => file.size <= MAX_STATEMENT_BYTES, 'The statement must be smaller than 2 MB: download a shorter date range from your bank'),
})

/** GET /finance/statements: import a bank statement CSV; past imports, newest first. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'prepare:payment-run:any', context)
  return json({ imports: await listStatementImports(db) })
}

/** POST (multipart, field "statement"): imports the statement and shows what each line matched. */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'prepare:payment-run:any')
  let formData: FormData
  try {
    formData = await parseMultipartForm(request)
  } catch (e) {
    if (e instanceof UploadRejectedError) return json({ status: 'error' as const, error: { statement: [e.message] } }, { status: 400 })
    throw e
  }
  const submission = parseWithZod(formData, { schema: ImportSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  const file = submission.value.statement
  const text = await file.text()
  if (text.includes('\u0000')) return json(submission.reply({ fieldErrors: { statement: ['The selected file must be a CSV file'] } }), { status: 400 })
  let imported: Awaited<ReturnType<typeof importBankStatement>>
  try {
    imported = await db.transaction().execute((trx) => importBankStatement(trx, user.id, { filename: file.name || 'statement.csv', text }))
  } catch (e) {
    if (e instanceof DomainError && (e.status === 400 || e.status === 409)) return json(submission.reply({ fieldErrors: { statement: [e.message] } }), { status: e.status })
    throw e
  }
  const { matched, already_paid: alreadyPaid, unmatched, invalid } = imported.counts
  const message = `Statement imported: ${matched} marked paid, ${alreadyPaid} already paid, ${unmatched} not matched, ${invalid} could not be read.`
  return redirect(`/finance/statements/${imported.importId}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
}

export default function Statements() {
  const { imports } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({ lastResult, shouldValidate: 'onSubmit' })
  const invalid = !!fields.statement.errors?.length
  return (
    <>
      <span className="secondary">Finance</span>
      <h1>Bank statements</h1>
      <ErrorSummary form={form} fields={{ statement: fields.statement }} />
      <p>
        Import the statement of the account payments are made from, to confirm which BACS payments have left it. A line is matched to a payment when it shows
        the payment's reference (like TCF-2026-00006/1) and the same amount; matched payments are marked paid and the organisation is sent its remittance
        advice. Each statement file can be imported once.
      </p>
      <Form method="post" encType="multipart/form-data" {...getFormProps(form)}>
        <div className={`form-group${invalid ? ' form-group--error' : ''}`}>
          <label className="label" htmlFor={fields.statement.id}>
            Statement CSV file
          </label>
          <div className="hint" id={fields.statement.descriptionId}>
            Download it from your online banking as CSV, smaller than 2 MB. It needs a date column (Date, Posted or Transaction date), a reference column
            (Reference, Description, Narrative or Details) and an amount column (Amount, Paid out or Debit).
          </div>
          <FieldError field={fields.statement} />
          <input
            className="file-input"
            type="file"
            id={fields.statement.id}
            name={fields.statement.name}
            accept=".csv,text/csv"
            aria-invalid={invalid || undefined}
            aria-describedby={invalid ? `${fields.statement.descriptionId} ${fields.statement.errorId}` : fields.statement.descriptionId}
          />
        </div>
        <SubmitButton>Import the statement</SubmitButton>
      </Form>

      <h2>Statements imported</h2>
      {imports.length === 0 ? (
        <p>No statements have been imported yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Statements imported, newest first</caption>
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Imported</th>
                <th scope="col" className="num">
                  Lines
                </th>
                <th scope="col" className="num">
                  Marked paid
                </th>
              </tr>
            </thead>
            <tbody>
              {imports.map((i) => (
                <tr key={i.id}>
                  <th scope="row">
                    <Link to={`/finance/statements/${i.id}`}>{i.filename}</Link>
                  </th>
                  <td>
                    {formatDeadline(i.importedAt)} by {i.importedBy}
                  </td>
                  <td className="num">{i.lineCount}</td>
                  <td className="num">{i.matchedCount}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
