import { getFormProps, useForm, type SubmissionResult } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SubmitButton, TextArea } from '~/components/forms.tsx'
import { SummaryRow } from '~/components/summary-list.tsx'
import { describeBankAccountStatus, formatSortCode } from '~/domain/payments/bank-details.ts'
import {
  BankAccountNotFoundError,
  BankDetailsAlreadyCheckedError,
  BankDetailsCheckConflictError,
  BankDetailsInputError,
  checkConflict,
  getBankDetailsForCheck,
  rejectBankDetails,
  verifyBankDetails,
} from '~/domain/payments/bank-details.server.ts'
import { db } from '~/lib/db.server.ts'
import { formatLondonDate } from '~/lib/dates.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Check bank details – Finance – Commonpot' }]

const NOTE_MAX = 'Keep it to 1,000 characters or fewer'
const VerifySchema = z.object({
  intent: z.literal('verify'),
  note: z.string().trim().max(1000, NOTE_MAX).optional(),
})
const RejectSchema = z.object({
  intent: z.literal('reject'),
  reason: z
    .string({ required_error: 'Say why the details are not accepted, so the organisation can put them right' })
    .trim()
    .min(1, 'Say why the details are not accepted, so the organisation can put them right')
    .max(1000, NOTE_MAX),
})
const ActionSchema = z.discriminatedUnion('intent', [VerifySchema, RejectSchema])

function bankAccountIdFrom(params: { bankAccountId?: string }): number {
  return idParam(params.bankAccountId)
}

