import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ImpactFigures } from '~/components/impact-figures.tsx'
import { impactRollUp, scopeOptions } from '~/domain/impact/rollup.server.ts'
import { scopeFromSearchParams, scopeSearchParams, type ImpactScope } from '~/domain/impact/scope.ts'
import { sroiForRollUp } from '~/domain/impact/sroi.server.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'

export const meta: MetaFunction = () => [{ title: 'Impact – Commonpot' }]

/**
 * GET /impact?round=&fund=&pot=&place=&funder=: what accepted returns say the awards achieved, for any mix of a round,
 * fund, pot, place and funder (read:report:any: fund managers, finance officers, administrators). Fund managers
 * (manage:fund:any) also get links to change each fund's SROI inputs.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:report:any', context)
  const scope = scopeFromSearchParams(new URL(request.url).searchParams)
  try {
    const rollUp = await impactRollUp(db, scope)
    const [sroi, options] = await Promise.all([sroiForRollUp(db, rollUp), scopeOptions(db)])
    return json({ rollUp, sroi, options, canEditSroi: user.permissions.has('manage:fund:any') })
  } catch (e) {
    if (e instanceof NotFoundError) throw notFound(e.message)
    throw e
  }
}

const PICKERS = [
  { name: 'fund', label: 'Fund', key: 'fundId', options: 'funds' },
  { name: 'round', label: 'Round', key: 'roundId', options: 'rounds' },
  { name: 'pot', label: 'Pot', key: 'potId', options: 'pots' },
  { name: 'place', label: 'Place the projects work in', key: 'placeId', options: 'places' },
  { name: 'funder', label: 'Funder', key: 'funderId', options: 'funders' },
] as const

export default function Impact() {
  const { rollUp, sroi, options, canEditSroi } = useLoaderData<typeof loader>()
  const scope = rollUp.scope as ImpactScope
  const query = scopeSearchParams(scope)
  return (
    <>
      <h1>Impact</h1>
      <p className="lead">{rollUp.scopeLabel}</p>
      <Form method="get" className="panel">
        <fieldset className="fieldset">
          <legend>Choose what to include</legend>
          <p className="hint">Each choice narrows the others. Leave them all as &ldquo;All&rdquo; to see everything.</p>
          {PICKERS.map((p) => (
            <div className="form-group" key={p.name}>
              <label className="label" htmlFor={`scope-${p.name}`}>
                {p.label}
              </label>
              <select id={`scope-${p.name}`} name={p.name} className="input input--medium" defaultValue={String(scope[p.key] ?? '')}>
                <option value="">All</option>
                {options[p.options].map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name}
                  </option>
                ))}
              </select>
            </div>
          ))}
          <button type="submit" className="button">
            Show impact
          </button>
        </fieldset>
      </Form>
      <p>
        <a href={`/impact/report.pdf${query ? `?${query}` : ''}`} download>
          Download the impact report (PDF)
        </a>
      </p>
      <ImpactFigures r={rollUp} sroi={sroi} editable={canEditSroi} />
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
