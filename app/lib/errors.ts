/**
 * Typed domain errors. Domain functions throw subclasses; routes turn them into field or form messages with the right
 * HTTP status (400 for rule breaches, 409 for conflicts with the current state, 404 when something is not there).
 */
export class DomainError extends Error {
  readonly code: string
  readonly status: 400 | 403 | 404 | 409 | 422 | 429
  /** The form field the message belongs next to, when there is one. */
  readonly field?: string
  constructor(message: string, options: { code: string; status?: DomainError['status']; field?: string; cause?: unknown }) {
    super(message, { cause: options.cause })
    this.name = new.target.name
    this.code = options.code
    this.status = options.status ?? 400
    this.field = options.field
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string) {
    super(`We could not find that ${what}.`, { code: 'not_found', status: 404 })
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, code = 'conflict') {
    super(message, { code, status: 409 })
  }
}
