import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { budgetLines, isDocumentRef, isVisible, partnerRows, type AnswerValue, type QuestionDef } from '~/domain/applications/answers.ts'
import { budgetOf, getApplicationForMember, isEditable } from '~/domain/applications/applications.server.ts'
import { ApplicationIncompleteError, applicationProblems, DeclarationMissingError, submitApplication } from '~/domain/applications/submission.server.ts'
import { statusLabel } from '~/domain/applications/status-labels.ts'
import { describeDeadline } from '~/lib/dates.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Check your answers – Commonpot' }]

const SubmitSchema = z.object({ declaration: z.literal('on', { errorMap: () => ({ message: 'Confirm the declaration to submit your application' }) }) })

function show(q: QuestionDef, value: AnswerValue | undefined): string[] {
  if (value === undefined) return ['Not answered']
  if (q.type === 'money' && typeof value === 'number') return [formatPence(value)]
  if (q.type === 'yes_no') return [value === 'yes' ? 'Yes' : 'No']
  if (isDocumentRef(value)) return [value.filename]
  if (q.type === 'budget_table') return budgetLines(value).map((l) => `${l.category}: ${l.description}, ${formatPence(l.amountPence)} (${l.kind === 'cash' ? 'cash' : 'in-kind'})`)
  if (q.type === 'partners_table') return partnerRows(value).map((r) => `${r.name}: ${r.role}${r.letter ? ` (letter of support: ${r.letter.filename})` : ''}`)
  if (Array.isArray(value)) return [(value as string[]).join(', ')]
  return [String(value)]
}

/** GET /applications/<id>/check: every answer with a Change link, the problems left, the declaration. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:application:own', context)
  const id = idParam(params.applicationId)
  const application = await getApplicationForMember(db, user, id).catch((e) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
  const editable = isEditable(application.status)
  return json({
    id: application.id,
    reference: application.reference,
    status: statusLabel(application.status),
    editable,
    deadline: application.round.closesAt ? describeDeadline(application.round.closesAt, new Date()) : null,
    sections: application.sections.map((s) => ({
      number: s.number,
      title: s.title,
      answers: s.questions
        .filter((q) => isVisible(q, application.answers))
        .map((q) => ({ key: q.key, label: q.label, lines: show(q, application.answers[q.key]), documentId: isDocumentRef(application.answers[q.key]) ? (application.answers[q.key] as { documentId: number }).documentId : null })),
    })),
    budget: budgetOf(application.round, application.questions, application.answers),
    problems: editable ? applicationProblems(application) : [],
  })
}

/** POST: submits. 400 without the declaration or with problems left; 409 after the deadline or once submitted. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'write:application:own')
  const id = idParam(params.applicationId)
  const submission = parseWithZod(await request.formData(), { schema: SubmitSchema })
  if (submission.status !== 'success') return json({ result: submission.reply() }, { status: 400 })
  try {
    await db.transaction().execute((trx) => submitApplication(trx, user, { applicationId: id, declaration: true, now: new Date() }))
  } catch (e) {
    if (e instanceof NotFoundError) throw notFound()
    if (e instanceof ApplicationIncompleteError) return json({ result: submission.reply({ formErrors: e.problems.map((p) => p.message) }) }, { status: 400 })
    if (e instanceof DeclarationMissingError) return json({ result: submission.reply({ fieldErrors: { declaration: [e.message] } }) }, { status: 400 })
    if (e instanceof DomainError && e.status === 409) return json({ result: submission.reply({ formErrors: [e.message] }) }, { status: 409 })
    throw e
  }
  return redirect(`/applications/${id}/submitted`)
}

export default function CheckAnswers() {
  const d = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const errors: Record<string, string[] | null> = actionData?.result.error ?? {}
  const formErrors = errors['']?.filter(Boolean) ?? []
  const declarationError = errors.declaration?.[0]
  return (
    <>
      <p className="secondary">Reference {d.reference}</p>
      {formErrors.length > 0 || declarationError ? (
        <div className="error-summary" role="alert" aria-labelledby="check-error-summary-title" tabIndex={-1}>
          <h2 className="error-summary__title" id="check-error-summary-title">
            There is a problem
          </h2>
          <ul className="error-summary__list">
            {formErrors.map((m) => (
              <li key={m}>{m}</li>
            ))}
            {declarationError ? (
              <li>
                <a href="#declaration">{declarationError}</a>
              </li>
            ) : null}
          </ul>
        </div>
      ) : null}
      <h1>{d.editable ? 'Check your answers before submitting your application' : 'Your application'}</h1>
      {!d.editable ? <p>Status: {d.status}. This application can no longer be changed.</p> : null}
      {d.sections.map((s) => (
        <section key={s.number} aria-labelledby={`section-${s.number}`}>
          <h2 id={`section-${s.number}`}>{s.title}</h2>
          <dl className="summary-list">
            {s.answers.map((a) => (
              <div key={a.key}>
                <dt>{a.label}</dt>
                <dd>
                  {a.lines.map((line) =>
                    a.documentId ? (
                      <a key={line} href={`/documents/${a.documentId}`}>
                        {line}
                      </a>
                    ) : (
                      <p key={line} className="answer-line">
                        {line}
                      </p>
                    ),
                  )}
                </dd>
                {d.editable ? (
                  <dd>
                    <Link to={`/applications/${d.id}/sections/${s.number}#${a.key}`}>
                      Change<span className="visually-hidden"> {a.label}</span>
                    </Link>
                  </dd>
                ) : null}
              </div>
            ))}
          </dl>
        </section>
      ))}
      {d.budget && d.budget.projectCostPence > 0 ? (
        <section aria-labelledby="money-heading">
          <h2 id="money-heading">Money</h2>
          <dl className="summary-list">
            <div>
              <dt>Total project cost</dt>
              <dd>{formatPence(d.budget.projectCostPence)}</dd>
            </div>
            <div>
              <dt>Amount you ask for</dt>
              <dd>{formatPence(d.budget.amountRequestedPence)}</dd>
            </div>
            <div>
              <dt>Match funding</dt>
              <dd>
                {formatPence(d.budget.matchCountedPence)} ({d.budget.matchPercent}%): {formatPence(d.budget.matchCashPence)} cash and {formatPence(d.budget.matchInKindPence)} in-kind
              </dd>
            </div>
          </dl>
        </section>
      ) : null}
      {d.editable ? (
        <>
          {d.problems.length > 0 ? (
            <div className="inset">
              <h2>Before you can submit</h2>
              <ul>
                {d.problems.map((p) => (
                  <li key={p.message}>
                    <Link to={p.href}>{p.message}</Link>
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          {d.deadline ? <p>This round {d.deadline}.</p> : null}
          <Form method="post" noValidate>
            <h2>Declaration</h2>
            <div className={`form-group${declarationError ? ' form-group--error' : ''}`}>
              {declarationError ? (
                <p className="error-message" id="declaration-error">
                  <span className="visually-hidden">Error: </span>
                  {declarationError}
                </p>
              ) : null}
              <div className="checkbox">
                <input type="checkbox" id="declaration" name="declaration" value="on" aria-describedby={declarationError ? 'declaration-error' : undefined} />
                <label htmlFor="declaration">
                  I confirm that the information in this application is true and complete, and that I am authorised to apply for my organisation.
                </label>
              </div>
            </div>
            <button type="submit" className="button">
              Submit application
            </button>
          </Form>
        </>
      ) : null}
      <p>
        <Link to={`/applications/${d.id}`}>Back to your application</Link>
      </p>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
