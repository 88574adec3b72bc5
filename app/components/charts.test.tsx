import { renderToString } from 'react-dom/server'
import { describe, expect, test } from 'vitest'
import { LineChart } from './charts.tsx'

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
