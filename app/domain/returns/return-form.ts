/**
 * What an impact return holds, the rules its values must meet, and the form that collects it. Isomorphic: the return
 * page, its server-side parsing and the domain (saveReturnDraft, submitReturn) share one set of rules, so a value the
 * page refuses is refused the same way when the seed or a script calls the domain directly.
 *
 * The short form (small grants) asks for people reached, sessions, referral routes, at most one set of outcome
 * measures, a short story, the total spent and plans. The full form adds demographics, spend against each line of the
 * approved budget (with a reason for any line more than 10% over or under), match funding received, photos with the
 * consent of the people in them, and every measure.
 *
 * Field names are stable (the browser journey and the error summary use them):
 *   peopleReached, sessionsDelivered, referral-<route>, demo-<dimension>-<category>,
 *   <instrument>Basis (none | participants | cohort), scores-<measure>, n-<measure>, meanBefore-<measure>,
 *   meanAfter-<measure>, sdChange-<measure>, spentTotal, spendLines[i].line / .spent / .reason, matchFunding,
 *   story, plans, photos[i].file / .caption / .consent, removePhoto, intent (save | submit).
 */
import { z } from 'zod'
import { formatPence, parsePounds } from '~/lib/money.ts'
import { DEMOGRAPHICS, MEASURE_BY_CODE, REFERRAL_ROUTES, swemwbsMetric, type DemographicDimension, type Measure, type MeasureCode } from './measures.ts'
import type { ReturnForm } from './return-schedule.ts'

// ---------------------------------------------------------------- instruments

export type Instrument = 'ons4' | 'ucla3' | 'swemwbs'
export type Basis = 'participants' | 'cohort'

export const INSTRUMENTS: ReadonlyArray<{ code: Instrument; label: string; measures: readonly MeasureCode[]; scoresHint: string }> = [
  {
    code: 'ons4',
    label: 'ONS4 personal wellbeing',
    measures: ['ons4_life_satisfaction', 'ons4_worthwhile', 'ons4_happy', 'ons4_anxious'],
    scoresHint: 'Each question is scored 0 to 10. For anxiety, lower is better.',
  },
  { code: 'ucla3', label: 'UCLA 3-item loneliness', measures: ['ucla3'], scoresHint: 'The total of the three questions, 3 to 9. Lower is better.' },
  { code: 'swemwbs', label: 'SWEMWBS mental wellbeing', measures: ['swemwbs'], scoresHint: 'The raw total of the seven questions, 7 to 35. We convert it to the metric score.' },
]

export const INSTRUMENT_BY_CODE = Object.fromEntries(INSTRUMENTS.map((i) => [i.code, i])) as Record<Instrument, (typeof INSTRUMENTS)[number]>

/** What a participant's score is entered as: SWEMWBS as the raw total (7-35), the others as the measure itself. */
export function entryRange(code: MeasureCode): { min: number; max: number } {
  return code === 'swemwbs' ? { min: 7, max: 35 } : { min: MEASURE_BY_CODE[code].min, max: MEASURE_BY_CODE[code].max }
}

// ---------------------------------------------------------------- data

export interface ScorePair {
  before: number
  after: number
}

export interface CohortSummary {
  n: number
  meanBefore: number
  meanAfter: number
  sdChange: number
}

export interface InstrumentData {
  basis: Basis
  /** Per participant, as entered (SWEMWBS raw 7-35). */
  participants?: Partial<Record<MeasureCode, ScorePair[]>>
  /** Cohort summaries (SWEMWBS as metric scores). */
  cohort?: Partial<Record<MeasureCode, CohortSummary>>
}

export interface SpendLine {
  /** The line's number in the approved budget (1-based). */
  line: number
  spentPence: number | null
  reason: string | null
}

export interface ReturnPhoto {
  documentId: number
  filename: string
  caption: string
  consent: true
}

