import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, test } from 'vitest'
import { inSection, MainNavigation } from './main-navigation.tsx'

describe('inSection', () => {
  test('the section itself and the pages below it, whatever the case; not a section that only starts the same', () => {
    expect(inSection('/panel', '/panel')).toBe(true)
    expect(inSection('/panel/181/bids/7', '/panel')).toBe(true)
    expect(inSection('/Panel/181', '/panel')).toBe(true)
    expect(inSection('/panels', '/panel')).toBe(false)
    expect(inSection('/manage/returns', '/manage/funds')).toBe(false)
    expect(inSection('/home', '/')).toBe(false)
  })
})

describe('MainNavigation', () => {
  test('a plain link to each part, the one the person is in marked as the current page', () => {
    const html = renderToStaticMarkup(
      <MainNavigation
        items={[
          { to: '/home', label: 'Home' },
          { to: '/panel', label: 'Panels' },
          { to: '/pots', label: 'Pooled pots' },
        ]}
        pathname="/panel/181"
      />,
    )
    expect(html).toBe(
      '<nav aria-label="Main" class="site-nav"><ul>' +
        '<li><a href="/home" data-plain-link="">Home</a></li>' +
        '<li><a href="/panel" aria-current="page" data-plain-link="">Panels</a></li>' +
        '<li><a href="/pots" data-plain-link="">Pooled pots</a></li>' +
        '</ul></nav>',
    )
  })
})
