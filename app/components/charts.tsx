/**
 * Charts as server-rendered inline SVG: no script, no inline styles (the CSP forbids them). Each series' colour is an
 * SVG presentation attribute; what every mark shares (the labels' size and colour, the bars' outline) is set once in
 * styles.css under `.chart`, not written out on every bar and label, and positions are rounded to a tenth of a unit
 * (a chart is 720 units wide): the pot dashboard's two charts are two thirds of the bytes they were. Each chart is an
 * image with a title and a description (role="img", <title>, <desc>) followed by a table of the same figures, so
 * nothing is shown only as a picture. Colours differ in lightness as well as hue, and every series is named in a
 * legend.
 */
import { useId } from 'react'
import { formatPence } from '~/lib/money.ts'

export interface ChartSeries<K extends string> {
  key: K
  label: string
  /** An SVG colour. */
  fill: string
}

export interface StackedBarRow<K extends string> {
  label: string
  values: Record<K, number>
}

const WIDTH = 720
const LABEL_WIDTH = 230
const BAR_HEIGHT = 28
const GAP = 14
const LEGEND_HEIGHT = 36

/** A position or length to a tenth of a unit: finer is invisible, and a float's 17 digits cost bytes on every mark. */
const at = (n: number) => Math.round(n * 10) / 10

/** A legend row; each entry is spaced by an estimate of its label's width (about 7.5 units a character at 13px). */
function Legend<K extends string>({ series, y }: { series: ChartSeries<K>[]; y: number }) {
  const offsets = series.reduce<number[]>((acc, s, i) => [...acc, i === 0 ? 0 : acc[i - 1] + series[i - 1].label.length * 7.5 + 40], [])
  return (
    <g className="legend">
      {series.map((s, i) => (
        <g key={s.key} transform={`translate(${at(offsets[i])}, ${y})`}>
          <rect width="14" height="14" fill={s.fill} />
          <text x="20" y="12">
            {s.label}
          </text>
        </g>
      ))}
    </g>
  )
}

/**
 * A horizontal stacked bar per row (e.g. per contributor), segments in series order, scaled to the largest row total,
 * with a table of the figures beneath.
 */
export function StackedBarChart<K extends string>({
  title,
  description,
  series,
  rows,
  rowHeader,
}: {
  title: string
  description: string
  series: ChartSeries<K>[]
  rows: StackedBarRow<K>[]
  rowHeader: string
}) {
  const id = useId()
  const total = (row: StackedBarRow<K>) => series.reduce((sum, s) => sum + Math.max(0, row.values[s.key]), 0)
  const max = Math.max(1, ...rows.map(total))
  const plot = WIDTH - LABEL_WIDTH - 110
  const height = LEGEND_HEIGHT + rows.length * (BAR_HEIGHT + GAP) + 10
  return (
    <figure className="chart">
      <svg role="img" aria-labelledby={`${id}-title ${id}-desc`} viewBox={`0 0 ${WIDTH} ${height}`} width="100%" preserveAspectRatio="xMinYMin meet">
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{description}</desc>
        <Legend series={series} y={4} />
        {rows.map((row, r) => {
          const y = LEGEND_HEIGHT + r * (BAR_HEIGHT + GAP)
          let x = LABEL_WIDTH
          return (
            <g key={`${row.label}-${r}`}>
              <text x={LABEL_WIDTH - 8} y={y + BAR_HEIGHT / 2 + 5} className="end">
                {row.label.length > 26 ? `${row.label.slice(0, 25)}…` : row.label}
              </text>
              {series.map((s) => {
                const w = (Math.max(0, row.values[s.key]) / max) * plot
                const rect = w > 0 ? <rect key={s.key} x={at(x)} y={y} width={at(w)} height={BAR_HEIGHT} fill={s.fill} /> : null
                x += w
                return rect
              })}
              <text x={at(x + 6)} y={y + BAR_HEIGHT / 2 + 5}>
                {formatPence(total(row), { pence: 'auto' })}
              </text>
            </g>
          )
        })}
      </svg>
      <figcaption>
        <FiguresTable title={title} rowHeader={rowHeader} series={series} rows={rows} cell={(row, key) => formatPence(row.values[key as K])} />
      </figcaption>
    </figure>
  )
}

