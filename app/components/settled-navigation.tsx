import { useLocation, useNavigation } from '@remix-run/react'
import { useEffect, useRef } from 'react'

/**
 * Marks `<html>` once a client-side navigation or form submission has finished and its page is on screen:
 * `data-location` is the path and query shown, and `data-navigations-settled` counts finished round trips.
 *
 * The browser's address changes a moment before React has drawn the new page, so the URL alone cannot tell a browser
 * journey (or anything else driving the page) that what it reads is the new page. Effects run after React commits,
 * so these attributes never run ahead of the content. Nothing is rendered; the server's markup is unchanged.
 */
export function useSettledNavigationMarker(): void {
  const navigation = useNavigation()
  const location = useLocation()
  const previous = useRef(navigation.state)
  useEffect(() => {
    if (navigation.state !== 'idle') {
      previous.current = navigation.state
      return
    }
    const html = document.documentElement
    html.dataset.location = `${location.pathname}${location.search}`
    if (previous.current !== 'idle') html.dataset.navigationsSettled = String(Number(html.dataset.navigationsSettled ?? '0') + 1)
    previous.current = navigation.state
  }, [navigation.state, location])
}
