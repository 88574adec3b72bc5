import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SubmitButton } from '~/components/forms.tsx'
import { NotEligibleError, startApplication } from '~/domain/applications/applications.server.ts'
import { describeEligibility } from '~/domain/funds/round-rules.ts'
import { getRoundBySlug } from '~/domain/funds/rounds.server.ts'
import { listOrganisationsForMember } from '~/domain/organisations/organisations.server.ts'
import { describeDeadline } from '~/lib/dates.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requireUser } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { MAX_ID } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Check if you can apply${data ? ` to ${data.round.title}` : ''} – Commonpot` }]

const EligibilitySchema = z
  .object({ organisationId: z.number({ required_error: 'Select the organisation that is applying' }).int().positive().max(MAX_ID) })
  .catchall(z.string().optional())

async function roundOr404(slug: string) {
  try {
    const round = await getRoundBySlug(db, slug)
    if (round.status === 'draft') throw notFound()
    return round
  } catch (e) {
    if (e instanceof NotFoundError) throw notFound()
    throw e
  }
}

/** GET /apply/<slug>/eligibility: the round's eligibility questions and which of your organisations is applying. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context)
  const round = await roundOr404(params.slug!)
  const organisations = await listOrganisationsForMember(db, user.id)
  const now = new Date()
  return json({
    round: { title: round.title, slug: round.slug, deadline: round.closesAt ? describeDeadline(round.closesAt, now) : null },
    rules: describeEligibility(round.rules, round.places.map((p) => p.name)),
    questions: round.rules.eligibilityQuestions.map((q) => ({ key: q.key, label: q.label, options: q.options })),
    organisations: organisations.map((o) => ({ id: o.id, name: o.name })),
  })
}

/** POST: passes -> a draft application and its task list; fails -> 400 with every reason, nothing created. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const round = await roundOr404(params.slug!)
  const submission = parseWithZod(await request.formData(), { schema: EligibilitySchema })
  if (submission.status !== 'success') return json({ result: submission.reply(), reasons: [] }, { status: 400 })
  const { organisationId, ...rest } = submission.value
  const answers = Object.fromEntries(round.rules.eligibilityQuestions.map((q) => [q.key, rest[`q_${q.key}`] ?? '']))
  try {
    const application = await db
      .transaction()
      .execute((trx) => startApplication(trx, user, { roundId: round.id, organisationId, eligibilityAnswers: answers, now: new Date() }))
    const message = `You can apply. Your application reference is ${application.reference}.`
    return redirect(`/applications/${application.id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  } catch (e) {
    if (e instanceof NotEligibleError) return json({ result: submission.reply(), reasons: e.reasons }, { status: 400 })
    if (e instanceof NotFoundError) return json({ result: submission.reply({ fieldErrors: { organisationId: ['Select one of your organisations'] } }), reasons: [] }, { status: 400 })
    throw e
  }
}

export default function Eligibility() {
  const { round, rules, questions, organisations } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const [form, fields] = useForm({ id: 'eligibility', lastResult: actionData?.result, shouldValidate: 'onSubmit' })
  const reasons = actionData?.reasons ?? []
  return (
    <>
      <h1>Check if you can apply to {round.title}</h1>
      {round.deadline ? <p className="lead">This round {round.deadline}.</p> : null}
      {reasons.length > 0 ? (
        <div className="error-summary" role="alert" aria-labelledby="not-eligible-title" tabIndex={-1}>
          <h2 className="error-summary__title" id="not-eligible-title">
            You cannot apply to this round yet
          </h2>
          <ul className="error-summary__list">
            {reasons.map((r) => (
              <li key={r.message}>
                {r.message} <span className="secondary">{r.action}</span>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <ErrorSummary form={form} fields={{ organisationId: fields.organisationId }} labels={{ organisationId: 'Organisation' }} />
      <h2>Who can apply</h2>
      <ul>
        {rules.map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      {organisations.length === 0 ? (
        <div className="inset">
          <p>You need to belong to an organisation to apply.</p>
          <p>
            <Link to="/organisation/new">Register your organisation</Link>, or ask your organisation’s admin to invite you.
          </p>
        </div>
      ) : (
        <Form method="post" {...getFormProps(form)}>
          {organisations.length === 1 ? (
            <>
              <input type="hidden" name="organisationId" value={organisations[0].id} />
              <p>
                You are applying for <strong>{organisations[0].name}</strong>.
              </p>
            </>
          ) : (
            <fieldset className="fieldset" aria-describedby={fields.organisationId.errors?.length ? fields.organisationId.errorId : undefined}>
              <legend>Which organisation is applying?</legend>
              {fields.organisationId.errors?.length ? (
                <p className="error-message" id={fields.organisationId.errorId}>
                  <span className="visually-hidden">Error: </span>
                  {fields.organisationId.errors[0]}
                </p>
              ) : null}
              {organisations.map((o) => (
                <div className="checkbox" key={o.id}>
                  <input type="radio" id={`${fields.organisationId.id}-${o.id}`} name="organisationId" value={o.id} />
                  <label htmlFor={`${fields.organisationId.id}-${o.id}`}>{o.name}</label>
                </div>
              ))}
            </fieldset>
          )}
          {questions.map((q) => (
            <fieldset className="fieldset" key={q.key}>
              <legend>{q.label}</legend>
              {q.options.map((option) => (
                <div className="checkbox" key={option}>
                  <input type="radio" id={`q_${q.key}-${option}`} name={`q_${q.key}`} value={option} />
                  <label htmlFor={`q_${q.key}-${option}`}>{option}</label>
                </div>
              ))}
            </fieldset>
          ))}
          <SubmitButton>Check and start my application</SubmitButton>
        </Form>
      )}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
