import { getFormProps, getInputProps, useForm, type SubmissionResult } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SelectField, SubmitButton, TextField } from '~/components/forms.tsx'
import { acceptProposal, DecisionInputError, latestOptimiserRun } from '~/domain/assessment/decisions.server.ts'
import { listPlaceLimits, PlaceLimitInputError, setPlaceLimit } from '~/domain/assessment/optimiser-input.server.ts'
import { planOptimiserRun, storeOptimiserRun } from '~/domain/assessment/optimiser-runs.server.ts'
import { warmUpOptimiser } from '~/domain/assessment/optimiser.server.ts'
import { DECISION_LABELS, DECISION_STATUSES } from '~/domain/assessment/panel-labels.ts'
import { panelView, requirePanelAccess, type PanelViewer } from '~/domain/assessment/panel.server.ts'
import { formatPoints } from '~/domain/assessment/scoring.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { forbidden, notFound, requirePermission } from '~/lib/guards.server.ts'
import { formatPence, moneyField } from '~/lib/money.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idParam, idText } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Propose the best set of bids – Panels – Commonpot' }]

const RunSchema = z.object({ intent: z.literal('run') })

const LimitSchema = z.object({
  intent: z.literal('limit'),
  placeId: idText,
  min: moneyField({ label: 'minimum', required: false }),
  max: moneyField({ label: 'maximum', required: false }),
})

const AcceptSchema = z.object({
  intent: z.literal('accept'),
  runId: idText,
  overrides: z
    .array(
      z.object({
        applicationId: idText,
        status: z.enum(DECISION_STATUSES).optional(),
        reason: z.string().trim().max(2000, 'The reason must be 2,000 characters or fewer').optional(),
        declineReason: z.string().trim().optional(),
      })
    )
    .default([]),
})

const Schema = z.discriminatedUnion('intent', [RunSchema, AcceptSchema])

async function access(user: PanelViewer, param: string | undefined) {
  const roundId = idParam(param)
  return requirePanelAccess(db, user, roundId).catch((e: unknown) => {
    if (e instanceof NotFoundError) throw notFound()
    if (e instanceof DomainError && e.status === 403) throw forbidden(e.message)
    throw e
  })
}

