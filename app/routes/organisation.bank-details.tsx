import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SubmitButton, TextField } from '~/components/forms.tsx'
import { SummaryRow } from '~/components/summary-list.tsx'
import { accountNameMatches, BankDetailsSchema, describeBankAccountStatus, formatSortCode } from '~/domain/payments/bank-details.ts'
import { BankDetailsInputError, currentBankAccount, enterBankDetails } from '~/domain/payments/bank-details.server.ts'
import { db } from '~/lib/db.server.ts'
import { formatLondonDate } from '~/lib/dates.ts'
import { forbidden, notFound, requirePermission, type CurrentUser } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idField } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Bank details – Your organisation – Commonpot' }]

const QuerySchema = z.object({ org: idField().optional() })
const LABELS = { accountName: 'Name on the account', sortCode: 'Sort code', accountNumber: 'Account number' }

/** The organisation asked for (?org=<id>, else the user's first): one the user belongs to, or 403. */
async function organisationFor(request: Request, user: CurrentUser) {
  const query = parseWithZod(new URL(request.url).searchParams, { schema: QuerySchema })
  if (query.status !== 'success') throw notFound()
  const organisationId = query.value.org ?? user.organisationIds[0]
  if (organisationId === undefined || !user.organisationIds.includes(organisationId)) throw forbidden()
  const organisation = await db.selectFrom('organisations').select(['id', 'name']).where('id', '=', organisationId).executeTakeFirst()
  if (!organisation) throw notFound()
  return organisation
}

/** GET /organisation/bank-details?org=<id>: the organisation's bank details (masked) and the form to enter or change them. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'write:bank-details:own', context)
  const organisation = await organisationFor(request, user)
  const account = await currentBankAccount(db, organisation.id)
  // Only what the page shows: never the full account number.
  const current = account
    ? {
        accountName: account.accountName,
        sortCode: formatSortCode(account.sortCode),
        accountNumberMasked: account.accountNumberMasked,
        status: account.status,
        statusText: describeBankAccountStatus(account.status, account.rejectedReason),
        nameMismatch: account.nameMismatch,
        enteredAt: account.enteredAt,
      }
    : null
  return json({ organisation, current })
}

/** POST /organisation/bank-details?org=<id>: enters new bank details, which wait for a finance officer's check. */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'write:bank-details:own')
  const organisation = await organisationFor(request, user)
  const submission = parseWithZod(await request.formData(), { schema: BankDetailsSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  try {
    await db.transaction().execute((trx) => enterBankDetails(trx, user.id, { organisationId: organisation.id, ...submission.value }))
  } catch (e) {
    if (e instanceof BankDetailsInputError) return json(submission.reply({ fieldErrors: { [e.field!]: [e.message] } }), { status: e.status })
    throw e
  }
  const message = 'Bank details saved. Our finance team will check them before any money is paid into the account.'
  return redirect(`/organisation/bank-details?org=${organisation.id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
}

export default function BankDetails() {
  const { organisation, current } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'bank-details',
    lastResult,
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
    onValidate: ({ formData }) => parseWithZod(formData, { schema: BankDetailsSchema }),
  })
  const typedName = fields.accountName.value
  const typedNameDiffers = typeof typedName === 'string' && typedName.trim() !== '' && !accountNameMatches(organisation.name, typedName)
  return (
    <>
      <span className="secondary">{organisation.name}</span>
      <h1>Bank details</h1>
      <p>We pay grants by bank transfer into an account in your organisation's name.</p>

      {current ? (
        <>
          <h2>The account we have for you</h2>
          <dl className="summary-list">
            <SummaryRow label="Name on the account">{current.accountName}</SummaryRow>
            <SummaryRow label="Sort code">{current.sortCode}</SummaryRow>
            <SummaryRow label="Account number">
              {current.accountNumberMasked}
              <span className="visually-hidden"> (only the last 4 digits are shown)</span>
            </SummaryRow>
            <SummaryRow label="Entered">{formatLondonDate(current.enteredAt)}</SummaryRow>
            <SummaryRow label="Status">
              <strong className={`tag ${current.status === 'verified' ? 'tag--green' : current.status === 'rejected' ? 'tag--red' : 'tag--grey'}`}>{current.statusText}</strong>
            </SummaryRow>
          </dl>
          {current.nameMismatch && current.status === 'unverified' ? <NameWarning organisationName={organisation.name} /> : null}
        </>
      ) : (
        <p>You have not given us bank details yet. We need them before we can pay a grant.</p>
      )}

      <h2>{current ? 'Change your bank details' : 'Enter your bank details'}</h2>
      {current ? (
        <p>
          If you change them, we will email every member of {organisation.name}, and we will not pay anything into the new account until our finance team
          has checked it with you. This protects your grant from fraud.
        </p>
      ) : null}
      <Form method="post" {...getFormProps(form)}>
        <ErrorSummary form={form} fields={fields} labels={LABELS} />
        <TextField
          field={fields.accountName}
          label="Name on the account"
          hint={`As your bank shows it. It should be your organisation's name. Use only letters, numbers, spaces and . & / - ' , ( ).`}
          autoComplete="off"
          spellCheck={false}
        />
        {typedNameDiffers ? <NameWarning organisationName={organisation.name} /> : null}
        <TextField field={fields.sortCode} label="Sort code" hint="6 digits, like 30-94-57" inputMode="numeric" autoComplete="off" width="narrow" />
        <TextField field={fields.accountNumber} label="Account number" hint="8 digits" inputMode="numeric" autoComplete="off" width="narrow" />
        <SubmitButton>Save bank details</SubmitButton>
      </Form>
      <p>
        <Link to={`/organisation?org=${organisation.id}`}>Back to {organisation.name}</Link>
      </p>
    </>
  )
}

function NameWarning({ organisationName }: { organisationName: string }) {
  return (
    <div className="inset" role="note">
      <p>
        <strong>The name on the account is different from {organisationName}.</strong> You can still save it: our finance team will check with you
        that the account belongs to your organisation before paying anything into it.
      </p>
    </div>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
