/**
 * One error boundary for every route: thrown 4xx Responses (403, 404, 409 ...) become a plain-English page; anything
 * else is a 500 page with no stack trace (the error is logged on the server).
 */
import { isRouteErrorResponse, Link, useRouteError } from '@remix-run/react'

const MESSAGES: Record<number, { title: string; body: string }> = {
  400: { title: 'There is a problem with that request', body: 'Please go back and try again.' },
  403: { title: 'You do not have permission to see this page', body: 'If you think you should, ask your fund manager or organisation admin.' },
  404: { title: 'Page not found', body: 'If you typed the web address, check it is correct. If you pasted it, check you copied all of it.' },
  409: { title: 'That could not be done', body: 'Something changed since the page was loaded.' },
  413: { title: 'That is too large', body: 'Please send a smaller file or shorter text.' },
  429: { title: 'Too many attempts', body: 'Please wait a few minutes and try again.' },
}

export function GeneralErrorBoundary() {
  const error = useRouteError()
  if (isRouteErrorResponse(error)) {
    const known = MESSAGES[error.status] ?? { title: `Error ${error.status}`, body: '' }
    const detail = typeof error.data === 'string' && error.data.length < 300 ? error.data : null
    return (
      <div className="error-page">
        <h1>{known.title}</h1>
        {detail && detail !== known.body ? <p>{detail}</p> : null}
        <p>{known.body}</p>
        <p>
          <Link to="/">Go to the home page</Link>
        </p>
      </div>
    )
  }
  return (
    <div className="error-page">
      <h1>Sorry, there is a problem with the service</h1>
      <p>Please try again later. Nothing you submitted has been half-saved: either all of it was saved, or none of it.</p>
      <p>
        <Link to="/">Go to the home page</Link>
      </p>
    </div>
  )
}
