import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { SPLIT_RULE } from '~/domain/places/rollup.ts'
import { getPlace, placeHistory, type PlaceLink } from '~/domain/places/places.server.ts'
import { db } from '~/lib/db.server.ts'
import { getOptionalUser } from '~/lib/guards.server.ts'
import { SummaryRow } from '~/components/summary-list.tsx'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.place.name ?? 'Place'} – Commonpot` }]

/** GET /places/:placeId: one place's codes, dates, region and history (what it came from and what it became). */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await getOptionalUser(request, context)
  const place = await getPlace(db, idParam(params.placeId, 'Place not found'))
  if (!place) throw new Response('Place not found', { status: 404 })
  return json({ place, history: await placeHistory(db, place.id), splitRule: SPLIT_RULE })
}

export default function PlacePage() {
  const { place, history, splitRule } = useLoaderData<typeof loader>()
  return (
    <>
      <p>
        <Link to="/places">All places</Link>
      </p>
      <h1>{place.name}</h1>
      <dl className="summary-list">
        <SummaryRow label="ODS code">{place.odsCode}</SummaryRow>
        <SummaryRow label="GSS code">{place.gssCode ?? 'Not known'}</SummaryRow>
        <SummaryRow label="Organisation identifier">GB-NHS-{place.odsCode}</SummaryRow>
        <SummaryRow label="NHS England region">
          {place.regionName}
          {place.regionOdsCode ? ` (${place.regionOdsCode})` : ''}
        </SummaryRow>
        <SummaryRow label="In force">
          from {place.validFrom}
          {place.validTo ? ` to ${place.validTo}` : ', with no end date'}
        </SummaryRow>
      </dl>
      <h2>Came from</h2>
      <Links links={history.predecessors} empty="No earlier place is recorded." />
      <h2>Became</h2>
      <Links links={history.successors} empty="This place has not been replaced." />
      <h2>How reports roll figures up</h2>
      <p>{splitRule}</p>
    </>
  )
}

function Links({ links, empty }: { links: PlaceLink[]; empty: string }) {
  if (links.length === 0) return <p>{empty}</p>
  return (
    <ul>
      {links.map((l) => (
        <li key={`${l.placeId}`}>
          <Link to={`/places/${l.placeId}`}>{l.name}</Link> ({l.odsCode}): {l.transfer === 'whole' ? 'the whole area' : 'part of the area'}, from {l.effectiveDate}
        </li>
      ))}
    </ul>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
