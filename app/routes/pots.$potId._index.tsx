import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SelectField, SubmitButton } from '~/components/forms.tsx'
import { potOverview } from '~/domain/budgets/overview.server.ts'
import { linkRoundToPot, openPot, PotInputError, PotNotFoundError, PotStatusError } from '~/domain/budgets/pots.server.ts'
import { AVAILABLE_BASIS_LABELS, YEAR_END_POLICY_LABELS } from '~/domain/budgets/pot-labels.ts'
import { db } from '~/lib/db.server.ts'
import { requirePermission } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idField, idParam } from '~/lib/ids.ts'
import { SummaryRow } from '~/components/summary-list.tsx'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.overview.pot.name ?? 'Pot'} – Commonpot` }]

const ActionSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('open') }),
  z.object({ intent: z.literal('link-round'), roundId: idField({ required_error: 'Select a round', invalid_type_error: 'Select a round' }) }),
])

function potId(params: { potId?: string }): number {
  return idParam(params.potId, 'Pot not found')
}

/** GET /pots/:potId: the pot's facts, contributions with their conditions in words, rounds and commitments. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:pot:any', context)
  try {
    const overview = await potOverview(db, potId(params))
    const linked = new Set(overview.rounds.map((r) => r.id))
    const rounds = (await db.selectFrom('rounds').select(['id', 'title']).where('status', '<>', 'archived').orderBy('title').execute()).filter((r) => !linked.has(r.id))
    return json({ overview, rounds, canManage: user.permissions.has('manage:pot:any'), canRecord: user.permissions.has('record:receipt:any') })
  } catch (e) {
    if (e instanceof PotNotFoundError) throw new Response('Pot not found', { status: 404 })
    throw e
  }
}

/** POST /pots/:potId: open the pot, or link a round to it. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:pot:any')
  const id = potId(params)
  const submission = parseWithZod(await request.formData(), { schema: ActionSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  const value = submission.value
  try {
    const message = await db.transaction().execute(async (trx) => {
      if (value.intent === 'open') return `${(await openPot(trx, user.id, id)).name} is open for commitments.`
      const { linked } = await linkRoundToPot(trx, user.id, { potId: id, roundId: value.roundId })
      return linked ? 'The round now draws on this pot.' : 'That round already draws on this pot.'
    })
    return redirect(`/pots/${id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  } catch (e) {
    if (e instanceof PotNotFoundError) throw new Response('Pot not found', { status: 404 })
    if (e instanceof PotInputError) return json(submission.reply({ fieldErrors: { [e.field!]: [e.message] } }), { status: 400 })
    if (e instanceof PotStatusError) return json(submission.reply({ formErrors: [e.message] }), { status: 409 })
    throw e
  }
}

