/**
 * The offer letter's words and numbers: everything it says, read from the award, its application, organisation,
 * round, fund, tranches (in order), conditions and funders (one line per contribution the award is committed to), and
 * the PDF made from them with templates/pdf/offer-letter.ts (words in templates/offer/offer-letter.md). The same data
 * is stored as awards.offer_terms when the letter is issued, so the page and the re-issued letter say the same.
 */
import { addDays, format, isValid, parseISO } from 'date-fns'
import Mustache from 'mustache'
import { offerLetterLayout, offerLetterSection } from '../../../templates/pdf/offer-letter.ts'
import { ukToday } from '~/domain/places/places.server.ts'
import { formatLondon } from '~/lib/dates.ts'
import type { Db } from '~/lib/db.server.ts'
import { formatPence } from '~/lib/money.ts'
import { renderPdf, type PdfData } from '~/lib/pdf.server.ts'
import { AwardNotFoundError } from './terms.server.ts'

/** Days an organisation has to reply when the fund manager sets no date. */
export const DEFAULT_RESPONSE_DAYS = 28

export interface OfferTranche {
  sequence: number
  amountPence: number
  amount: string
  dueDate: string
  due: string
  /** When it is paid, in words ("Once you accept this offer"). */
  paidWhen: string
}

export interface OfferFunder {
  funderName: string
  potName: string
  amountPence: number
  amount: string
}

/** The merge data of an offer letter; stored as awards.offer_terms when the letter is issued. */
export interface OfferLetterData {
  awardId: number
  awardReference: string
  applicationReference: string
  organisationId: number
  organisationName: string
  organisationAddress: string
  projectTitle: string
  fundName: string
  roundId: number
  roundTitle: string
  amountPence: number
  amount: string
  offerDate: string
  offerDateText: string
  respondBy: string
  respondByText: string
  scheduleKind: string | null
  scheduleSummary: string
  offerUrl: string
  tranches: OfferTranche[]
  conditions: Array<{ sequence: number; text: string }>
  funders: OfferFunder[]
}

export interface AcceptanceRecord {
  name: string
  role: string
  /** ISO instant. */
  acceptedAt: string
  declaration: string
  originalSha256: string
}

const longDate = (date: string) => format(parseISO(date), 'd MMMM yyyy')
export const isRealDate = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value) && isValid(parseISO(value))

function scheduleSummary(kind: string | null, tranches: OfferTranche[]): string {
  if (tranches.length === 1) return 'The grant is paid in one payment.'
  if (kind === 'yearly') {
    return `The grant is paid as ${tranches[0]!.amount} a year for ${tranches.length} years. Each year after the first is paid once we have accepted your report on the year before.`
  }
  return `The grant is paid in ${tranches.length} instalments.`
}

function paidWhen(gate: string, dueText: string, condition: number | undefined, returnLabel: string | undefined): string {
  switch (gate) {
    case 'acceptance':
      return 'Once you have accepted this offer'
    case 'date':
      return `On or after ${dueText}`
    case 'condition':
      return condition ? `Once condition ${condition} is met` : 'Once its condition is met'
    case 'return':
      return returnLabel ? `Once we have accepted your ${returnLabel} report` : 'Once we have accepted your report'
    default:
      return gate
  }
}

