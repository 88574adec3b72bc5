import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { PageLinks } from '~/components/page-links.tsx'
import { AwardsTable } from '~/components/pot-figures.tsx'
import { fundedAwardsPage } from '~/domain/funders/dashboard.server.ts'
import { db } from '~/lib/db.server.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'
import { idParam, idText } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Awards funded from ${data?.contribution.potName ?? 'a pot'} – Commonpot` }]

const Cursor = idText.optional().catch(undefined)

/**
 * GET /funder/contributions/:contributionId (read:report:funder): the awards one of the viewer's own contributions
 * funds, 50 a page (?after= / ?before= a commitment id), with its share of each. 404 for another funder's.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:report:funder', context)
  const contributionId = idParam(params.contributionId)
  const search = new URL(request.url).searchParams
  const page = await fundedAwardsPage(db, {
    funderIds: user.funderIds,
    contributionId,
    after: Cursor.parse(search.get('after') ?? undefined),
    before: Cursor.parse(search.get('before') ?? undefined),
  })
  if (!page) throw notFound()
  return json(page)
}

export default function FundedAwards() {
  const d = useLoaderData<typeof loader>()
  const base = `/funder/contributions/${d.contribution.id}`
  return (
    <>
      <p>
        <Link to="/funder">Back to what our money did</Link>
      </p>
      <h1>Awards funded from {d.contribution.potName}</h1>
      <p>
        {d.contribution.funderName}&rsquo;s contribution to {d.contribution.potName} ({d.contribution.financialYear}) funds{' '}
        {d.count === 1 ? '1 award' : `${d.count} awards`}, {formatPence(d.committedPence)} committed in all. Amounts are{' '}
        {d.contribution.funderName}&rsquo;s share of each award.
      </p>
      <AwardsTable awards={d.awards} caption={`Awards funded from ${d.contribution.potName}, oldest first`} />
      <PageLinks label="Pages of awards" path={base} previousBefore={d.previous} nextAfter={d.next} />
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