/** What the group reports. Every part may be missing in a draft; submitReturn needs what returnProblems says. */
export interface ReturnData {
  peopleReached: number | null
  sessionsDelivered: number | null
  referrals: Partial<Record<string, number>>
  demographics: Partial<Record<DemographicDimension, Partial<Record<string, number>>>>
  outcomes: Partial<Record<Instrument, InstrumentData>>
  /** The total spent (short form, or a full form whose application had no budget table). */
  spentPence: number | null
  spendLines: SpendLine[]
  matchFundingPence: number | null
  story: string
  plans: string
}

/** A return as stored (returns.data and return_versions.data): the data and the photos kept with it. */
export interface StoredReturnData extends ReturnData {
  photos: ReturnPhoto[]
}

export function emptyReturnData(): ReturnData {
  return { peopleReached: null, sessionsDelivered: null, referrals: {}, demographics: {}, outcomes: {}, spentPence: null, spendLines: [], matchFundingPence: null, story: '', plans: '' }
}

/** Reads stored JSON, tolerating older or partial shapes. */
export function readReturnData(json: string | null | undefined): StoredReturnData {
  let value: Partial<StoredReturnData> = {}
  try {
    const parsed: unknown = JSON.parse(json || '{}')
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) value = parsed as Partial<StoredReturnData>
  } catch {
    value = {}
  }
  return { ...emptyReturnData(), photos: [], ...value }
}

export interface BudgetLineRef {
  /** 1-based */
  line: number
  description: string
  amountPence: number
}

/** What the rules depend on: the form, whether SWEMWBS is licensed for the round, the approved budget lines. */
export interface ReturnContext {
  form: ReturnForm
  swemwbsEnabled: boolean
  budgetLines: BudgetLineRef[]
}

export interface ReturnProblem {
  field: string
  message: string
}

export const MAX_STORY = 5000
export const MAX_PLANS = 3000
export const MAX_CAPTION = 300
export const MAX_PHOTOS = 10
/** A line's spend needs a reason when it differs from its budget by more than this share (10%). */
export const VARIANCE_PERCENT = 10

/** True when spent differs from budget by more than 10% of the budget (integer arithmetic). */
export function needsVarianceReason(budgetPence: number, spentPence: number): boolean {
  return Math.abs(spentPence - budgetPence) * 100 > VARIANCE_PERCENT * budgetPence
}

export function instrumentsAllowed(ctx: Pick<ReturnContext, 'swemwbsEnabled'>): Instrument[] {
  return INSTRUMENTS.map((i) => i.code).filter((c) => c !== 'swemwbs' || ctx.swemwbsEnabled)
}

const referralCodes = new Set<string>(REFERRAL_ROUTES.map((r) => r.code))

function countProblem(value: number | null | undefined, field: string, what: string): ReturnProblem | null {
  if (value === null || value === undefined) return null
  if (!Number.isSafeInteger(value)) return { field, message: `Enter ${what} as a whole number` }
  if (value < 0) return { field, message: `${capitalise(what)} cannot be below zero` }
  return null
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}

function inRange(m: Measure, code: MeasureCode, v: number, integer: boolean): boolean {
  const { min, max } = code === 'swemwbs' && integer ? entryRange(code) : m
  return Number.isFinite(v) && v >= min && v <= max && (!integer || Number.isInteger(v))
}