/** Everything the letter says, read from the award, its application, organisation, round, fund, tranches, conditions and funders. */
export async function offerLetterData(db: Db, awardId: number, options: { appOrigin: string; offerDate?: string; respondBy?: string | null }): Promise<OfferLetterData> {
  const award = await db
    .selectFrom('awards')
    .innerJoin('applications', 'applications.id', 'awards.application_id')
    .innerJoin('organisations', 'organisations.id', 'awards.organisation_id')
    .innerJoin('rounds', 'rounds.id', 'awards.round_id')
    .innerJoin('funds', 'funds.id', 'rounds.fund_id')
    .select([
      'awards.id',
      'awards.reference',
      'awards.amount_pence',
      'awards.schedule_kind',
      'applications.reference as applicationReference',
      'applications.title as projectTitle',
      'organisations.id as organisationId',
      'organisations.name as organisationName',
      'organisations.address_line_1',
      'organisations.address_line_2',
      'organisations.town',
      'organisations.postcode',
      'rounds.id as roundId',
      'rounds.title as roundTitle',
      'funds.name as fundName',
    ])
    .where('awards.id', '=', awardId)
    .executeTakeFirst()
  if (!award) throw new AwardNotFoundError()
  const [tranches, conditions, returns, commitments] = await Promise.all([
    db.selectFrom('tranches').select(['sequence', 'amount_pence', 'due_date', 'gate', 'gate_ref']).where('award_id', '=', awardId).where('status', '!=', 'cancelled').orderBy('sequence').execute(),
    db.selectFrom('award_conditions').select(['id', 'sequence', 'text']).where('award_id', '=', awardId).orderBy('sequence').execute(),
    db.selectFrom('returns').select(['id', 'period_label']).where('award_id', '=', awardId).execute(),
    db
      .selectFrom('award_commitments')
      .innerJoin('contributions', 'contributions.id', 'award_commitments.contribution_id')
      .innerJoin('funders', 'funders.id', 'contributions.funder_id')
      .innerJoin('pots', 'pots.id', 'contributions.pot_id')
      .select(['funders.name as funderName', 'pots.name as potName', 'award_commitments.amount_pence'])
      .where('award_commitments.award_id', '=', awardId)
      .where('award_commitments.released_at', 'is', null)
      .orderBy('award_commitments.id')
      .execute(),
  ])
  const conditionSequence = new Map(conditions.map((c) => [String(c.id), c.sequence]))
  const returnLabel = new Map(returns.map((r) => [String(r.id), r.period_label]))
  const offerTranches = tranches.map((t): OfferTranche => {
    const due = longDate(t.due_date)
    return {
      sequence: t.sequence,
      amountPence: t.amount_pence,
      amount: formatPence(t.amount_pence),
      dueDate: t.due_date,
      due,
      paidWhen: paidWhen(t.gate, due, t.gate_ref ? conditionSequence.get(t.gate_ref) : undefined, t.gate_ref ? returnLabel.get(t.gate_ref) : undefined),
    }
  })
  const offerDate = options.offerDate ?? ukToday()
  const respondBy = options.respondBy ?? format(addDays(parseISO(offerDate), DEFAULT_RESPONSE_DAYS), 'yyyy-MM-dd')
  return {
    awardId: award.id,
    awardReference: award.reference,
    applicationReference: award.applicationReference,
    organisationId: award.organisationId,
    organisationName: award.organisationName,
    organisationAddress: [award.address_line_1, award.address_line_2, award.town, award.postcode].filter((p) => p && p.trim()).join(', '),
    projectTitle: award.projectTitle,
    fundName: award.fundName,
    roundId: award.roundId,
    roundTitle: award.roundTitle,
    amountPence: award.amount_pence,
    amount: formatPence(award.amount_pence),
    offerDate,
    offerDateText: longDate(offerDate),
    respondBy,
    respondByText: longDate(respondBy),
    scheduleKind: award.schedule_kind,
    scheduleSummary: scheduleSummary(award.schedule_kind, offerTranches),
    offerUrl: `${options.appOrigin}/awards/${award.id}`,
    tranches: offerTranches,
    conditions: conditions.map((c) => ({ sequence: c.sequence, text: c.text })),
    funders: commitments.map((c) => ({ funderName: c.funderName, potName: c.potName, amountPence: c.amount_pence, amount: formatPence(c.amount_pence) })),
  }
}

/** The UK time of an acceptance as the letter and the page print it: "14:05 on 3 December 2026". */
export function acceptanceTime(iso: string): string {
  return formatLondon(iso, "HH:mm 'on' d MMMM yyyy")
}

/** The values and tables renderPdf fills the offer letter layout with. */
export function offerLetterPdfData(data: OfferLetterData, acceptance?: AcceptanceRecord | null): PdfData {
  const values: Record<string, string> = {
    organisationName: data.organisationName,
    organisationAddress: data.organisationAddress,
    awardReference: data.awardReference,
    applicationReference: data.applicationReference,
    amount: data.amount,
    fundName: data.fundName,
    roundTitle: data.roundTitle,
    projectTitle: data.projectTitle,
    offerDate: data.offerDateText,
    respondBy: data.respondByText,
    scheduleSummary: data.scheduleSummary,
    conditionCount: String(data.conditions.length),
    funderCount: String(data.funders.length),
    offerUrl: data.offerUrl,
  }
  if (acceptance) {
    Object.assign(values, {
      acceptedName: acceptance.name,
      acceptedRole: acceptance.role,
      acceptedAt: acceptanceTime(acceptance.acceptedAt),
      declaration: acceptance.declaration,
      originalSha256: acceptance.originalSha256,
    })
  }
  return {
    values,
    tables: {
      tranches: data.tranches.map((t) => ({ sequence: String(t.sequence), amount: t.amount, due: t.due, gate: t.paidWhen })),
      conditions: data.conditions.map((c) => ({ sequence: String(c.sequence), text: c.text })),
      funders: data.funders.map((f) => ({ funderName: f.funderName, potName: f.potName, amount: f.amount })),
    },
  }
}

/** The letter's PDF: the offer, or (with an acceptance) the offer re-issued with its acceptance block. */
export function renderOfferLetter(data: OfferLetterData, acceptance?: AcceptanceRecord | null): Promise<Buffer> {
  return renderPdf(offerLetterLayout({ accepted: !!acceptance }), offerLetterPdfData(data, acceptance))
}

/** The letter's terms and conditions as numbered paragraphs, with the merge fields filled, for the offer page. */
export function offerTermsParagraphs(data: OfferLetterData): string[] {
  const values = offerLetterPdfData(data).values
  return offerLetterSection('6.').map((text) => Mustache.render(text, values, {}, { escape: (v: string) => v }))
}
