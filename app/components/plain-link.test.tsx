import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, test } from 'vitest'
import { clientPathFor, PlainLink } from './plain-link.tsx'

const origin = 'https://commonpot.example'

/** Just enough of an anchor for `closest` and the checks clientPathFor makes. */
function anchor(href: string, attributes: Record<string, string> = {}, plain = true) {
  const element = {
    href: new URL(href, origin).href,
    target: attributes.target ?? '',
    hasAttribute: (name: string) => name in attributes,
    closest: (selector: string) => (plain && selector === 'a[data-plain-link]' ? element : null),
  }
  return element
}

function click(target: unknown, overrides: Partial<MouseEvent> = {}) {
  return { defaultPrevented: false, button: 0, metaKey: false, altKey: false, ctrlKey: false, shiftKey: false, target, ...overrides } as unknown as MouseEvent
}

describe('PlainLink', () => {
  test('renders an ordinary link (it works without JavaScript) marked for client-side navigation', () => {
    expect(renderToStaticMarkup(<PlainLink to="/manage/returns/7?x=1">Year 1</PlainLink>)).toBe('<a href="/manage/returns/7?x=1" data-plain-link="">Year 1</a>')
  })

  test('a plain left click on it navigates inside the app, keeping the query and fragment', () => {
    expect(clientPathFor(click(anchor('/manage/returns/7?view=due#top')), origin)).toBe('/manage/returns/7?view=due#top')
  })

  test('the browser keeps new tabs, other buttons, downloads, targets, other sites and links that are not plain', () => {
    const link = anchor('/manage/returns/7')
    for (const modifier of ['metaKey', 'ctrlKey', 'shiftKey', 'altKey'] as const) expect(clientPathFor(click(link, { [modifier]: true }), origin)).toBeNull()
    expect(clientPathFor(click(link, { button: 1 }), origin)).toBeNull()
    expect(clientPathFor(click(link, { defaultPrevented: true }), origin)).toBeNull()
    expect(clientPathFor(click(anchor('/panel/1/pack.pdf', { download: '' })), origin)).toBeNull()
    expect(clientPathFor(click(anchor('/stats', { target: '_blank' })), origin)).toBeNull()
    expect(clientPathFor(click(anchor('https://elsewhere.example/x')), origin)).toBeNull()
    expect(clientPathFor(click(anchor('/stats', {}, false)), origin)).toBeNull()
    expect(clientPathFor(click(null), origin)).toBeNull()
  })
})