function outcomeProblems(data: ReturnData, ctx: ReturnContext): ReturnProblem[] {
  const problems: ReturnProblem[] = []
  const allowed = instrumentsAllowed(ctx)
  const used = (Object.keys(data.outcomes) as Instrument[]).filter((k) => data.outcomes[k])
  for (const code of used) {
    if (!allowed.includes(code)) {
      problems.push({ field: `${code}Basis`, message: code === 'swemwbs' ? 'SWEMWBS is not switched on for this round' : 'Choose a measure from the list' })
    }
  }
  if (ctx.form === 'short' && used.length > 1) {
    problems.push({ field: `${used[1]}Basis`, message: 'The short form takes one set of outcome measures: choose either ONS4 or UCLA-3 and leave the other as not used' })
  }
  for (const code of used) {
    if (!allowed.includes(code)) continue
    const entry = data.outcomes[code]!
    const instrument = INSTRUMENT_BY_CODE[code]
    let given = 0
    for (const measureCode of instrument.measures) {
      const m = MEASURE_BY_CODE[measureCode]
      if (entry.basis === 'participants') {
        const pairs = entry.participants?.[measureCode] ?? []
        if (pairs.length) given++
        const { min, max } = entryRange(measureCode)
        for (const [i, p] of pairs.entries()) {
          for (const [which, v] of [['before', p.before], ['after', p.after]] as const) {
            if (!inRange(m, measureCode, v, true)) {
              problems.push({ field: `scores-${measureCode}`, message: `${shortName(m)}, person ${i + 1}: the score ${which} (${v}) must be a whole number from ${min} to ${max}` })
              break
            }
          }
          if (problems.some((pr) => pr.field === `scores-${measureCode}`)) break
        }
      } else {
        const c = entry.cohort?.[measureCode]
        if (!c) continue
        given++
        if (!Number.isSafeInteger(c.n) || c.n < 1) problems.push({ field: `n-${measureCode}`, message: `${shortName(m)}: the number of people must be a whole number of 1 or more` })
        if (!inRange(m, measureCode, c.meanBefore, false)) problems.push({ field: `meanBefore-${measureCode}`, message: `${shortName(m)}: the average before must be from ${m.min} to ${m.max}` })
        if (!inRange(m, measureCode, c.meanAfter, false)) problems.push({ field: `meanAfter-${measureCode}`, message: `${shortName(m)}: the average after must be from ${m.min} to ${m.max}` })
        if (!Number.isFinite(c.sdChange) || c.sdChange < 0) problems.push({ field: `sdChange-${measureCode}`, message: `${shortName(m)}: the standard deviation of the change cannot be below zero` })
      }
    }
    if (given === 0) {
      problems.push({ field: entry.basis === 'participants' ? `scores-${instrument.measures[0]}` : `n-${instrument.measures[0]}`, message: `Enter the ${instrument.label} scores, or choose “We did not use it”` })
    }
  }
  return problems
}

/** The measure's name without its range, for messages: "Life satisfaction (ONS4)". */
export function shortName(m: Measure): string {
  return m.label.replace(/,[^)]*\)/, ')')
}

/**
 * Everything wrong with a return's values, each against the form field it belongs to. A draft may leave things out;
 * `submit` also needs the required answers. Values that are there must be right either way (an ONS4 of 11 is never
 * saved).
 */
