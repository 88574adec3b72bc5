import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SelectField, SubmitButton, TextField } from '~/components/forms.tsx'
import { fcfsState, fcfsStatusMessage } from '~/domain/applications/allocation.server.ts'
import { ApplicationFilterSchema, toApplicationFilters } from '~/domain/applications/listing-filters.ts'
import { filterChoices, listRoundApplications } from '~/domain/applications/listing.server.ts'
import { screenNewApplications } from '~/domain/applications/screening.server.ts'
import { SCREENING_LABELS } from '~/domain/applications/screening-labels.ts'
import { statusLabel } from '~/domain/applications/status-labels.ts'
import { getRound } from '~/domain/funds/rounds.server.ts'
import { legalTypeLabel } from '~/domain/organisations/identifiers.ts'
import { formatDeadline } from '~/lib/dates.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idText } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Applications: ${data?.round.title ?? 'round'} – Commonpot` }]

const RoundIdSchema = idText

async function roundOr404(roundIdParam: string | undefined) {
  const roundId = RoundIdSchema.safeParse(roundIdParam)
  if (!roundId.success) throw notFound()
  try {
    return await getRound(db, roundId.data)
  } catch (e) {
    if (e instanceof NotFoundError) throw notFound()
    throw e
  }
}

/** GET /manage/rounds/<id>/applications: what arrived in the round, filtered (a GET form) and 50 a page. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'read:application:any', context)
  const round = await roundOr404(params.roundId)
  const url = new URL(request.url)
  const submission = parseWithZod(url.searchParams, { schema: ApplicationFilterSchema })
  const [choices, fcfs] = await Promise.all([filterChoices(db, round.id), fcfsState(db, round.id)])
  const common = { round: { id: round.id, title: round.title }, choices, fcfs, fcfsMessage: fcfsStatusMessage(fcfs) }
  if (submission.status !== 'success') {
    return json({ ...common, result: submission.reply(), page: null, csvQuery: '' }, { status: 400 })
  }
  const { after, before } = submission.value
  const page = await listRoundApplications(db, { roundId: round.id, filters: toApplicationFilters(submission.value), after, before })
  const filterQuery = new URLSearchParams([...url.searchParams].filter(([k, v]) => k !== 'after' && k !== 'before' && v !== ''))
  return json({
    ...common,
    result: null,
    csvQuery: filterQuery.toString(),
    page: {
      ...page,
      rows: page.rows.map((r) => ({
        ...r,
        statusLabel: statusLabel(r.status),
        legalTypeLabel: legalTypeLabel(r.legalType),
        amount: formatPence(r.amountRequestedPence),
        submitted: r.submittedAt ? formatDeadline(r.submittedAt) : 'Not submitted',
        screeningLabel: SCREENING_LABELS[r.screening ?? 'not_screened'],
      })),
    },
  })
}

/** POST: screen every application that has arrived and not been screened yet (the automatic result). */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'read:application:any')
  if (!user.permissions.has('decide:application:any')) throw new Response('You do not have permission to screen applications.', { status: 403 })
  const round = await roundOr404(params.roundId)
  const count = await db.transaction().execute((trx) => screenNewApplications(trx, user.id, { roundId: round.id, now: new Date() }))
  const message = count === 0 ? 'There were no new applications to screen' : `Screened ${count} new application${count === 1 ? '' : 's'}`
  return redirect(`/manage/rounds/${round.id}/applications`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
}

