import type { MetaFunction } from '@remix-run/node'
import { notFound } from '~/lib/guards.server.ts'

export const meta: MetaFunction = () => [{ title: 'Floor – Commonpot' }]

/**
 * GET /bench/floor: the framework floor for `npm run bench` (issue 8): a one-line page with no data inside the normal
 * root layout, so its requests per second are what Remix, Express and the layout cost on their own. It exists only
 * when the server was started with COMMONPOT_BENCH=1 (the bench does that); everywhere else it is a 404. The loader
 * does nothing else, so the floor stays the floor.
 */
export function loader() {
  if (process.env.COMMONPOT_BENCH !== '1') throw notFound()
  return null
}

export default function Floor() {
  return <p>Floor</p>
}