export function returnProblems(data: ReturnData, ctx: ReturnContext, mode: 'draft' | 'submit'): ReturnProblem[] {
  const problems: ReturnProblem[] = []
  const push = (p: ReturnProblem | null) => {
    if (p) problems.push(p)
  }
  const submitting = mode === 'submit'
  push(countProblem(data.peopleReached, 'peopleReached', 'the number of people reached'))
  if (submitting && data.peopleReached === null) push({ field: 'peopleReached', message: 'Enter the number of people reached' })
  push(countProblem(data.sessionsDelivered, 'sessionsDelivered', 'the number of sessions delivered'))
  if (submitting && data.sessionsDelivered === null) push({ field: 'sessionsDelivered', message: 'Enter the number of sessions delivered' })

  for (const [code, count] of Object.entries(data.referrals)) {
    if (!referralCodes.has(code)) push({ field: `referral-${code}`, message: `There is no referral route called “${code}”` })
    else push(countProblem(count, `referral-${code}`, `the number referred by ${REFERRAL_ROUTES.find((r) => r.code === code)!.label.toLowerCase()}`))
  }
  if (submitting && data.peopleReached !== null) {
    const referred = Object.values(data.referrals).reduce<number>((s, n) => s + (n ?? 0), 0)
    if (referred > data.peopleReached) push({ field: `referral-${REFERRAL_ROUTES[0].code}`, message: `The referral routes add up to ${referred}, more than the ${data.peopleReached} people reached` })
  }

  for (const [dimension, counts] of Object.entries(data.demographics) as Array<[DemographicDimension, Partial<Record<string, number>>]>) {
    const def = DEMOGRAPHICS[dimension]
    if (!def) {
      push({ field: `demo-${dimension}`, message: `There is no question called “${dimension}”` })
      continue
    }
    let total = 0
    for (const [category, count] of Object.entries(counts ?? {})) {
      const cat = def.categories.find((c) => c.code === category)
      if (!cat) push({ field: `demo-${dimension}-${category}`, message: `${def.label}: there is no group called “${category}”` })
      else push(countProblem(count, `demo-${dimension}-${category}`, `the number of people (${def.label.toLowerCase()}: ${cat.label.toLowerCase()})`))
      total += count ?? 0
    }
    if (submitting && data.peopleReached !== null && total > data.peopleReached) {
      push({ field: `demo-${dimension}-${def.categories[0].code}`, message: `${def.label}: the groups add up to ${total}, more than the ${data.peopleReached} people reached` })
    }
  }

  problems.push(...outcomeProblems(data, ctx))

  const lines = new Map(ctx.budgetLines.map((l) => [l.line, l]))
  const seen = new Set<number>()
  for (const [i, s] of data.spendLines.entries()) {
    const line = lines.get(s.line)
    if (!line) {
      push({ field: `spendLines[${i}].spent`, message: `There is no line ${s.line} in your approved budget` })
      continue
    }
    if (seen.has(s.line)) push({ field: `spendLines[${i}].spent`, message: `Budget line ${s.line} is given twice` })
    seen.add(s.line)
    if (s.spentPence !== null && (!Number.isSafeInteger(s.spentPence) || s.spentPence < 0)) push({ field: `spendLines[${i}].spent`, message: `The amount spent on ${line.description} cannot be below £0` })
    if (submitting && s.spentPence === null) push({ field: `spendLines[${i}].spent`, message: `Enter the amount spent on ${line.description}` })
    if (submitting && s.spentPence !== null && s.spentPence >= 0 && needsVarianceReason(line.amountPence, s.spentPence) && !(s.reason ?? '').trim()) {
      push({ field: `spendLines[${i}].reason`, message: `Say why the spend on ${line.description} (${formatPence(s.spentPence)}) differs from the budget (${formatPence(line.amountPence)}) by more than ${VARIANCE_PERCENT}%` })
    }
    if ((s.reason ?? '').length > 1000) push({ field: `spendLines[${i}].reason`, message: 'The reason must be 1,000 characters or fewer' })
  }
  const itemised = ctx.form === 'full' && ctx.budgetLines.length > 0
  if (submitting && itemised) {
    for (const line of ctx.budgetLines) {
      if (!seen.has(line.line)) push({ field: `spendLines[${line.line - 1}].spent`, message: `Enter the amount spent on ${line.description}` })
    }
  }
  if (data.spentPence !== null && (!Number.isSafeInteger(data.spentPence) || data.spentPence < 0)) push({ field: 'spentTotal', message: 'The amount spent cannot be below £0' })
  if (submitting && !itemised && data.spentPence === null) push({ field: 'spentTotal', message: 'Enter how much of the grant you have spent' })
  if (data.matchFundingPence !== null && (!Number.isSafeInteger(data.matchFundingPence) || data.matchFundingPence < 0)) push({ field: 'matchFunding', message: 'Match funding cannot be below £0' })
  if (submitting && ctx.form === 'full' && data.matchFundingPence === null) push({ field: 'matchFunding', message: 'Enter the match funding you received (£0 if none)' })

  if (data.story.length > MAX_STORY) push({ field: 'story', message: `Your story must be ${MAX_STORY.toLocaleString('en-GB')} characters or fewer` })
  if (submitting && !data.story.trim()) push({ field: 'story', message: 'Tell us a story of what the grant made possible' })
  if (data.plans.length > MAX_PLANS) push({ field: 'plans', message: `Your plans must be ${MAX_PLANS.toLocaleString('en-GB')} characters or fewer` })
  if (submitting && !data.plans.trim()) push({ field: 'plans', message: 'Tell us your plans for the next period' })
  return problems
}