export default function PotPage() {
  const { overview, rounds, canManage, canRecord } = useLoaderData<typeof loader>()
  const { pot, totals, contributions, commitments } = overview
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({ id: 'link-round', lastResult, onValidate: ({ formData }) => parseWithZod(formData, { schema: ActionSchema }) })
  return (
    <>
      <h1>{pot.name}</h1>
      <ErrorSummary form={form} fields={{ roundId: fields.roundId }} labels={{ roundId: 'Round' }} />
      <dl className="summary-list">
        <SummaryRow label="Place">{pot.placeName ?? 'National (no single place)'}</SummaryRow>
        <SummaryRow label="Host">{pot.hostFunderName}</SummaryRow>
        <SummaryRow label="Pool manager">{pot.poolManagerName ?? 'Not named yet'}</SummaryRow>
        <SummaryRow label="Financial year">{pot.financialYear}</SummaryRow>
        <SummaryRow label="Status">{pot.status === 'draft' ? 'Draft' : pot.status === 'open' ? 'Open' : 'Closed'}</SummaryRow>
        <SummaryRow label="Available money">{AVAILABLE_BASIS_LABELS[pot.availableBasis]}</SummaryRow>
        <SummaryRow label="At year end">{YEAR_END_POLICY_LABELS[pot.yearEndPolicy]}</SummaryRow>
      </dl>
      <h2>Money</h2>
      <dl className="summary-list">
        <SummaryRow label="Pledged">{formatPence(totals.pledgedPence)}</SummaryRow>
        <SummaryRow label="Received">{formatPence(totals.receivedPence)}</SummaryRow>
        <SummaryRow label="Committed, offer not yet accepted">{formatPence(totals.committed)}</SummaryRow>
        <SummaryRow label="Accepted, waiting to be paid">{formatPence(totals.scheduled)}</SummaryRow>
        <SummaryRow label="Paid">{formatPence(totals.paid)}</SummaryRow>
        <SummaryRow label="Available to commit">{formatPence(totals.canCommitPence)}</SummaryRow>
        <SummaryRow label="Returned">{formatPence(totals.returned)}</SummaryRow>
      </dl>
      <p>
        <Link to={`/pots/${pot.id}/dashboard`}>See the dashboard</Link>
      </p>
      {canManage && pot.status === 'draft' ? (
        <Form method="post">
          <p>While the pot is a draft, contributions can be agreed but no award can be committed to it.</p>
          <SubmitButton name="intent" value="open">
            Open the pot
          </SubmitButton>
        </Form>
      ) : null}

      <h2>Contributions</h2>
      {canManage && pot.status !== 'closed' ? (
        <p>
          <Link className="button button--secondary" to={`/pots/${pot.id}/contributions/new`}>
            Add a contribution
          </Link>
        </p>
      ) : null}
      {contributions.length === 0 ? (
        <p>No funder has pledged money to this pot yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption>Contributions to {pot.name}</caption>
            <thead>
              <tr>
                <th scope="col">Contributor</th>
                <th scope="col">Pledged</th>
                <th scope="col">Received</th>
                <th scope="col">Committed</th>
                <th scope="col">Available</th>
                <th scope="col">Conditions</th>
              </tr>
            </thead>
            <tbody>
              {contributions.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link to={`/pots/${pot.id}/contributions/${c.id}`}>{c.funderName}</Link>
                    {c.isInKind ? ' (in kind)' : null}
                  </td>
                  <td>{formatPence(c.pledgedPence)}</td>
                  <td>{formatPence(c.receivedPence)}</td>
                  <td>{formatPence(c.balances.committed + c.balances.scheduled)}</td>
                  <td>{formatPence(c.canCommitPence)}</td>
                  <td>
                    <ul>
                      {c.conditionSentences.map((s) => (
                        <li key={s}>{s}</li>
                      ))}
                    </ul>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canRecord && contributions.length > 0 ? <p>To record money that has arrived, open the contribution it belongs to.</p> : null}

      <h2>Rounds drawing on this pot</h2>
      {overview.rounds.length === 0 ? (
        <p>No round draws on this pot yet.</p>
      ) : (
        <ul>
          {overview.rounds.map((r) => (
            <li key={r.id}>
              {r.title} ({r.fundName})
            </li>
          ))}
        </ul>
      )}
      {canManage && pot.status !== 'closed' && rounds.length > 0 ? (
        <Form method="post" {...getFormProps(form)}>
          <input type="hidden" name="intent" value="link-round" />
          <SelectField field={fields.roundId} label="Round" placeholder="Select a round" width="full">
            {rounds.map((r) => (
              <option key={r.id} value={r.id}>
                {r.title}
              </option>
            ))}
          </SelectField>
          <SubmitButton secondary>Link the round</SubmitButton>
        </Form>
      ) : null}

      <h2>Awards committed</h2>
      {commitments.length === 0 ? (
        <p>No award has been committed to this pot yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption>Commitments by award and contribution</caption>
            <thead>
              <tr>
                <th scope="col">Award</th>
                <th scope="col">Contributor</th>
                <th scope="col">Amount</th>
                <th scope="col">Notes</th>
              </tr>
            </thead>
            <tbody>
              {commitments.map((c) => (
                <tr key={`${c.awardId}-${c.contributionId}`}>
                  <td>{c.awardReference}</td>
                  <td>{contributions.find((x) => x.id === c.contributionId)?.funderName}</td>
                  <td>{formatPence(c.amountPence)}</td>
                  <td>{c.releasedAt ? 'Released' : c.overrideReason ? `Split chosen by hand: ${c.overrideReason}` : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canManage && pot.status !== 'closed' ? (
        <p>
          <Link to={`/pots/${pot.id}/year-end`}>Close the year</Link>
        </p>
      ) : null}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