/** GET /panel/<roundId>/optimiser: the newest proposal beside fund down the list, the place limits, and accepting. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'decide:application:any', context)
  const round = await access(user, params.roundId)
  // Compile the solver while the chair reads the page, so pressing "Propose" does not wait for it.
  warmUpOptimiser().catch(() => undefined)
  const [view, run, limits] = await Promise.all([panelView(db, round.id), latestOptimiserRun(db, round.id), listPlaceLimits(db, round.id)])
  const places = new Map<number, string>()
  for (const r of view.rows) if (r.placeId !== null && r.placeName) places.set(r.placeId, r.placeName)
  const selected = new Set(run?.selectedIds ?? [])
  const greedy = new Set(run?.greedySelectedIds ?? [])
  const inRun = new Set(run?.inputs.bids.map((b) => b.id) ?? [])
  return json({
    round: {
      id: round.id,
      title: round.title,
      budgetPence: round.budgetPence,
      declineReasons: round.declineReasons,
      released: !!round.decisionsReleasedAt,
    },
    run: run && {
      id: run.id,
      status: run.status,
      explanation: run.explanation,
      totalPence: run.totalPence,
      totalScoreMilli: run.totalScoreMilli,
      solveMs: run.solveMs,
      inputsSha256: run.inputsSha256,
      greedyTotalPence: view.rows.filter((r) => greedy.has(r.applicationId)).reduce((sum, r) => sum + r.amountRequestedPence, 0),
    },
    bids: view.rows.map((r) => ({
      applicationId: r.applicationId,
      rank: r.rank,
      reference: r.reference,
      title: r.title,
      placeName: r.placeName,
      amountPence: r.amountRequestedPence,
      scoreMilli: r.moderatedTotalMilli,
      gatewayFailed: r.gatewayFailed,
      inRun: inRun.has(r.applicationId),
      optimiser: selected.has(r.applicationId),
      greedy: greedy.has(r.applicationId),
    })),
    places: [...places].map(([id, name]) => ({ id, name })),
    limits,
  })
}

/** POST intent=run | limit | accept. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'decide:application:any')
  const round = await access(user, params.roundId)
  const formData = await request.formData()
  if (formData.get('intent') === 'limit') return saveLimit(request, user.id, round.id, formData)
  const submission = parseWithZod(formData, { schema: Schema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  const v = submission.value
  const back = async (message: string) =>
    redirect(`/panel/${round.id}/optimiser`, {
      headers: {
        'Set-Cookie': await setFlash(request, { kind: 'success', message }),
      },
    })
  try {
    if (v.intent === 'run') {
      // Solve outside the write transaction, then store the result only if nothing changed meanwhile.
      const planned = await planOptimiserRun(db, round.id)
      const run = await db.transaction().execute((trx) => storeOptimiserRun(trx, user.id, planned))
      return back(run.status === 'infeasible' ? 'No set of bids meets every limit: see why below' : `Proposal ready: ${run.selectedIds.length} bids for ${formatPence(run.totalPence)}`)
    }
    const overrides = v.overrides
      .filter((o) => o.status)
      .map((o) => ({
        applicationId: o.applicationId,
        status: o.status!,
        reason: o.reason ?? '',
        declineReason: o.declineReason ?? null,
      }))
    const result = await db.transaction().execute((trx) => acceptProposal(trx, user.id, { runId: v.runId, overrides }))
    const message = `Proposal accepted: ${result.decided} bids decided${result.overridden ? `, ${result.overridden} changed with a reason` : ''}`
    return redirect(`/panel/${round.id}`, {
      headers: {
        'Set-Cookie': await setFlash(request, { kind: 'success', message }),
      },
    })
  } catch (e) {
    if (e instanceof DecisionInputError) {
      // Overrides are posted in the order the bids are listed, blank rows included: map the field back to that row.
      const match = /^overrides\[(\d+)\]\.(\w+)$/.exec(e.field ?? '')
      const posted = v.intent === 'accept' ? v.overrides.filter((o) => o.status) : []
      const row = match ? (v.intent === 'accept' ? v.overrides.indexOf(posted[Number(match[1])]!) : -1) : -1
      const field = match && row >= 0 ? `overrides[${row}].${match[2]}` : e.field ?? ''
      return json(submission.reply({ fieldErrors: { [field]: [e.message] } }), {
        status: 400,
      })
    }
    if (e instanceof DomainError && (e.status === 400 || e.status === 409))
      return json(submission.reply({ formErrors: [e.message] }), {
        status: e.status,
      })
    if (e instanceof DomainError && e.status === 403) throw forbidden(e.message)
    if (e instanceof NotFoundError) throw notFound(e.message)
    throw e
  }
}

/** The errors of one place's limit form, shown beside its fields (the page has one such form per place). */
interface LimitErrors {
  limitPlaceId: number
  fieldErrors: { min?: string[]; max?: string[] }
}

/** POST intent=limit: a place's minimum and maximum (blank for none); errors come back beside that place's fields. */
async function saveLimit(request: Request, actorUserId: number, roundId: number, formData: FormData) {
  const submission = parseWithZod(formData, { schema: LimitSchema })
  const limitPlaceId = Number(formData.get('placeId'))
  const refuse = (fieldErrors: LimitErrors['fieldErrors']) => json<LimitErrors>({ limitPlaceId, fieldErrors }, { status: 400 })
  if (submission.status !== 'success') {
    const errors = submission.error ?? {}
    if (errors.placeId || !Number.isInteger(limitPlaceId) || limitPlaceId <= 0) throw notFound()
    // A refusal of the whole form (app/lib/form-submission.ts: a NUL, an impossible list) is shown with the first field.
    const first = [...(errors.min ?? []), ...(errors[''] ?? [])]
    return refuse({ min: first.length > 0 ? first : undefined, max: errors.max ?? undefined })
  }
  const v = submission.value
  if (v.min !== undefined && v.max !== undefined && v.min > v.max) return refuse({ max: ['The maximum must be at least the minimum'] })
  try {
    await db.transaction().execute((trx) => setPlaceLimit(trx, actorUserId, { roundId, placeId: v.placeId, minPence: v.min ?? null, maxPence: v.max ?? null }))
  } catch (e) {
    if (e instanceof PlaceLimitInputError) return refuse(e.field === 'maxPence' ? { max: [e.message] } : { min: [e.message] })
    if (e instanceof DomainError && e.status === 404) throw notFound()
    throw e
  }
  return redirect(`/panel/${roundId}/optimiser`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message: 'Place limit saved. Propose again to use it.' }) } })
}