/** The amount a return reports as spent: the total, or the sum of the budget lines when itemised. */
export function spentOf(data: ReturnData): number | null {
  if (data.spendLines.length && data.spendLines.every((l) => l.spentPence !== null)) return data.spendLines.reduce((s, l) => s + (l.spentPence ?? 0), 0)
  return data.spentPence
}

/** Participant scores ready for the statistics: SWEMWBS raw totals converted to metric scores. */
export function scoresForStatistics(code: MeasureCode, pairs: readonly ScorePair[]): ScorePair[] {
  return code === 'swemwbs' ? pairs.map((p) => ({ before: swemwbsMetric(p.before), after: swemwbsMetric(p.after) })) : [...pairs]
}

// ---------------------------------------------------------------- the form

export const RETURN_INTENTS = ['save', 'submit'] as const
export type ReturnIntent = (typeof RETURN_INTENTS)[number]

/** Labels for the error summary (field name -> what the page calls it). */
export function returnFieldLabels(ctx: ReturnContext): Record<string, string> {
  const labels: Record<string, string> = { peopleReached: 'People reached', sessionsDelivered: 'Sessions delivered' }
  for (const r of REFERRAL_ROUTES) labels[`referral-${r.code}`] = r.label
  for (const [dim, def] of Object.entries(DEMOGRAPHICS)) for (const c of def.categories) labels[`demo-${dim}-${c.code}`] = `${def.label}: ${c.label}`
  for (const i of INSTRUMENTS) {
    labels[`${i.code}Basis`] = i.label
    for (const code of i.measures) {
      const name = shortName(MEASURE_BY_CODE[code])
      labels[`scores-${code}`] = code === 'swemwbs' ? 'Mental wellbeing (SWEMWBS): each person’s raw totals' : `${name}: each person’s scores`
      labels[`n-${code}`] = `${name}: number of people`
      labels[`meanBefore-${code}`] = `${name}: average before`
      labels[`meanAfter-${code}`] = `${name}: average after`
      labels[`sdChange-${code}`] = `${name}: standard deviation of the change`
    }
  }
  labels.spentTotal = 'Amount spent'
  for (const l of ctx.budgetLines) {
    labels[`spendLines[${l.line - 1}].spent`] = `Spent on ${l.description}`
    labels[`spendLines[${l.line - 1}].reason`] = `Reason for the difference on ${l.description}`
  }
  labels.matchFunding = 'Match funding received'
  labels.story = 'Your story'
  labels.plans = 'Plans for the next period'
  for (let i = 0; i < MAX_PHOTOS; i++) {
    labels[`photos[${i}].file`] = `Photo ${i + 1}`
    labels[`photos[${i}].consent`] = `Consent for photo ${i + 1}`
    labels[`photos[${i}].caption`] = `Caption for photo ${i + 1}`
  }
  return labels
}

type Raw = Record<string, unknown>

function text(raw: Raw, name: string): string | undefined {
  const v = raw[name]
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined
}

/** Turns a field path like "spendLines[0].spent" into zod's path ["spendLines", 0, "spent"]. */
export function fieldPath(name: string): Array<string | number> {
  return name.split(/[.[\]]+/).filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p))
}

function readRaw(raw: Raw, name: string): unknown {
  let value: unknown = raw
  for (const part of fieldPath(name)) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<string | number, unknown>)[part]
  }
  return value
}

