import { useNavigate } from '@remix-run/react'
import { useEffect, type ReactNode } from 'react'

/** The attribute that marks a plain link the client may follow itself. */
export const PLAIN_LINK_ATTRIBUTE = 'data-plain-link'

/**
 * A link inside a long list (a table row, a ranked bid): a plain `<a href>`, rendered without the router's hooks.
 * Remix's `<Link>` resolves its path, reads the location and sets up prefetching on every render, about 9
 * microseconds a link on the server, which on a 50-row table with three links a row is more than the rest of the
 * table costs. Without JavaScript it is an ordinary link; with JavaScript on, `usePlainLinkNavigation` (in the root)
 * follows it as a client-side navigation, exactly as `<Link>` would. Only for paths inside the app: use `<a>` for
 * files (PDF, CSV) and other sites.
 */
export function PlainLink({
  to,
  children,
  className,
  'aria-describedby': describedBy,
  'aria-current': current,
}: {
  to: string
  children: ReactNode
  className?: string
  'aria-describedby'?: string
  'aria-current'?: 'page'
}) {
  return (
    <a href={to} className={className} aria-describedby={describedBy} aria-current={current} {...{ [PLAIN_LINK_ATTRIBUTE]: '' }}>
      {children}
    </a>
  )
}

/**
 * The in-app path a click should navigate to without reloading the page, or null when the browser should handle it:
 * another button or a modifier key (open in a new tab or window), a link that is not a plain link, one with a target
 * or a download, or one to another origin. Pure apart from reading the clicked element, so it is tested directly.
 */
export function clientPathFor(event: Pick<MouseEvent, 'defaultPrevented' | 'button' | 'metaKey' | 'altKey' | 'ctrlKey' | 'shiftKey' | 'target'>, origin: string): string | null {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.altKey || event.ctrlKey || event.shiftKey) return null
  const target = event.target as { closest?: (selector: string) => Element | null } | null
  const anchor = target?.closest?.(`a[${PLAIN_LINK_ATTRIBUTE}]`) as HTMLAnchorElement | null | undefined
  if (!anchor || anchor.hasAttribute('download') || (anchor.target && anchor.target !== '_self')) return null
  const url = new URL(anchor.href, origin)
  if (url.origin !== origin) return null
  return `${url.pathname}${url.search}${url.hash}`
}

/** In the root: one click listener that follows every `PlainLink` on the page as a client-side navigation. */
export function usePlainLinkNavigation(): void {
  const navigate = useNavigate()
  useEffect(() => {
    function onClick(event: MouseEvent) {
      const path = clientPathFor(event, window.location.origin)
      if (path === null) return
      event.preventDefault()
      navigate(path)
    }
    document.addEventListener('click', onClick)
    return () => document.removeEventListener('click', onClick)
  }, [navigate])
}
