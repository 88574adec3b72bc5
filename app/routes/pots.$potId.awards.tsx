import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { PageLinks } from '~/components/page-links.tsx'
import { PlainLink } from '~/components/plain-link.tsx'
import { AwardsTable } from '~/components/pot-figures.tsx'
import { PotNotFoundError } from '~/domain/budgets/pots.server.ts'
import { POT_AWARDS_PAGE_SIZE, potAwardsList } from '~/domain/budgets/reports.server.ts'
import { db } from '~/lib/db.server.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { idParam, idText } from '~/lib/ids.ts'
import { formatPence } from '~/lib/money.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data ? `${data.pot.name}: awards` : 'Pot awards'} – Commonpot` }]

/** An award id from a page link; anything else is ignored (the first page). */
const Cursor = idText.optional().catch(undefined)

/** ?after= or ?before= an award id. */
const QuerySchema = z.object({ after: Cursor, before: Cursor })

/**
 * GET /pots/:potId/awards: the awards drawing on the pot, POT_AWARDS_PAGE_SIZE a page in the order they were made
 * (?after=<award id> and ?before=<award id>), each with the pot's money in it and which contributors' money that is
 * (read:pot:any). The pot's dashboard says how many there are and links here.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'read:pot:any', context)
  const potId = idParam(params.potId, 'We could not find that pot.')
  const { after, before } = QuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams))
  try {
    return { ...(await potAwardsList(db, potId, before !== undefined ? { before } : { after })), pageSize: POT_AWARDS_PAGE_SIZE }
  } catch (e) {
    if (e instanceof PotNotFoundError) throw notFound('We could not find that pot.')
    throw e
  }
}

export default function PotAwards() {
  const { pot, contributors, page, pageSize } = useLoaderData<typeof loader>()
  // One line of text per award: "NHS England: £750.00, £300.00 paid; National Lottery: ...".
  const names = new Map(contributors.map((c) => [c.contributionId, c.funderName]))
  return (
    <>
      <p>
        <PlainLink to={`/pots/${pot.id}/dashboard`}>Back to the dashboard</PlainLink>
      </p>
      <h1>{`${pot.name}: awards`}</h1>
      {page.total === 0 ? (
        <p>No awards funded yet.</p>
      ) : (
        <>
          <p>
            {`${page.total === 1 ? '1 award draws' : `${page.total.toLocaleString('en-GB')} awards draw`} on this pot, listed in the order they were made, ${pageSize} a page. Each shows which contributors’ money it draws on.`}
          </p>
          <AwardsTable awards={page.awards} caption="Awards funded from this pot, with the contributors whose money each draws on" contributorsOf={(a) => a.contributions.map((c) => `${names.get(c.contributionId)}: ${formatPence(c.committedPence)}, ${formatPence(c.paidPence)} paid`).join('; ')} />
          <PageLinks label="Pages of awards" path={`/pots/${pot.id}/awards`} previousBefore={page.previousBefore} nextAfter={page.nextAfter} />
        </>
      )}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