/** "5, 7" per line -> pairs; the problem names the line a volunteer has to fix. */
export function parseScoreLines(input: string, m: Measure, code: MeasureCode): { pairs: ScorePair[] } | { problem: string } {
  const pairs: ScorePair[] = []
  const lines = input.split(/\r?\n/).map((l) => l.trim()).filter(Boolean)
  for (const [i, line] of lines.entries()) {
    const parts = line.split(/[\s,;]+/).filter(Boolean)
    const nums = parts.map(Number)
    if (parts.length !== 2 || nums.some((n) => !Number.isFinite(n))) {
      return { problem: `${shortName(m)}, line ${i + 1}: enter two scores, before and after, like “5, 7”` }
    }
    const { min, max } = entryRange(code)
    for (const [which, v] of [['before', nums[0]], ['after', nums[1]]] as const) {
      if (!Number.isInteger(v) || v < min || v > max) return { problem: `${shortName(m)}, person ${i + 1}: the score ${which} (${parts[which === 'before' ? 0 : 1]}) must be a whole number from ${min} to ${max}` }
    }
    pairs.push({ before: nums[0], after: nums[1] })
  }
  return { pairs }
}

/**
 * Parses the submitted form (Conform's payload, values as strings) into ReturnData, collecting a message for each
 * field that is not a number or an amount where one is needed. The rules themselves come after (returnProblems).
 */
