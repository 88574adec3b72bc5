import { expect, test } from 'vitest'
import { pageShape } from '../e2e/support/browser.ts'

test('axe checks a page once per shape: words, form values, nonces and numbers in addresses go; structure, ids and empty text stay', () => {
  const page = (n: number, key: string) =>
    `<a href="/awards/${n}" id="r-3">Award ${n}</a><a href="/x"></a><input name="k" value="${key}"><input value=""><script nonce="${key}">var a=${n}</script><h1> </h1><h2>Bid ${n}</h2>`
  expect(pageShape(page(12, 'ab12'))).toBe('<a href="/awards/0" id="r-3">T</a><a href="/x"></a><input name="k" value="v"><input value=""><script>T</script><h1> </h1><h2>T</h2>')
  expect(pageShape(page(12, 'ab12'))).toBe(pageShape(page(7, 'ff09')))
  // What axe would judge differently is a different shape.
  expect(pageShape('<h1>T</h1>')).not.toBe(pageShape('<h2>T</h2>'))
  expect(pageShape('<a href="/x">Go</a>')).not.toBe(pageShape('<a href="/x"></a>'))
  expect(pageShape('<input id="a-1"><input id="a-2">')).not.toBe(pageShape('<input id="a-1"><input id="a-1">'))
  expect(pageShape('<input value="">')).not.toBe(pageShape('<input value="x">'))
})