export default function RoundApplications() {
  const { round, choices, fcfs, fcfsMessage, result, page, csvQuery } = useLoaderData<typeof loader>()
  const [form, fields] = useForm({
    id: 'filters',
    lastResult: result,
    shouldValidate: 'onSubmit',
    onValidate: ({ formData }) => parseWithZod(formData, { schema: ApplicationFilterSchema }),
  })
  const base = `/manage/rounds/${round.id}/applications`
  const withCursor = (cursor: string) => `${base}?${csvQuery ? `${csvQuery}&` : ''}${cursor}`
  return (
    <>
      <span className="secondary">
        <Link to={`/manage/rounds/${round.id}`}>{round.title}</Link>
      </span>
      <h1>Applications</h1>
      {fcfs ? (
        <p className="lead">
          {fcfs.allocated} of {fcfs.grantCount} grants allocated ({fcfs.priorityAllocated} to priority-community groups; {fcfs.priorityReserve} kept for them),{' '}
          {fcfs.waitlisted} on the waiting list. {fcfsMessage ? `${fcfsMessage}.` : `${fcfs.remaining} left.`}
        </p>
      ) : null}

      <Form method="get" action={base} {...getFormProps(form)}>
        <ErrorSummary form={form} fields={fields} />
        <fieldset className="fieldset">
          <legend>Filter applications</legend>
          <SelectField field={fields.status} label="Status" placeholder="Any status">
            {choices.statuses.map((s) => (
              <option key={s} value={s}>
                {statusLabel(s)}
              </option>
            ))}
          </SelectField>
          <SelectField field={fields.place} label="Place (integrated care board)" placeholder="Any place">
            {choices.places.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </SelectField>
          <SelectField field={fields.type} label="Organisation type" placeholder="Any type">
            {choices.legalTypes.map((t) => (
              <option key={t} value={t}>
                {legalTypeLabel(t)}
              </option>
            ))}
          </SelectField>
          <TextField field={fields.min} label="Smallest amount requested" hint="In pounds, like £1,000" width="narrow" inputMode="decimal" />
          <TextField field={fields.max} label="Largest amount requested" hint="In pounds, like £50,000" width="narrow" inputMode="decimal" />
          <SelectField field={fields.screening} label="Screening result" placeholder="Any result">
            <option value="eligible">{SCREENING_LABELS.eligible}</option>
            <option value="ineligible">{SCREENING_LABELS.ineligible}</option>
            <option value="not_screened">{SCREENING_LABELS.not_screened}</option>
          </SelectField>
          <SubmitButton>Apply filters</SubmitButton> <Link to={base}>Clear filters</Link>
        </fieldset>
      </Form>

      {page ? (
        <>
          <p>
            <a href={`${base}.csv${csvQuery ? `?${csvQuery}` : ''}`} download>
              Download these applications (CSV)
            </a>
          </p>
          <ApplicationsTable rows={page.rows} />
          <nav aria-label="Pages of applications">
            <p>
              {page.previousBefore !== null ? <Link to={withCursor(`before=${page.previousBefore}`)}>Previous page</Link> : null}
              {page.previousBefore !== null && page.nextAfter !== null ? ' · ' : null}
              {page.nextAfter !== null ? <Link to={withCursor(`after=${page.nextAfter}`)}>Next page</Link> : null}
            </p>
          </nav>
        </>
      ) : null}

      <h2>Screening</h2>
      <Form method="post">
        <p>Check every new application against the round’s rules. You can override any result, with a reason, on the application’s page.</p>
        <SubmitButton secondary>Screen new applications</SubmitButton>
      </Form>
    </>
  )
}

interface Row {
  id: number
  reference: string
  organisationName: string
  legalTypeLabel: string
  placeName: string | null
  regionName: string | null
  statusLabel: string
  amount: string
  submitted: string
  screeningLabel: string
  screeningOverridden: boolean
  fcfsPosition: number | null
}

function ApplicationsTable({ rows }: { rows: Row[] }) {
  if (rows.length === 0) return <p>No applications match these filters.</p>
  const showPosition = rows.some((r) => r.fcfsPosition !== null)
  return (
    <div className="table-wrap">
      <table>
        <caption>Applications to this round</caption>
        <thead>
          <tr>
            <th scope="col">Reference</th>
            <th scope="col">Organisation</th>
            <th scope="col">Place</th>
            <th scope="col">Status</th>
            {showPosition ? <th scope="col">Arrived</th> : null}
            <th scope="col">Amount requested</th>
            <th scope="col">Submitted</th>
            <th scope="col">Screening</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td>
                <Link to={`/manage/applications/${r.id}`}>{r.reference}</Link>
              </td>
              <td>
                {r.organisationName}
                <br />
                <span className="secondary">{r.legalTypeLabel}</span>
              </td>
              <td>{r.placeName ?? 'Not given'}</td>
              <td>{r.statusLabel}</td>
              {showPosition ? <td>{r.fcfsPosition === null ? '' : `No. ${r.fcfsPosition}`}</td> : null}
              <td>{r.amount}</td>
              <td>{r.submitted}</td>
              <td>
                {r.screeningLabel}
                {r.screeningOverridden ? ' (overridden)' : ''}
              </td>
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