export function readReturnForm(raw: Raw, ctx: ReturnContext): { data: ReturnData; problems: ReturnProblem[] } {
  const problems: ReturnProblem[] = []
  const whole = (name: string, what: string): number | null => {
    const v = text(raw, name)
    if (v === undefined) return null
    if (!/^-?\d+$/.test(v.replace(/,/g, ''))) {
      problems.push({ field: name, message: `Enter ${what} as a whole number` })
      return null
    }
    return Number(v.replace(/,/g, ''))
  }
  const decimal = (name: string, what: string): number | null => {
    const v = text(raw, name)
    if (v === undefined) return null
    const n = Number(v)
    if (!Number.isFinite(n)) {
      problems.push({ field: name, message: `Enter ${what} as a number` })
      return null
    }
    return n
  }
  const money = (name: string, label: string): number | null => {
    const v = typeof readRaw(raw, name) === 'string' ? (readRaw(raw, name) as string).trim() : ''
    if (v === '') return null
    if (/^-/.test(v.replace(/^£/, '')) || /^£?\s*-/.test(v)) {
      problems.push({ field: name, message: `The ${label} cannot be below £0` })
      return null
    }
    const parsed = parsePounds(v, { label })
    if (!parsed.ok) {
      problems.push({ field: name, message: parsed.message })
      return null
    }
    return parsed.pence
  }
  const data = emptyReturnData()
  data.peopleReached = whole('peopleReached', 'the number of people reached')
  data.sessionsDelivered = whole('sessionsDelivered', 'the number of sessions delivered')
  for (const r of REFERRAL_ROUTES) {
    const n = whole(`referral-${r.code}`, `the number referred by ${r.label.toLowerCase()}`)
    if (n !== null) data.referrals[r.code] = n
  }
  for (const key of Object.keys(raw)) {
    if (key.startsWith('referral-') && !REFERRAL_ROUTES.some((r) => `referral-${r.code}` === key) && text(raw, key) !== undefined) {
      problems.push({ field: key, message: `There is no referral route called “${key.slice('referral-'.length)}”` })
    }
  }
  if (ctx.form === 'full') {
    for (const [dim, def] of Object.entries(DEMOGRAPHICS) as Array<[DemographicDimension, (typeof DEMOGRAPHICS)[DemographicDimension]]>) {
      for (const c of def.categories) {
        const n = whole(`demo-${dim}-${c.code}`, `the number of people (${def.label.toLowerCase()}: ${c.label.toLowerCase()})`)
        if (n !== null) (data.demographics[dim] ??= {})[c.code] = n
      }
    }
  }
  for (const instrument of INSTRUMENTS) {
    const basis = text(raw, `${instrument.code}Basis`) ?? 'none'
    if (basis === 'none') continue
    if (basis !== 'participants' && basis !== 'cohort') {
      problems.push({ field: `${instrument.code}Basis`, message: `Choose how you give the ${instrument.label} scores` })
      continue
    }
    const entry: InstrumentData = { basis }
    for (const code of instrument.measures) {
      const m = MEASURE_BY_CODE[code]
      if (basis === 'participants') {
        const scores = text(raw, `scores-${code}`)
        if (scores === undefined) continue
        const parsed = parseScoreLines(scores, m, code)
        if ('problem' in parsed) problems.push({ field: `scores-${code}`, message: parsed.problem })
        else (entry.participants ??= {})[code] = parsed.pairs
      } else {
        const name = shortName(m)
        const n = whole(`n-${code}`, `${name}: the number of people`)
        const meanBefore = decimal(`meanBefore-${code}`, `${name}: the average before`)
        const meanAfter = decimal(`meanAfter-${code}`, `${name}: the average after`)
        const sdChange = decimal(`sdChange-${code}`, `${name}: the standard deviation of the change`)
        const filled = [n, meanBefore, meanAfter, sdChange].filter((v) => v !== null).length
        if (filled === 0) continue
        if (filled < 4) {
          const missing = n === null ? `n-${code}` : meanBefore === null ? `meanBefore-${code}` : meanAfter === null ? `meanAfter-${code}` : `sdChange-${code}`
          if (!problems.some((p) => p.field === missing)) problems.push({ field: missing, message: `${name}: give the number of people, both averages and the standard deviation of the change` })
          continue
        }
        ;(entry.cohort ??= {})[code] = { n: n!, meanBefore: meanBefore!, meanAfter: meanAfter!, sdChange: sdChange! }
      }
    }
    data.outcomes[instrument.code] = entry
  }
  data.spentPence = money('spentTotal', 'amount spent')
  const lines = readRaw(raw, 'spendLines')
  if (Array.isArray(lines)) {
    for (const [i, row] of lines.entries()) {
      if (!row || typeof row !== 'object') continue
      const lineNo = Number((row as Raw).line)
      if (!Number.isSafeInteger(lineNo) || lineNo < 1) {
        problems.push({ field: `spendLines[${i}].spent`, message: `There is no line ${String((row as Raw).line ?? '')} in your approved budget` })
        continue
      }
      const reason = typeof (row as Raw).reason === 'string' ? ((row as Raw).reason as string).trim() : ''
      data.spendLines.push({ line: lineNo, spentPence: money(`spendLines[${i}].spent`, 'amount spent'), reason: reason || null })
    }
  }
  if (ctx.form === 'full') data.matchFundingPence = money('matchFunding', 'match funding received')
  data.story = typeof raw.story === 'string' ? raw.story.trim() : ''
  data.plans = typeof raw.plans === 'string' ? raw.plans.trim() : ''
  return { data, problems }
}

export interface PhotoField {
  /** Index in the form (photos[i]). */
  index: number
  file: File
  caption: string
  consent: boolean
}

/** The photos chosen in the form (files with content), and a message for each without consent or with a long caption. */
export function readPhotoFields(raw: Raw): { photos: PhotoField[]; problems: ReturnProblem[] } {
  const photos: PhotoField[] = []
  const problems: ReturnProblem[] = []
  const list = readRaw(raw, 'photos')
  if (!Array.isArray(list)) return { photos, problems }
  for (const [index, row] of list.entries()) {
    if (!row || typeof row !== 'object') continue
    const r = row as Raw
    const file = r.file
    if (!(typeof File !== 'undefined' && file instanceof File) || file.size === 0) continue
    const caption = typeof r.caption === 'string' ? r.caption.trim() : ''
    const consent = r.consent === 'on' || r.consent === 'true' || r.consent === true
    if (!consent) problems.push({ field: `photos[${index}].consent`, message: `Confirm that everyone in photo ${index + 1} agreed to it being used` })
    if (caption.length > MAX_CAPTION) problems.push({ field: `photos[${index}].caption`, message: `The caption must be ${MAX_CAPTION} characters or fewer` })
    photos.push({ index, file, caption, consent })
  }
  return { photos, problems }
}