function LimitField({ id, name, label, defaultValue, errors }: { id: string; name: 'min' | 'max'; label: string; defaultValue: string; errors: string[] | undefined }) {
  const invalid = !!errors?.length
  return (
    <div className={`form-group${invalid ? ' form-group--error' : ''}`}>
      <label className="label" htmlFor={id}>
        {label}
      </label>
      {invalid ? (
        <p className="error-message" id={`${id}-error`}>
          <span className="visually-hidden">Error:</span> {errors!.join(' ')}
        </p>
      ) : null}
      <input
        className={`input input--medium${invalid ? ' input--error' : ''}`}
        id={id}
        name={name}
        inputMode="decimal"
        defaultValue={defaultValue}
        aria-invalid={invalid || undefined}
        aria-describedby={invalid ? `${id}-error` : undefined}
      />
    </div>
  )
}

export default function Optimiser() {
  const { round, run, bids, places, limits } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const errorsFor = actionData && 'limitPlaceId' in actionData ? (actionData as LimitErrors) : null
  const lastResult = errorsFor ? undefined : (actionData as SubmissionResult<string[]> | undefined)
  return (
    <>
      <p className="secondary">
        <Link to={`/panel/${round.id}`}>{round.title}: ranked bids</Link>
      </p>
      <h1>Propose the best set of bids</h1>
      <p>
        The optimiser finds the set of bids with the highest total score that the money allows: the round budget of {formatPence(round.budgetPence)}, each place’s limits below, and what each pot and
        ring-fenced contribution can fund. Bids that failed a gateway are left out. It compares its choice with funding down the ranked list.
      </p>
      {round.released ? (
        <p className="inset">Decisions have been released, so the panel can no longer use the optimiser.</p>
      ) : (
        <Form method="post">
          <SubmitButton name="intent" value="run">
            {run ? 'Propose again' : 'Propose the best set of bids'}
          </SubmitButton>
        </Form>
      )}

      {run ? <Proposal key={run.id} round={round} run={run} bids={bids} lastResult={lastResult} /> : <p>There is no proposal yet.</p>}

      <h2>Limits per place</h2>
      <p>Optional fairness limits: at least or at most this much to the bids in a place. Leave blank for no limit.</p>
      {places.length === 0 ? (
        <p>No bids name a place.</p>
      ) : (
        places.map((p) => {
          const limit = limits.find((l) => l.placeId === p.id)
          return (
            <Form method="post" key={p.id} className="card">
              {errorsFor?.limitPlaceId === p.id ? (
                <div className="error-summary" role="alert" aria-labelledby={`limit-errors-${p.id}`} tabIndex={-1}>
                  <h2 id={`limit-errors-${p.id}`}>There is a problem</h2>
                  <ul>
                    {(['min', 'max'] as const).flatMap((name) =>
                      (errorsFor.fieldErrors[name] ?? []).map((message) => (
                        <li key={`${name}-${message}`}>
                          <a href={`#${name}-${p.id}`}>{message}</a>
                        </li>
                      )),
                    )}
                  </ul>
                </div>
              ) : null}
              <fieldset className="fieldset">
                <legend>{p.name}</legend>
                <input type="hidden" name="intent" value="limit" />
                <input type="hidden" name="placeId" value={p.id} />
                <LimitField
                  id={`min-${p.id}`}
                  name="min"
                  label={`Minimum for ${p.name}`}
                  defaultValue={limit?.minPence != null ? formatPence(limit.minPence) : ''}
                  errors={errorsFor?.limitPlaceId === p.id ? errorsFor.fieldErrors.min : undefined}
                />
                <LimitField
                  id={`max-${p.id}`}
                  name="max"
                  label={`Maximum for ${p.name}`}
                  defaultValue={limit?.maxPence != null ? formatPence(limit.maxPence) : ''}
                  errors={errorsFor?.limitPlaceId === p.id ? errorsFor.fieldErrors.max : undefined}
                />
                <SubmitButton secondary>Save limit for {p.name}</SubmitButton>
              </fieldset>
            </Form>
          )
        })
      )}
    </>
  )
}

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>

