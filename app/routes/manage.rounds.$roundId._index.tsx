import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { Checkbox, CheckboxGroup, RadioGroup, TimeField } from '~/components/choice-fields.tsx'
import { ErrorSummary, SubmitButton, TextArea, TextField } from '~/components/forms.tsx'
import { RoundRulesSchema, describeAmounts } from '~/domain/funds/round-rules.ts'
import { getRoundView, phaseOf, RoundInputError, RoundNotEditableError, updateRound, type RoundDetailsInput } from '~/domain/funds/rounds.server.ts'
import { LEGAL_TYPE_LABELS, LEGAL_TYPES } from '~/domain/organisations/identifiers.ts'
import { placesValidOn, ukToday } from '~/domain/places/places.server.ts'
import { londonDateAndTime, formatLondon, parseLondonDateTime } from '~/lib/dates.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { formatPence, moneyField, parsePounds } from '~/lib/money.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idField, idParam } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.round.title ?? 'Round'} – Fund management – Commonpot` }]

const whole = (what: string, min: number, max: number) =>
  z
    .number({ invalid_type_error: `Enter ${what} as a whole number` })
    .int(`Enter ${what} as a whole number`)
    .min(min, `Enter ${what} of ${min} or more`)
    .max(max, `Enter ${what} of ${max} or less`)
    .optional()

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/

/** One amount a line ("£1,000"), in pence; null if any line is not an amount. */
function amountsPerYear(text: string | undefined): number[] | null {
  const lines = (text ?? '').split('\n').map((l) => l.trim()).filter(Boolean)
  const parsed = lines.map((l) => parsePounds(l))
  return parsed.every((p) => p.ok && p.pence > 0) ? parsed.map((p) => (p.ok ? p.pence : 0)) : null
}

const RoundSchema = z
  .object({
    title: z.string({ required_error: 'Enter the title of the round' }).trim().min(1, 'Enter the title of the round').max(200, 'The title must be 200 characters or fewer'),
    summary: z.string().trim().max(1000, 'The summary must be 1,000 characters or fewer').optional(),
    guidance: z.string().trim().max(20000, 'The guidance must be 20,000 characters or fewer').optional(),
    opensDate: z.string().optional(),
    opensTime: z.string().optional(),
    closesDate: z.string().optional(),
    closesTime: z.string().optional(),
    budget: moneyField({ label: 'total budget', required: false }),
    minGrant: moneyField({ label: 'smallest grant', required: false }),
    maxGrant: moneyField({ label: 'largest grant', required: false }),
    years: whole('the number of years', 2, 10),
    amountsPerYear: z.string().optional(),
    matchPercent: whole('the match funding percentage', 1, 100),
    matchInKind: z.boolean().optional(),
    partnershipMinimum: whole('the minimum number of partners', 1, 50),
    leadTypes: z.array(z.enum(LEGAL_TYPES)).default([]),
    orgTypes: z.array(z.enum(LEGAL_TYPES)).default([]),
    placeIds: z.array(idField()).default([]),
    stages: z.enum(['single', 'two_stage'], { errorMap: () => ({ message: 'Choose single stage or two stages' }) }),
    allocationMethod: z.enum(['panel', 'fcfs'], { errorMap: () => ({ message: 'Choose how grants are allocated' }) }),
    fcfsGrantCount: whole('the number of grants', 1, 100000),
    fcfsGrantAmount: moneyField({ label: 'amount of each grant', required: false, min: 1 }),
    fcfsMaxRegion: whole('the regional cap', 1, 100),
    fcfsMinPriority: whole('the priority community share', 1, 100),
  })
  .superRefine((v, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message })
    const instant = (which: 'opens' | 'closes', word: string) => {
      const date = v[`${which}Date`]
      const time = v[`${which}Time`]
      if (!date && !time) return null
      if (!date) return issue(`${which}Date`, `Enter the ${word} date`), null
      if (!time) return issue(`${which}Time`, `Enter the ${word} time, like 12:00`), null
      if (!TIME.test(time)) return issue(`${which}Time`, `Enter the ${word} time in 24-hour format, like 12:00`), null
      const iso = parseLondonDateTime(date, time)
      if (!iso) issue(`${which}Date`, `Enter a real ${word} date`)
      return iso
    }
    const opensAt = instant('opens', 'opening')
    const closesAt = instant('closes', 'closing')
    if (opensAt && closesAt && closesAt <= opensAt) issue('closesDate', 'The closing date must be after the opening date')
    if (v.minGrant !== undefined && v.maxGrant !== undefined && v.minGrant > v.maxGrant) issue('maxGrant', 'The largest grant must be at least the smallest grant')
    if (v.years !== undefined && !(v.amountsPerYear ?? '').trim()) issue('amountsPerYear', 'Enter the amounts a year, one on each line')
    if ((v.amountsPerYear ?? '').trim() && v.years === undefined) issue('years', 'Enter the number of years')
    if ((v.amountsPerYear ?? '').trim() && amountsPerYear(v.amountsPerYear) === null) issue('amountsPerYear', 'Enter each amount a year in pounds on its own line, like £1,000')
    if (v.allocationMethod === 'fcfs') {
      if (v.fcfsGrantCount === undefined) issue('fcfsGrantCount', 'Enter the number of grants')
      if (v.fcfsGrantAmount === undefined) issue('fcfsGrantAmount', 'Enter the amount of each grant')
    }
  })

type RoundForm = z.infer<typeof RoundSchema>

function toDetails(v: RoundForm): RoundDetailsInput {
  const at = (date?: string, time?: string) => (date && time ? parseLondonDateTime(date, time) : null)
  const amounts = amountsPerYear(v.amountsPerYear)
  return {
    title: v.title,
    summary: v.summary ?? '',
    guidance: v.guidance ?? '',
    opensAt: at(v.opensDate, v.opensTime),
    closesAt: at(v.closesDate, v.closesTime),
    budgetPence: v.budget ?? 0,
    minGrantPence: v.minGrant ?? null,
    maxGrantPence: v.maxGrant ?? null,
    stages: v.stages,
    allocationMethod: v.allocationMethod,
    placeIds: v.placeIds,
    rules: RoundRulesSchema.parse({
      matchFunding: v.matchPercent ? { percentOfProjectCost: v.matchPercent, inKindCounts: !!v.matchInKind } : null,
      partnership: v.partnershipMinimum ? { leadOrganisationTypes: v.leadTypes, minimumPartners: v.partnershipMinimum } : null,
      eligibleOrganisationTypes: v.orgTypes,
      multiYear: v.years && amounts?.length ? { years: v.years, amountsPerYearPence: amounts } : null,
      fcfs:
        v.allocationMethod === 'fcfs' && v.fcfsGrantCount && v.fcfsGrantAmount
          ? { grantCount: v.fcfsGrantCount, grantAmountPence: v.fcfsGrantAmount, maxPercentPerRegion: v.fcfsMaxRegion ?? null, minPercentPriorityCommunity: v.fcfsMinPriority ?? null }
          : null,
    }),
  }
}

const LABELS: Record<string, string> = {
  title: 'Title',
  opensDate: 'Opening date',
  opensTime: 'Opening time',
  closesDate: 'Closing date',
  closesTime: 'Closing time',
  budget: 'Total budget',
  minGrant: 'Smallest grant',
  maxGrant: 'Largest grant',
  years: 'Number of years',
  amountsPerYear: 'Amounts a year',
  matchPercent: 'Match funding',
  partnershipMinimum: 'Minimum number of partners',
  placeIds: 'Eligible areas',
  fcfsGrantCount: 'Number of grants',
  fcfsGrantAmount: 'Amount of each grant',
}

function roundIdFrom(params: { roundId?: string }): number {
  return idParam(params.roundId)
}

const pounds = (p: number | null | undefined) => (p === null || p === undefined ? '' : formatPence(p, { pence: 'auto' }))

/** GET /manage/rounds/<id>: every detail of a round, editable (drafts fully; published rounds their wording and deadline). */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'manage:round:any', context)
  const round = await getRoundView(db, roundIdFrom(params)).catch((e: unknown) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
  const placeDate = round.opensAt ? formatLondon(round.opensAt, 'yyyy-MM-dd') : ukToday()
  const places = await placesValidOn(db, placeDate)
  const opens = round.opensAt ? londonDateAndTime(round.opensAt) : null
  const closes = round.closesAt ? londonDateAndTime(round.closesAt) : null
  const { rules } = round
  const defaults = {
    title: round.title,
    summary: round.summary,
    guidance: round.guidance,
    opensDate: opens?.date ?? '',
    opensTime: opens?.time ?? '',
    closesDate: closes?.date ?? '',
    closesTime: closes?.time ?? '',
    budget: round.budgetPence ? pounds(round.budgetPence) : '',
    minGrant: pounds(round.minGrantPence),
    maxGrant: pounds(round.maxGrantPence),
    years: rules.multiYear ? String(rules.multiYear.years) : '',
    amountsPerYear: rules.multiYear?.amountsPerYearPence.map((p) => pounds(p)).join('\n') ?? '',
    matchPercent: rules.matchFunding ? String(rules.matchFunding.percentOfProjectCost) : '',
    matchInKind: rules.matchFunding?.inKindCounts ? 'on' : '',
    partnershipMinimum: rules.partnership ? String(rules.partnership.minimumPartners) : '',
    leadTypes: rules.partnership?.leadOrganisationTypes ?? [],
    orgTypes: rules.eligibleOrganisationTypes,
    placeIds: round.places.map((p) => String(p.id)),
    stages: round.stages,
    allocationMethod: round.allocationMethod,
    fcfsGrantCount: rules.fcfs ? String(rules.fcfs.grantCount) : '',
    fcfsGrantAmount: pounds(rules.fcfs?.grantAmountPence),
    fcfsMaxRegion: rules.fcfs?.maxPercentPerRegion == null ? '' : String(rules.fcfs.maxPercentPerRegion),
    fcfsMinPriority: rules.fcfs?.minPercentPriorityCommunity == null ? '' : String(rules.fcfs.minPercentPriorityCommunity),
  }
  return json({
    round: { id: round.id, title: round.title, slug: round.slug, status: round.status, phase: phaseOf(round, new Date()), allocationMethod: round.allocationMethod, fund: round.fund },
    amounts: describeAmounts({ min_grant_pence: round.minGrantPence, max_grant_pence: round.maxGrantPence, allocation_method: round.allocationMethod }, rules),
    places: places.map((p) => ({ id: p.id, name: p.name })),
    placeDate: formatLondon(placeDate, 'd MMMM yyyy'),
    defaults,
  })
}

/** POST /manage/rounds/<id>: saves the round's details, rules and eligible places. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:round:any')
  const roundId = roundIdFrom(params)
  const submission = parseWithZod(await request.formData(), { schema: RoundSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  try {
    const round = await db.transaction().execute((trx) => updateRound(trx, user.id, roundId, toDetails(submission.value)))
    return redirect(`/manage/rounds/${round.id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message: `${round.title} saved` }) } })
  } catch (e) {
    if (e instanceof RoundInputError) return json(submission.reply({ fieldErrors: { [e.field!]: [e.message] } }), { status: e.status })
    if (e instanceof RoundNotEditableError) return json(submission.reply({ formErrors: [e.message] }), { status: e.status })
    if (e instanceof NotFoundError) throw notFound()
    throw e
  }
}