/** Form values that put stored data back in the fields (a draft, or a return sent back for changes). */
export function returnFormDefaults(data: ReturnData): Record<string, unknown> {
  const v: Record<string, unknown> = {}
  const num = (n: number | null | undefined) => (n === null || n === undefined ? '' : String(n))
  const pounds = (p: number | null | undefined) => (p === null || p === undefined ? '' : formatPence(p, { pence: 'auto' }))
  v.peopleReached = num(data.peopleReached)
  v.sessionsDelivered = num(data.sessionsDelivered)
  for (const [code, n] of Object.entries(data.referrals)) v[`referral-${code}`] = num(n)
  for (const [dim, counts] of Object.entries(data.demographics)) for (const [cat, n] of Object.entries(counts ?? {})) v[`demo-${dim}-${cat}`] = num(n)
  for (const i of INSTRUMENTS) {
    const entry = data.outcomes[i.code]
    v[`${i.code}Basis`] = entry?.basis ?? 'none'
    for (const code of i.measures) {
      const pairs = entry?.participants?.[code]
      if (pairs) v[`scores-${code}`] = pairs.map((p) => `${p.before}, ${p.after}`).join('\n')
      const c = entry?.cohort?.[code]
      if (c) Object.assign(v, { [`n-${code}`]: num(c.n), [`meanBefore-${code}`]: num(c.meanBefore), [`meanAfter-${code}`]: num(c.meanAfter), [`sdChange-${code}`]: num(c.sdChange) })
    }
  }
  v.spentTotal = pounds(data.spentPence)
  v.spendLines = data.spendLines.map((l) => ({ line: String(l.line), spent: pounds(l.spentPence), reason: l.reason ?? '' }))
  v.matchFunding = pounds(data.matchFundingPence)
  v.story = data.story
  v.plans = data.plans
  return v
}

/** The intent field: save a draft or send the return. */
export const ReturnIntentSchema = z.object({ intent: z.enum(RETURN_INTENTS, { errorMap: () => ({ message: 'Choose to save or send the return' }) }) })

/**
 * The return form's schema for Conform's parseWithZod: reads every field (readReturnForm), applies the rules for
 * saving or sending (returnProblems) and the photos' consent, and reports each problem against its field.
 */
export function returnFormSchema(ctx: ReturnContext) {
  return z.record(z.string(), z.unknown()).transform((raw, zctx) => {
    const intent: ReturnIntent = raw.intent === 'submit' ? 'submit' : 'save'
    const { data, problems } = readReturnForm(raw, ctx)
    const unreadable = new Set(problems.map((p) => p.field))
    const rules = returnProblems(data, ctx, intent === 'submit' ? 'submit' : 'draft').filter((p) => !unreadable.has(p.field))
    const photos = ctx.form === 'full' ? readPhotoFields(raw) : { photos: [], problems: [] }
    const reported = new Set<string>()
    for (const p of [...problems, ...rules, ...photos.problems]) {
      if (reported.has(p.field)) continue
      reported.add(p.field)
      zctx.addIssue({ code: z.ZodIssueCode.custom, path: fieldPath(p.field), message: p.message })
    }
    const remove = raw.removePhoto
    const removePhotoIds = (Array.isArray(remove) ? remove : remove === undefined ? [] : [remove]).map(Number).filter((n) => Number.isSafeInteger(n) && n > 0)
    return { intent, data, photos: photos.photos, removePhotoIds }
  })
}
