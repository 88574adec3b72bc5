import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { formatSortCode } from '~/domain/payments/bank-details.ts'
import { listBankDetailsToVerify } from '~/domain/payments/bank-details.server.ts'
import { db } from '~/lib/db.server.ts'
import { formatLondonDate } from '~/lib/dates.ts'
import { requirePermission } from '~/lib/guards.server.ts'

export const meta: MetaFunction = () => [{ title: 'Bank details to check – Finance – Commonpot' }]

/** GET /finance/bank-details: bank details waiting for a finance officer's check, oldest first (numbers masked). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'verify:bank-details:any', context)
  return json({ toCheck: await listBankDetailsToVerify(db) })
}

export default function BankDetailsToCheck() {
  const { toCheck } = useLoaderData<typeof loader>()
  return (
    <>
      <span className="secondary">Finance</span>
      <h1>Bank details to check</h1>
      <p>
        No money is paid into an account until someone other than the person who entered it has checked it. Check changed details, and names that differ
        from the organisation's, with the organisation on contact details we already hold, never ones given with the new details.
      </p>
      {toCheck.length === 0 ? (
        <p>There are no bank details waiting for a check.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Bank details waiting for a check, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">Organisation</th>
                <th scope="col">Name on the account</th>
                <th scope="col">Sort code</th>
                <th scope="col">Account number</th>
                <th scope="col">Look out for</th>
                <th scope="col">Entered</th>
              </tr>
            </thead>
            <tbody>
              {toCheck.map((row) => (
                <tr key={row.id}>
                  <th scope="row">
                    <Link to={`/finance/bank-details/${row.id}`}>
                      Check<span className="visually-hidden"> the bank details of</span> {row.organisationName}
                    </Link>
                  </th>
                  <td>{row.accountName}</td>
                  <td>{formatSortCode(row.sortCode)}</td>
                  <td>{row.accountNumberMasked}</td>
                  <td>
                    {row.nameMismatch ? <strong className="tag tag--red">Name differs from organisation</strong> : null}{' '}
                    {row.isChange ? <strong className="tag tag--red">Changed details</strong> : null}
                  </td>
                  <td>
                    {formatLondonDate(row.enteredAt)} by {row.enteredByName}
                  </td>
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