const STATUS_TEXT: Record<string, string> = { draft: 'Draft', upcoming: 'Published, not yet open', open: 'Open for applications', closed: 'Closed' }

export default function EditRound() {
  const { round, amounts, places, placeDate, defaults } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'round',
    lastResult,
    defaultValue: defaults,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: RoundSchema }),
    shouldValidate: 'onSubmit',
    shouldRevalidate: 'onInput',
  })
  const isDraft = round.status === 'draft'
  return (
    <>
      <p className="secondary">
        <Link to={`/manage/funds/${round.fund.id}`}>{round.fund.name}</Link>
      </p>
      <h1>{round.title}</h1>
      <p>
        <strong className={`tag${round.phase === 'open' ? ' tag--green' : round.phase === 'closed' ? ' tag--grey' : ''}`}>{STATUS_TEXT[round.phase]}</strong>
        {amounts ? <span> {amounts}</span> : null}
      </p>
      <ul>
        <li>
          <Link to={`/manage/rounds/${round.id}/questions`}>Questions</Link>
        </li>
        <li>
          <Link to={`/manage/rounds/${round.id}/eligibility`}>Eligibility questions</Link>
        </li>
        <li>
          <Link to={`/manage/rounds/${round.id}/returns`}>Impact returns: schedule and form</Link>
        </li>
        <li>
          <Link to={`/manage/rounds/${round.id}/copy`}>Copy this round</Link>
        </li>
        {isDraft ? (
          <li>
            <Link to={`/manage/rounds/${round.id}/publish`}>Publish this round</Link>
          </li>
        ) : null}
        {!isDraft ? (
          <li>
            <Link to={`/manage/rounds/${round.id}/applications`}>Applications</Link>
          </li>
        ) : null}
        {round.allocationMethod === 'panel' ? (
          <>
            <li>
              <Link to={`/manage/rounds/${round.id}/criteria`}>Assessment criteria</Link>
            </li>
            <li>
              <Link to={`/manage/rounds/${round.id}/assessment`}>How bids are assessed</Link>
            </li>
            <li>
              <Link to={`/manage/rounds/${round.id}/panel`}>Assessment panel</Link>
            </li>
            {!isDraft ? (
              <>
                <li>
                  <Link to={`/manage/rounds/${round.id}/assignments`}>Give bids to assessors</Link>
                </li>
                <li>
                  <Link to={`/panel/${round.id}`}>Panel ranking and decisions</Link>
                </li>
                <li>
                  <Link to={`/manage/rounds/${round.id}/offers`}>Offers and awards</Link>
                </li>
              </>
            ) : null}
          </>
        ) : null}
        {round.status === 'published' ? (
          <>
            <li>
              <Link to={`/funding/${round.slug}`}>See the public page</Link>
            </li>
            <li>
              <Link to={`/manage/rounds/${round.id}/close`}>Close this round</Link>
            </li>
          </>
        ) : null}
      </ul>
      {round.status === 'published' ? (
        <div className="inset">
          <p>This round is published: only its title, summary, guidance and a later closing date can change. To change anything else, copy it to a new draft round.</p>
        </div>
      ) : null}
      <ErrorSummary form={form} fields={{ title: fields.title, summary: fields.summary, guidance: fields.guidance, opensDate: fields.opensDate, opensTime: fields.opensTime, closesDate: fields.closesDate, closesTime: fields.closesTime, budget: fields.budget, minGrant: fields.minGrant, maxGrant: fields.maxGrant, years: fields.years, amountsPerYear: fields.amountsPerYear, matchPercent: fields.matchPercent, matchInKind: fields.matchInKind, partnershipMinimum: fields.partnershipMinimum, leadTypes: fields.leadTypes, orgTypes: fields.orgTypes, placeIds: fields.placeIds, stages: fields.stages, allocationMethod: fields.allocationMethod, fcfsGrantCount: fields.fcfsGrantCount, fcfsGrantAmount: fields.fcfsGrantAmount, fcfsMaxRegion: fields.fcfsMaxRegion, fcfsMinPriority: fields.fcfsMinPriority }} labels={LABELS} />
      <Form method="post" {...getFormProps(form)}>
        <h2>About the round</h2>
        <TextField field={fields.title} label="Title" />
        <TextArea field={fields.summary} label="Summary" hint="One or two sentences shown on the Open funding page." rows={3} />
        <TextArea field={fields.guidance} label="Guidance" hint="What applicants should know. Leave a blank line between paragraphs." rows={10} />

        <h2>Dates</h2>
        <p className="hint">Times are UK time (London), on the 24-hour clock.</p>
        <TextField field={fields.opensDate} label="Opening date" type="date" width="medium" />
        <TimeField field={fields.opensTime} label="Opening time" />
        <TextField field={fields.closesDate} label="Closing date" type="date" width="medium" />
        <TimeField field={fields.closesTime} label="Closing time" />

        <h2>Money</h2>
        <TextField field={fields.budget} label="Total budget" width="medium" inputMode="decimal" hint="In pounds, like £1,800,000." />
        <TextField field={fields.minGrant} label="Smallest grant" width="medium" inputMode="decimal" />
        <TextField field={fields.maxGrant} label="Largest grant" width="medium" inputMode="decimal" />
        <fieldset className="fieldset">
          <legend>Grants paid over several years (optional)</legend>
          <TextField field={fields.years} label="Number of years" width="narrow" inputMode="numeric" />
          <TextArea field={fields.amountsPerYear} label="Amounts a year" hint="The amounts a year applicants can choose between, one on each line, like £1,000." rows={3} />
        </fieldset>
        <fieldset className="fieldset">
          <legend>Match funding (optional)</legend>
          <TextField field={fields.matchPercent} label="Match funding (% of the project cost)" width="narrow" inputMode="numeric" hint="Leave empty if no match funding is needed." />
          <Checkbox field={fields.matchInKind} label="In-kind support (staff time, venue hire, materials) counts as match funding" />
        </fieldset>

        <h2>Who can apply</h2>
        <CheckboxGroup field={fields.orgTypes} legend="Eligible organisation types" hint="Leave all unticked to accept any type." options={LEGAL_TYPES.map((t) => ({ value: t, label: LEGAL_TYPE_LABELS[t] }))} />
        <fieldset className="fieldset">
          <legend>Partnership (optional)</legend>
          <TextField field={fields.partnershipMinimum} label="Minimum number of partners" width="narrow" inputMode="numeric" hint="Partners besides the lead organisation. Leave empty if applicants need no partners." />
          <CheckboxGroup field={fields.leadTypes} legend="Lead organisation types" hint="Leave all unticked to let any eligible type lead." options={LEGAL_TYPES.map((t) => ({ value: t, label: LEGAL_TYPE_LABELS[t] }))} />
        </fieldset>
        <CheckboxGroup
          field={fields.placeIds}
          legend="Eligible areas"
          hint={`Integrated care boards in force on the opening date (${placeDate}). Leave all unticked for anywhere in England.`}
          options={places.map((p) => ({ value: String(p.id), label: p.name }))}
        />

        <h2>How the round runs</h2>
        <RadioGroup
          field={fields.stages}
          legend="Stages"
          options={[
            { value: 'single', label: 'Single stage: one application form' },
            { value: 'two_stage', label: 'Two stages: an expression of interest, then invited groups complete a full application' },
          ]}
        />
        <RadioGroup
          field={fields.allocationMethod}
          legend="How grants are allocated"
          options={[
            { value: 'panel', label: 'Scored by an assessment panel' },
            { value: 'fcfs', label: 'First come, first served' },
          ]}
        />
        <fieldset className="fieldset">
          <legend>First come, first served (only for that allocation)</legend>
          <TextField field={fields.fcfsGrantCount} label="Number of grants" width="narrow" inputMode="numeric" />
          <TextField field={fields.fcfsGrantAmount} label="Amount of each grant" width="medium" inputMode="decimal" />
          <TextField field={fields.fcfsMaxRegion} label="Most grants to one NHS region (%)" width="narrow" inputMode="numeric" hint="Optional, like 40." />
          <TextField field={fields.fcfsMinPriority} label="Grants kept for priority communities (%)" width="narrow" inputMode="numeric" hint="Optional, like 20." />
        </fieldset>
        <SubmitButton>Save round</SubmitButton>
      </Form>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