export interface TimePoint {
  /** "2026-11" */
  label: string
  values: Record<string, number>
}

/** Lines of running totals over time (e.g. committed and paid by month), with a table of the same figures. */
export function LineChart({
  title,
  description,
  series,
  points,
  periodHeader,
}: {
  title: string
  description: string
  series: ChartSeries<string>[]
  points: TimePoint[]
  periodHeader: string
}) {
  const id = useId()
  const left = 90
  const top = LEGEND_HEIGHT + 10
  const plotWidth = WIDTH - left - 30
  const plotHeight = 220
  const max = Math.max(1, ...points.flatMap((p) => series.map((s) => p.values[s.key] ?? 0)))
  const x = (i: number) => left + (points.length === 1 ? plotWidth / 2 : (i / (points.length - 1)) * plotWidth)
  const y = (v: number) => top + plotHeight - (v / max) * plotHeight
  // React's ids look like ":R1:"; a url(#...) reference is safest without the colons.
  const markerId = `dots${id.replace(/[^A-Za-z0-9_-]/g, '')}`
  return (
    <figure className="chart">
      <svg role="img" aria-labelledby={`${id}-title ${id}-desc`} viewBox={`0 0 ${WIDTH} ${top + plotHeight + 40}`} width="100%" preserveAspectRatio="xMinYMin meet">
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{description}</desc>
        <Legend series={series} y={4} />
        <line x1={left} y1={top + plotHeight} x2={left + plotWidth} y2={top + plotHeight} />
        <line x1={left} y1={top} x2={left} y2={top + plotHeight} />
        <text x={left - 8} y={top + 5} className="axis end">
          {formatPence(max, { pence: 'auto' })}
        </text>
        <text x={left - 8} y={top + plotHeight} className="axis end">
          £0
        </text>
        {points.map((p, i) => (
          <text key={p.label} x={at(x(i))} y={top + plotHeight + 20} className="axis middle">
            {p.label}
          </text>
        ))}
        {/* A dot at every point: one marker per series, drawn by the browser at each vertex of the line (an element per
            point cost as much to render as the rest of the chart). */}
        <defs>
          {series.map((s, i) => (
            <marker key={s.key} id={`${markerId}-${i}`} viewBox="0 0 8 8" refX="4" refY="4" markerWidth="8" markerHeight="8" markerUnits="userSpaceOnUse">
              <circle cx="4" cy="4" r="4" fill={s.fill} />
            </marker>
          ))}
        </defs>
        {series.map((s, i) => {
          const dot = `url(#${markerId}-${i})`
          return <polyline key={s.key} stroke={s.fill} markerStart={dot} markerMid={dot} markerEnd={dot} points={points.map((p, j) => `${at(x(j))},${at(y(p.values[s.key] ?? 0))}`).join(' ')} />
        })}
      </svg>
      <figcaption>
        <div className="table-wrap">
          <table>
            <caption>{`${title}: the figures`}</caption>
            <thead>
              <tr>
                <th scope="col">{periodHeader}</th>
                {series.map((s) => (
                  <th key={s.key} scope="col" className="num">
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {points.map((p) => (
                <tr key={p.label}>
                  <th scope="row">{p.label}</th>
                  {series.map((s) => (
                    <td key={s.key} className="num">
                      {formatPence(p.values[s.key] ?? 0)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </figcaption>
    </figure>
  )
}

export interface BarRow<K extends string> {
  label: string
  values: Record<K, number>
  /** The row's own scale (e.g. a measure's range, 3 to 9); the chart's largest value and 0 otherwise. */
  scale?: { min: number; max: number }
  /** Shown after the row's label in the table, e.g. "(lower is better)". */
  note?: string
}

const formatValue = (value: number, format: 'count' | 'decimal' | 'money') =>
  format === 'money' ? formatPence(value) : format === 'decimal' ? value.toFixed(2) : new Intl.NumberFormat('en-GB').format(value)

/**
 * Horizontal bars, one per series side by side in each row (e.g. before and after per measure, or people per
 * referral route), each bar labelled with its value, with a table of the same figures (and any extra columns).
 * A row with its own scale is drawn from its minimum to its maximum, and the scale is printed beside it.
 */
export function BarChart<K extends string>({
  title,
  description,
  series,
  rows,
  rowHeader,
  format = 'count',
  extraColumns = [],
}: {
  title: string
  description: string
  series: ChartSeries<K>[]
  rows: BarRow<K>[]
  rowHeader: string
  format?: 'count' | 'decimal' | 'money'
  extraColumns?: Array<{ header: string; values: string[] }>
}) {
  const id = useId()
  const barHeight = series.length > 1 ? 18 : BAR_HEIGHT
  const rowHeight = barHeight * series.length + GAP + (rows.some((r) => r.scale) ? 14 : 0)
  const legend = series.length > 1 ? LEGEND_HEIGHT : 8
  const plot = WIDTH - LABEL_WIDTH - 90
  const max = Math.max(1, ...rows.flatMap((r) => series.map((s) => r.values[s.key])))
  const height = legend + rows.length * rowHeight + 6
  return (
    <figure className="chart">
      <svg role="img" aria-labelledby={`${id}-title ${id}-desc`} viewBox={`0 0 ${WIDTH} ${height}`} width="100%" preserveAspectRatio="xMinYMin meet">
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{description}</desc>
        {series.length > 1 ? <Legend series={series} y={4} /> : null}
        {rows.map((row, r) => {
          const y = legend + r * rowHeight
          const min = row.scale?.min ?? 0
          const top = row.scale?.max ?? max
          return (
            <g key={`${row.label}-${r}`}>
              <text x={LABEL_WIDTH - 8} y={y + (barHeight * series.length) / 2 + 5} className="end">
                {row.label.length > 30 ? `${row.label.slice(0, 29)}…` : row.label}
              </text>
              {series.map((s, i) => {
                const value = row.values[s.key]
                const w = Math.max(0, Math.min(1, (value - min) / Math.max(1e-9, top - min))) * plot
                const by = y + i * barHeight
                return (
                  <g key={s.key}>
                    <rect x={LABEL_WIDTH} y={by} width={at(Math.max(w, 0.5))} height={barHeight - 3} fill={s.fill} />
                    <text x={at(LABEL_WIDTH + w + 6)} y={by + barHeight / 2 + 3} className="axis">
                      {formatValue(value, format)}
                    </text>
                  </g>
                )
              })}
              {row.scale ? (
                <text x={LABEL_WIDTH} y={y + barHeight * series.length + 10} className="note">
                  {`Scale ${row.scale.min} to ${row.scale.max}${row.note ? ` ${row.note}` : ''}`}
                </text>
              ) : null}
            </g>
          )
        })}
      </svg>
      <figcaption>
        <FiguresTable title={title} rowHeader={rowHeader} series={series} rows={rows} cell={(row, key) => formatValue(row.values[key as K], format)} extraColumns={extraColumns} />
      </figcaption>
    </figure>
  )
}

/** The table under every chart: one row per bar, one column per series (and any extra columns), for screen readers and for anyone who wants the numbers. */
function FiguresTable<R extends { label: string; note?: string; values: Record<string, number> }>({
  title,
  rowHeader,
  series,
  rows,
  cell,
  extraColumns = [],
}: {
  title: string
  rowHeader: string
  series: ReadonlyArray<{ key: string; label: string }>
  rows: readonly R[]
  cell: (row: R, key: string) => string
  extraColumns?: ReadonlyArray<{ header: string; values: readonly string[] }>
}) {
  return (
    <div className="table-wrap">
      <table>
        <caption>{`${title}: the figures`}</caption>
        <thead>
          <tr>
            <th scope="col">{rowHeader}</th>
            {series.map((s) => (
              <th key={s.key} scope="col" className="num">
                {s.label}
              </th>
            ))}
            {extraColumns.map((c) => (
              <th key={c.header} scope="col" className="num">
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, r) => (
            <tr key={`${row.label}-${r}`}>
              <th scope="row">
                {row.label}
                {row.note ? ` ${row.note}` : ''}
              </th>
              {series.map((s) => (
                <td key={s.key} className="num">
                  {cell(row, s.key)}
                </td>
              ))}
              {extraColumns.map((c) => (
                <td key={c.header} className="num">
                  {c.values[r]}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