/** The proposal beside fund down the list, with a row of optional changes per bid (blank keeps the proposal). */
function Proposal({
  round,
  run,
  bids,
  lastResult,
}: {
  round: LoaderData['round']
  run: NonNullable<LoaderData['run']>
  bids: LoaderData['bids']
  lastResult: SubmissionResult<string[]> | undefined
}) {
  const runBids = bids.filter((b) => b.inRun)
  const [form, fields] = useForm<{
    runId: string
    overrides: {
      applicationId: string
      status: string
      reason: string
      declineReason: string
    }[]
  }>({
    id: `accept-${run.id}`,
    lastResult,
    defaultValue: {
      runId: String(run.id),
      overrides: runBids.map((b) => ({
        applicationId: String(b.applicationId),
        status: '',
        reason: '',
        declineReason: '',
      })),
    },
  })
  const rows = fields.overrides.getFieldList()
  return (
    <>
      <ErrorSummary form={form} fields={fields} />
      <h2>
        Proposal {run.id}: {run.status === 'infeasible' ? 'no set of bids meets every limit' : `${formatPence(run.totalPence)} for a total score of ${formatPoints(run.totalScoreMilli)}`}
      </h2>
      <p className="hint">
        Status: {run.status}. Solved in {run.solveMs} ms. Input fingerprint (SHA-256) {run.inputsSha256.slice(0, 16)}…
      </p>
      <h3>Why this proposal</h3>
      <ul>
        {run.explanation.map((sentence) => (
          <li key={sentence}>{sentence}</li>
        ))}
      </ul>
      <Form method="post" {...getFormProps(form)}>
        <input type="hidden" name="intent" value="accept" />
        <input {...getInputProps(fields.runId, { type: 'hidden' })} key={fields.runId.key} />
        <div className="table-wrap">
          <table>
            <caption>The proposal beside funding down the list (fund down the list: {formatPence(run.greedyTotalPence)})</caption>
            <thead>
              <tr>
                <th scope="col">Rank</th>
                <th scope="col">Bid</th>
                <th scope="col">Place</th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col" className="num">
                  Score
                </th>
                <th scope="col">Optimiser</th>
                <th scope="col">Down the list</th>
                {run.status === 'proposed' ? <th scope="col">Change the proposal (optional)</th> : null}
              </tr>
            </thead>
            <tbody>
              {runBids.map((b, i) => {
                const f = rows[i]?.getFieldset()
                return (
                  <tr key={b.applicationId}>
                    <td>{b.rank}</td>
                    <th scope="row">
                      {b.reference}
                      <br />
                      {b.title}
                    </th>
                    <td>{b.placeName ?? 'Not recorded'}</td>
                    <td className="num">{formatPence(b.amountPence)}</td>
                    <td className="num">{formatPoints(b.scoreMilli)}</td>
                    <td>{b.optimiser ? <strong>Fund</strong> : 'Reserve'}</td>
                    <td>{b.greedy ? 'Fund' : 'Reserve'}</td>
                    {run.status === 'proposed' && f ? (
                      <td>
                        <input
                          {...getInputProps(f.applicationId, {
                            type: 'hidden',
                          })}
                          key={f.applicationId.key}
                        />
                        <SelectField field={f.status} label={<>Decide {b.reference} instead as</>} placeholder="Keep the proposal" width="full">
                          {DECISION_STATUSES.map((s) => (
                            <option key={s} value={s}>
                              {DECISION_LABELS[s]}
                            </option>
                          ))}
                        </SelectField>
                        <TextField field={f.reason} label={<>Reason for changing {b.reference}</>} />
                        <SelectField field={f.declineReason} label={<>Reason for declining {b.reference} (if declined)</>} placeholder="Select a reason" width="full">
                          {round.declineReasons.map((r) => (
                            <option key={r} value={r}>
                              {r}
                            </option>
                          ))}
                        </SelectField>
                      </td>
                    ) : null}
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
        {bids.some((b) => b.gatewayFailed) ? <p>Bids that failed a gateway are declined when you accept, with the round’s reason for it.</p> : null}
        {run.status === 'proposed' && !round.released ? <SubmitButton>Accept the proposal</SubmitButton> : null}
      </Form>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
