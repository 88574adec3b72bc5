import type { NavItem } from '~/lib/navigation.ts'
import { PlainLink } from './plain-link.tsx'

/** True when `pathname` is the item's page or a page below it, ignoring case (as Remix's NavLink decides). */
export function inSection(pathname: string, to: string): boolean {
  const path = pathname.toLowerCase()
  const section = to.toLowerCase()
  return path === section || path.startsWith(`${section}/`)
}

/**
 * The main navigation: a link to each part of Commonpot the person may use, the one they are in marked as the current
 * page (for screen readers, and underlined). Plain links, matched against the location once for them all: a NavLink
 * reads the location, resolves its path and matches it on every render, about 10 microseconds a link, and a manager
 * has twelve on every page.
 */
export function MainNavigation({ items, pathname }: { items: readonly NavItem[]; pathname: string }) {
  return (
    <nav aria-label="Main" className="site-nav">
      <ul>
        {items.map((item) => (
          <li key={item.to}>
            <PlainLink to={item.to} aria-current={inSection(pathname, item.to) ? 'page' : undefined}>
              {item.label}
            </PlainLink>
          </li>
        ))}
      </ul>
    </nav>
  )
}
