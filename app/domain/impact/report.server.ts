/**
 * The impact report PDF: the values, tables and charts the layout (templates/pdf/impact-report.ts) is filled from,
 * worded as on the /impact page (format.ts), and the report itself for a scope.
 */
import { formatPence } from '~/lib/money.ts'
import { renderPdf, type PdfData } from '~/lib/pdf.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { impactReportLayout } from '../../../templates/pdf/impact-report.ts'
import { MEASURE_BY_CODE, SWEMWBS_COPYRIGHT } from '../returns/measures.ts'
import { directionText, formatChange, formatCount, formatInterval, formatScore, sroiInputRows } from './format.ts'
import { impactRollUp, type ImpactAccess, type ImpactRollUp } from './rollup.server.ts'
import type { ImpactScope } from './scope.ts'
import { sroiForRollUp, type ScopeSroi } from './sroi.server.ts'
import { SROI_SOURCES, valuePerPound } from './sroi.ts'

function longDate(date: Date): string {
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' }).format(date)
}

const shortLabel = (label: string) => label.replace(/ \(.*$/, '')

export function impactReportData(r: ImpactRollUp, sroi: ScopeSroi, generatedAt: Date): PdfData {
  const paid = r.sharePaidPence === null ? formatPence(r.paidPence) : `${formatPence(r.paidPence)} (of which ${formatPence(r.sharePaidPence)} from the contributions in this report)`
  return {
    values: {
      scopeLabel: r.scopeLabel,
      peopleReached: formatCount(r.peopleReached),
      sessionsDelivered: formatCount(r.sessionsDelivered),
      awards: formatCount(r.awards),
      acceptedReturns: formatCount(r.acceptedReturns),
      paid,
      supportedBy: r.supportedBy.length ? r.supportedBy.join(', ') : 'none yet',
      countingNote:
        'Only returns a fund manager has accepted are counted; each return reports its own period. People and outcomes of an award funded by several funders count in full for each of them; money is counted by each funder’s share.',
      swemwbsCopyright: r.swemwbs ? SWEMWBS_COPYRIGHT : ' ',
      sroiSentence: sroi.sentence,
      sroiMethod: SROI_SOURCES.method,
      sroiDefaults: SROI_SOURCES.defaults,
      sroiContext: SROI_SOURCES.context,
      generatedOn: longDate(generatedAt),
    },
    tables: {
      measures: r.measures.map((m) => ({
        label: m.label,
        direction: directionText(m.measure),
        n: formatCount(m.n),
        before: formatScore(m.meanBefore),
        after: formatScore(m.meanAfter),
        change: formatChange(m.meanChange),
        ci: formatInterval(m.ci95),
        verdict: m.verdict,
      })),
      referrals: r.referralTotal ? r.referrals.map((x) => ({ label: x.label, count: formatCount(x.count), percent: `${x.percent}%` })) : [],
      places: r.byPlace.map((p) => ({ place: p.placeName, people: formatCount(p.peopleReached), awards: formatCount(p.awards) })),
      sroiInputs: sroi.funds.flatMap((f) => sroiInputRows(f.inputs).map((row) => ({ fund: f.fundName, label: row.label, value: row.value }))),
      sroiSteps: sroi.funds.flatMap((f) => f.lines.map((l) => ({ fund: f.fundName, measure: shortLabel(l.label), steps: `${l.steps.join('; ')}.` }))),
      sroiFunds: sroi.funds.map((f) => {
        const perPound = valuePerPound(f.valuePence, f.paidPence)
        return {
          fund: f.fundName,
          basis: f.isDefault ? 'Illustrative defaults' : 'Set by the fund',
          value: formatPence(f.valuePence),
          paid: formatPence(f.paidPence),
          perPound: perPound === null ? 'nothing paid' : formatPence(perPound),
        }
      }),
    },
    charts: {
      beforeAfter: {
        series: [
          { label: 'Before', colour: '#b1b4b6' },
          { label: 'After', colour: '#1d5c9e' },
        ],
        groups: r.measures.map((m) => ({
          label: shortLabel(m.label),
          values: [m.meanBefore, m.meanAfter],
          texts: [formatScore(m.meanBefore), formatScore(m.meanAfter)],
          scale: { min: MEASURE_BY_CODE[m.measure].min, max: MEASURE_BY_CODE[m.measure].max },
          note: MEASURE_BY_CODE[m.measure].lowerIsBetter ? '(lower is better)' : '(higher is better)',
        })),
      },
      referrals: {
        series: [{ label: 'People', colour: '#1d4e3f' }],
        groups: r.referralTotal ? r.referrals.map((x) => ({ label: x.label, values: [x.count], texts: [`${formatCount(x.count)} (${x.percent}%)`] })) : [],
      },
      places: {
        series: [{ label: 'People reached', colour: '#1d4e3f' }],
        groups: r.byPlace.map((p) => ({ label: p.placeName, values: [p.peopleReached], texts: [formatCount(p.peopleReached)] })),
      },
    },
  }
}

/** The impact report PDF for a scope (and a funder viewer's reach). Throws NotFoundError for an unknown scope. */
export async function impactReportPdf(db: Db, scope: ImpactScope, access: ImpactAccess = {}, generatedAt = new Date()): Promise<{ pdf: Buffer; scopeLabel: string }> {
  const rollUp = await impactRollUp(db, scope, access)
  const sroi = await sroiForRollUp(db, rollUp)
  return { pdf: await renderPdf(impactReportLayout, impactReportData(rollUp, sroi, generatedAt)), scopeLabel: rollUp.scopeLabel }
}
