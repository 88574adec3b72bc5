import { Link } from '@remix-run/react'

/**
 * "Previous page" and "Next page" links of a keyset-paginated list: plain links, so they work without JavaScript.
 * `query` is the page's other search parameters (filters), kept on both links; the cursors come from the domain.
 */
export function PageLinks({ label, path, query = '', previousBefore, nextAfter }: { label: string; path: string; query?: string; previousBefore: string | number | null; nextAfter: string | number | null }) {
  if (previousBefore === null && nextAfter === null) return null
  const to = (cursor: string) => `${path}?${query ? `${query}&` : ''}${cursor}`
  return (
    <nav aria-label={label}>
      <p>
        {previousBefore !== null ? <Link to={to(`before=${encodeURIComponent(String(previousBefore))}`)}>Previous page</Link> : null}
        {previousBefore !== null && nextAfter !== null ? ' · ' : null}
        {nextAfter !== null ? <Link to={to(`after=${encodeURIComponent(String(nextAfter))}`)}>Next page</Link> : null}
      </p>
    </nav>
  )
}