/**
 * GET /finance/bank-details/<id>: one set of bank details for a finance officer to check. The full sort code and
 * account number are shown only to someone who may check them, while they wait for a check; everything else is masked.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'verify:bank-details:any', context)
  const found = await getBankDetailsForCheck(db, bankAccountIdFrom(params))
  if (!found) throw notFound('We could not find those bank details.')
  const { account, organisation, previous, enteredByName } = found
  const conflict = await checkConflict(db, user.id, account)
  const canCheck = account.status === 'unverified' && conflict === null
  return json({
    organisation,
    account: {
      id: account.id,
      accountName: account.accountName,
      sortCode: formatSortCode(account.sortCode),
      accountNumber: canCheck ? account.accountNumber : account.accountNumberMasked,
      status: account.status,
      statusText: describeBankAccountStatus(account.status, account.rejectedReason),
      nameMismatch: account.nameMismatch,
      isChange: account.isChange,
      enteredAt: account.enteredAt,
      enteredByName,
      verificationNote: account.verificationNote,
    },
    previous: previous.map((p) => ({ ...p, sortCode: formatSortCode(p.sortCode), statusText: describeBankAccountStatus(p.status, p.rejectedReason) })),
    canCheck,
    cannotCheckBecause: conflict ? new BankDetailsCheckConflictError(conflict).message : null,
  })
}

/** POST /finance/bank-details/<id>: verify (intent=verify, with a note) or reject (intent=reject, with a reason). */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'verify:bank-details:any')
  const bankAccountId = bankAccountIdFrom(params)
  const submission = parseWithZod(await request.formData(), { schema: ActionSchema })
  const form = submission.payload.intent === 'reject' ? ('reject' as const) : ('verify' as const)
  if (submission.status !== 'success') return json({ form, result: submission.reply() }, { status: 400 })
  const input = submission.value
  let organisationName: string
  try {
    const account = await db.transaction().execute(async (trx) => {
      const checked =
        input.intent === 'verify'
          ? await verifyBankDetails(trx, user.id, { bankAccountId, note: input.note ?? null })
          : await rejectBankDetails(trx, user.id, { bankAccountId, reason: input.reason })
      const organisation = await trx.selectFrom('organisations').select('name').where('id', '=', checked.organisationId).executeTakeFirstOrThrow()
      return { ...checked, organisationName: organisation.name }
    })
    organisationName = account.organisationName
  } catch (e) {
    if (e instanceof BankDetailsInputError) return json({ form, result: submission.reply({ fieldErrors: { [e.field!]: [e.message] } }) }, { status: e.status })
    if (e instanceof BankDetailsCheckConflictError || e instanceof BankDetailsAlreadyCheckedError) {
      return json({ form, result: submission.reply({ formErrors: [e.message] }) }, { status: e.status })
    }
    if (e instanceof BankAccountNotFoundError) throw notFound(e.message)
    throw e
  }
  const message = input.intent === 'verify' ? `Bank details for ${organisationName} checked: payments can now go to them` : `Bank details for ${organisationName} not accepted`
  return redirect('/finance/bank-details', { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
}

export default function CheckBankDetails() {
  const { organisation, account, previous, canCheck, cannotCheckBecause } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const needsNote = account.isChange || account.nameMismatch
  return (
    <>
      <p>
        <Link to="/finance/bank-details">Back to bank details to check</Link>
      </p>
      <span className="secondary">Check bank details</span>
      <h1>{organisation.name}</h1>

      <h2>The organisation</h2>
      <dl className="summary-list">
        <SummaryRow label="Legal name">{organisation.name}</SummaryRow>
        <SummaryRow label="Type of organisation">{organisation.legalTypeLabel}</SummaryRow>
        {organisation.charityNumber ? <SummaryRow label="Charity number">{organisation.charityNumber}</SummaryRow> : null}
        {organisation.companyNumber ? <SummaryRow label="Company number">{organisation.companyNumber}</SummaryRow> : null}
      </dl>

      <h2>The bank details</h2>
      <dl className="summary-list">
        <SummaryRow label="Name on the account">{account.accountName}</SummaryRow>
        <SummaryRow label="Sort code">{account.sortCode}</SummaryRow>
        <SummaryRow label="Account number">{account.accountNumber}</SummaryRow>
        <SummaryRow label="Entered">
          {formatLondonDate(account.enteredAt)} by {account.enteredByName}
        </SummaryRow>
        <SummaryRow label="Status">{account.statusText}</SummaryRow>
        {account.verificationNote ? <SummaryRow label="How they were confirmed">{account.verificationNote}</SummaryRow> : null}
      </dl>
      {account.nameMismatch ? (
        <div className="inset">
          <p>
            <strong>The name on the account differs from the organisation's name.</strong> Confirm that the account belongs to {organisation.name}: for
            example a bank statement or letter in its name, or a call to its treasurer on a number we already hold.
          </p>
        </div>
      ) : null}
      {account.isChange ? (
        <div className="inset">
          <p>
            <strong>These details replace earlier ones.</strong> A change of bank details is a common route for fraud. Confirm the change with the
            organisation using contact details we already hold, not any given with the new details.
          </p>
        </div>
      ) : null}

      {canCheck ? (
        <>
          <VerifyForm lastResult={actionData?.form === 'verify' ? actionData.result : undefined} needsNote={needsNote} />
          <RejectForm lastResult={actionData?.form === 'reject' ? actionData.result : undefined} />
        </>
      ) : cannotCheckBecause ? (
        <p>{cannotCheckBecause}</p>
      ) : null}

      <h2>Earlier bank details</h2>
      {previous.length === 0 ? (
        <p>This is the first set of bank details {organisation.name} has given us.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Earlier bank details of {organisation.name}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Entered</th>
                <th scope="col">Name on the account</th>
                <th scope="col">Sort code</th>
                <th scope="col">Account number</th>
                <th scope="col">What happened</th>
              </tr>
            </thead>
            <tbody>
              {previous.map((p) => (
                <tr key={p.id}>
                  <td>{formatLondonDate(p.enteredAt)}</td>
                  <td>{p.accountName}</td>
                  <td>{p.sortCode}</td>
                  <td>{p.accountNumberMasked}</td>
                  <td>{p.statusText}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
}

function VerifyForm({ lastResult, needsNote }: { lastResult: SubmissionResult<string[]> | undefined; needsNote: boolean }) {
  const [form, fields] = useForm({
    id: 'verify',
    lastResult,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: VerifySchema }),
    shouldValidate: 'onSubmit',
    shouldRevalidate: 'onInput',
  })
  return (
    <section aria-labelledby="verify-heading">
      <h2 id="verify-heading">Accept the details</h2>
      <Form method="post" {...getFormProps(form)}>
        <ErrorSummary form={form} fields={{ note: fields.note }} labels={{ note: 'How you confirmed them' }} />
        <input type="hidden" name="intent" value="verify" />
        <TextArea
          field={fields.note}
          label={needsNote ? 'How you confirmed them' : 'How you confirmed them (optional)'}
          hint='For example, "phoned the treasurer on the number we hold" or "saw a bank statement in the organisation’s name".'
          rows={3}
        />
        <SubmitButton>Accept these bank details</SubmitButton>
      </Form>
    </section>
  )
}

function RejectForm({ lastResult }: { lastResult: SubmissionResult<string[]> | undefined }) {
  const [form, fields] = useForm({
    id: 'reject',
    lastResult,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: RejectSchema }),
    shouldValidate: 'onSubmit',
    shouldRevalidate: 'onInput',
  })
  return (
    <section aria-labelledby="reject-heading">
      <h2 id="reject-heading">Do not accept the details</h2>
      <Form method="post" {...getFormProps(form)}>
        <ErrorSummary form={form} fields={{ reason: fields.reason }} labels={{ reason: 'Why they are not accepted' }} />
        <input type="hidden" name="intent" value="reject" />
        <TextArea field={fields.reason} label="Why they are not accepted" hint="The organisation will see this, so say what they need to put right." rows={3} />
        <SubmitButton secondary>Do not accept these bank details</SubmitButton>
      </Form>
    </section>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
