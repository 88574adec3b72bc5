import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ImpactFigures } from '~/components/impact-figures.tsx'
import { impactRollUp } from '~/domain/impact/rollup.server.ts'
import { sroiForRollUp } from '~/domain/impact/sroi.server.ts'
import { db } from '~/lib/db.server.ts'
import { requirePermission } from '~/lib/guards.server.ts'

export const meta: MetaFunction = () => [{ title: 'What our money achieved – Commonpot' }]

/**
 * GET /funder/impact: a funder viewer's impact roll-up (read:report:funder), limited in its queries to the awards their
 * own funders' money is committed to; their share of the money paid is shown beside the total.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:report:funder', context)
  const rollUp = await impactRollUp(db, {}, { funderIds: user.funderIds })
  const sroi = await sroiForRollUp(db, rollUp)
  const funders = user.funderIds.length ? await db.selectFrom('funders').select('name').where('id', 'in', user.funderIds).orderBy('name').execute() : []
  return json({ rollUp, sroi, funderNames: funders.map((f) => f.name) })
}

export default function FunderImpact() {
  const { rollUp, sroi, funderNames } = useLoaderData<typeof loader>()
  return (
    <>
      <p className="secondary">
        <Link to="/funder">What did our money do?</Link>
      </p>
      <h1>What our money achieved</h1>
      {funderNames.length === 0 ? (
        <p>Your account is not linked to a funder yet. Ask an administrator to link it to your organisation.</p>
      ) : (
        <>
          <p className="lead">Awards funded by {funderNames.join(' and ')}, from the returns a fund manager has accepted.</p>
          <p>
            <a href="/impact/report.pdf" download>
              Download this as a report (PDF)
            </a>
          </p>
          <ImpactFigures r={rollUp} sroi={sroi} editable={false} />
        </>
      )}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
