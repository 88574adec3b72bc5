import { describe, expect, test } from 'vitest'
import { csvResponse, neutraliseFormula } from './csv.server.ts'

async function* rows<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item
}

describe('csvResponse', () => {
  test('streams a header and one quoted-as-needed line per row', async () => {
    const response = csvResponse('entries.csv', [{ header: 'Name', value: (r: { name: string; n: number }) => r.name }, { header: 'Count', value: (r) => r.n }], rows([
      { name: 'Wandle Singers, Merton', n: 3 },
      { name: 'The "Good" Choir', n: 12 },
    ]))
    expect(response.headers.get('Content-Type')).toBe('text/csv; charset=utf-8')
    expect(response.headers.get('Content-Disposition')).toBe('attachment; filename="entries.csv"')
    expect(await response.text()).toBe('Name,Count\n"Wandle Singers, Merton",3\n"The ""Good"" Choir",12\n')
  })

  test('text a spreadsheet would run as a formula is made inert', async () => {
    expect(neutraliseFormula('=HYPERLINK("http://evil")')).toBe('\'=HYPERLINK("http://evil")')
    expect(neutraliseFormula('@SUM(A1)')).toBe("'@SUM(A1)")
    expect(neutraliseFormula('+44 20')).toBe("'+44 20")
    expect(neutraliseFormula('Merton')).toBe('Merton')
    const response = csvResponse('x.csv', [{ header: 'Reference', value: (r: string) => r }], rows(['-1+1']))
    expect(await response.text()).toBe("Reference\n'-1+1\n")
  })
})
