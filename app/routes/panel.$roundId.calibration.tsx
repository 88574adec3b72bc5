import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { SubmitButton } from '~/components/forms.tsx'
import { setNormalisation } from '~/domain/assessment/moderation.server.ts'
import { requirePanelAccess } from '~/domain/assessment/panel.server.ts'
import { roundScoreboard } from '~/domain/assessment/scoreboard.server.ts'
import { formatPoints } from '~/domain/assessment/scoring.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { forbidden, notFound, requireAnyPermission, requirePermission, type CurrentUser } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Calibration: ${data?.round.title ?? 'panel'} – Commonpot` }]

const SwitchSchema = z.object({ normalise: z.enum(['on', 'off']) })

function roundIdFrom(params: { roundId?: string }): number {
  return idParam(params.roundId)
}

async function panelRoundFor(user: CurrentUser, roundId: number) {
  return requirePanelAccess(db, user, roundId).catch((e: unknown) => {
    if (e instanceof NotFoundError) throw notFound()
    if (e instanceof DomainError && e.status === 403) throw forbidden(e.message)
    throw e
  })
}

/** GET /panel/<roundId>/calibration: each assessor's offset from their peers, and both rankings side by side. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { user } = await requireAnyPermission(request, ['decide:application:any', 'moderate:score:any'], context)
  const round = await panelRoundFor(user, roundIdFrom(params))
  const board = await roundScoreboard(db, round.id, { normalise: false })
  const bids = board.bids.map((b) => ({
    applicationId: b.applicationId,
    reference: b.reference,
    title: b.title,
    rank: b.rank,
    moderatedTotalMilli: b.moderatedTotalMilli,
    normalisedRank: b.normalisedRank,
    normalisedZ: b.normalisedZ === null ? null : Number(b.normalisedZ.toFixed(2)),
    gatewayFailed: b.gatewayFailed,
  }))
  return json({
    round: { id: round.id, title: round.title },
    normaliseScores: board.normaliseScores,
    canSwitch: user.permissions.has('moderate:score:any'),
    calibration: board.calibration,
    byModerated: bids,
    byNormalised: [...bids].sort((a, b) => a.normalisedRank - b.normalisedRank || a.applicationId - b.applicationId),
  })
}

/** POST /panel/<roundId>/calibration: the chair turns normalisation on or off for the round. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'moderate:score:any')
  const round = await panelRoundFor(user, roundIdFrom(params))
  const submission = parseWithZod(await request.formData(), { schema: SwitchSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  const on = submission.value.normalise === 'on'
  await db.transaction().execute((trx) => setNormalisation(trx, user.id, round.id, on))
  const message = on ? 'Normalisation is on: the panel ranks bids by normalised scores' : 'Normalisation is off: the panel ranks bids by moderated scores'
  return redirect(`/panel/${round.id}/calibration`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
}

export default function Calibration() {
  const { round, normaliseScores, canSwitch, calibration, byModerated, byNormalised } = useLoaderData<typeof loader>()
  const few = calibration.filter((a) => !a.enoughForNormalisation)
  return (
    <>
      <p className="secondary">
        <Link to={`/panel/${round.id}`}>Back to the panel for {round.title}</Link>
      </p>
      <h1>Calibration</h1>
      <p className="lead">Some assessors score generously and some harshly. This page shows how far each assessor’s scores sit from the other assessors’ on the same bids, and how the ranking changes if each assessor’s scores are normalised.</p>

      <h2>How each assessor compares with their peers</h2>
      {calibration.length === 0 ? (
        <p>No assessor has submitted scores yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Each assessor’s average offset from other assessors on the same bids</caption>
            <thead>
              <tr>
                <th scope="col">Assessor</th>
                <th scope="col" className="num">
                  Bids scored
                </th>
                <th scope="col" className="num">
                  Bids shared with another assessor
                </th>
                <th scope="col">Average offset from peers (points out of 100)</th>
              </tr>
            </thead>
            <tbody>
              {calibration.map((a) => (
                <tr key={a.assessorId}>
                  <th scope="row">{a.name}</th>
                  <td className="num">{a.scored}</td>
                  <td className="num">{a.bids}</td>
                  <td>
                    {a.offsetMilli === null
                      ? 'No bid shared with another assessor'
                      : a.offsetMilli === 0
                        ? 'In line with peers (0.0)'
                        : `${a.offsetMilli > 0 ? '+' : '−'}${formatPoints(Math.abs(a.offsetMilli))} (${a.offsetMilli > 0 ? 'more generous' : 'harsher'} than peers)`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {few.length > 0 ? (
        <p className="inset">
          {few.map((a) => a.name).join(', ')} {few.length === 1 ? 'has' : 'have'} scored fewer than 2 bids, so normalising their scores means nothing yet: such a score counts as
          average (a z-score of 0).
        </p>
      ) : null}

      <h2>Normalisation</h2>
      <p>
        Normalisation turns each assessor’s scores into z-scores (how many standard deviations above or below their own average each score is), then ranks bids by the mean. It is{' '}
        <strong>{normaliseScores ? 'on' : 'off'}</strong>: the panel’s list is ranked by {normaliseScores ? 'normalised scores' : 'moderated scores'}.
      </p>
      {canSwitch ? (
        <Form method="post">
          <input type="hidden" name="normalise" value={normaliseScores ? 'off' : 'on'} />
          <SubmitButton secondary>{normaliseScores ? 'Turn normalisation off' : 'Turn normalisation on'}</SubmitButton>
        </Form>
      ) : null}

      <h2>Both rankings</h2>
      <div>
        <RankingTable caption="By moderated score" rows={byModerated.map((b) => ({ ...b, shownRank: b.rank, value: formatPoints(b.moderatedTotalMilli) }))} roundId={round.id} valueHeading="Moderated score" />
        <RankingTable caption="By normalised score" rows={byNormalised.map((b) => ({ ...b, shownRank: b.normalisedRank, value: b.normalisedZ === null ? '—' : b.normalisedZ.toFixed(2) }))} roundId={round.id} valueHeading="Mean z-score" />
      </div>
      <p className="secondary">Bids that failed a pass or fail criterion come last in both.</p>
    </>
  )
}

function RankingTable({ caption, rows, roundId, valueHeading }: { caption: string; rows: { applicationId: number; reference: string; title: string; shownRank: number; value: string; gatewayFailed: boolean }[]; roundId: number; valueHeading: string }) {
  return (
    <div className="table-wrap">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Rank</th>
            <th scope="col">Bid</th>
            <th scope="col" className="num">
              {valueHeading}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.applicationId}>
              <td>{r.shownRank}</td>
              <th scope="row">
                <Link to={`/panel/${roundId}/bids/${r.applicationId}`}>{r.reference}</Link> {r.title}
                {r.gatewayFailed ? <span className="tag tag--red"> Failed a gateway</span> : null}
              </th>
              <td className="num">{r.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
