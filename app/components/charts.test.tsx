import { renderToString } from 'react-dom/server'
import { describe, expect, test } from 'vitest'
import { LineChart, StackedBarChart } from './charts.tsx'

describe('LineChart', () => {
  test('every line carries a dot at each point through a marker defined in the same chart, one per series', () => {
    const html = renderToString(
      <>
        {['First', 'Second'].map((title) => (
          <LineChart
            key={title}
            title={title}
            description="Running totals"
            periodHeader="Month"
            series={[
              { key: 'committed', label: 'Committed', fill: '#1d5c9e' },
              { key: 'paid', label: 'Paid', fill: '#1d4e3f' },
            ]}
            points={[
              { label: '2026-04', values: { committed: 100, paid: 0 } },
              { label: '2026-05', values: { committed: 300, paid: 100 } },
              { label: '2026-06', values: { committed: 300, paid: 250 } },
            ]}
          />
        ))}
      </>,
    )
    const markers = [...html.matchAll(/<marker[^>]* id="([^"]+)"/g)].map((m) => m[1]!)
    expect(markers).toHaveLength(4)
    expect(new Set(markers).size).toBe(4)
    const lines = [...html.matchAll(/<polyline[^>]*>/g)].map((m) => m[0])
    expect(lines).toHaveLength(4)
    for (const line of lines) {
      const used = [...line.matchAll(/marker-(?:start|mid|end)="url\(#([^)]+)\)"/g)].map((m) => m[1]!)
      expect(used).toHaveLength(3)
      expect(new Set(used).size).toBe(1)
      expect(markers).toContain(used[0])
    }
    // The figures are still in the table under each chart.
    expect(html).toContain('<caption>First: the figures</caption>')
    expect(html).toContain('£2.50')
  })
})

describe('the marks', () => {
  const html = renderToString(
    <>
      <StackedBarChart
        title="Each contributor's money"
        description="A bar per contributor"
        rowHeader="Contributor"
        series={[
          { key: 'paid', label: 'Paid', fill: '#1d4e3f' },
          { key: 'committed', label: 'Committed, not paid', fill: '#3d8c72' },
        ]}
        rows={[
          { label: 'Arts Council England', values: { paid: 601384149, committed: 122722987 } },
          { label: 'Music for All', values: { paid: 240553351, committed: 49089513 } },
        ]}
      />
      <LineChart
        title="Committed and paid"
        description="Running totals"
        periodHeader="Month"
        series={[{ key: 'committed', label: 'Committed', fill: '#1d5c9e' }]}
        points={['2024-05', '2024-06', '2024-09'].map((label, i) => ({ label, values: { committed: [663500000, 653000000, 1366000000][i]! } }))}
      />
    </>,
  )

  test('are placed to a tenth of a unit, not with all of a float\'s digits', () => {
    const numbers = [...html.matchAll(/ (?:x|y|width|points|transform)="([^"]+)"/g)].flatMap((m) => m[1]!.match(/-?\d+(?:\.\d+)?/g) ?? [])
    expect(numbers.length).toBeGreaterThan(20)
    expect(numbers.filter((n) => /\.\d{2,}/.test(n))).toEqual([])
    // The proportions survive the rounding: Arts Council England's bar is the longest, 2.5 times Music for All's.
    const paid = [...html.matchAll(/<rect x="230" y="\d+" width="([\d.]+)" height="28" fill="#1d4e3f"/g)].map((m) => Number(m[1]))
    expect(paid).toHaveLength(2)
    expect(paid[0]! / paid[1]!).toBeCloseTo(2.5, 1)
  })

  test('leave what they share to the stylesheet, and keep each series\' colour', () => {
    for (const attribute of ['font-size', 'stroke-width', 'text-anchor', 'stroke="#0b0c0c"']) expect(html).not.toContain(attribute)
    expect(html).toContain('fill="#3d8c72"')
    expect(html).toContain('stroke="#1d5c9e"')
  })
})
