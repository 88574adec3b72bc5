/** The identity area's typed errors. Routes turn each into a message next to its field (or at the top of the form). */
import { DomainError } from '~/lib/errors.ts'

/** The one answer to a wrong email address or password, so it never tells which of the two was wrong. */
export const WRONG_CREDENTIALS_MESSAGE = 'Enter a correct email address and password'
/** The answer while sign-in (or the second factor) is throttled, even to the right password or code. */
export const TOO_MANY_ATTEMPTS_MESSAGE = 'Too many attempts. Wait 15 minutes and try again.'

export class EmailTakenError extends DomainError {
  constructor() {
    super('An account with this email address already exists', { code: 'email_taken', status: 400, field: 'email' })
  }
}

export class PasswordRuleError extends DomainError {
  constructor(message: string, field = 'password') {
    super(message, { code: 'password_rule', status: 400, field })
  }
}

export class WrongPasswordError extends DomainError {
  constructor(field: string) {
    super('Your current password is not correct', { code: 'wrong_password', status: 400, field })
  }
}

export class ResetTokenInvalidError extends DomainError {
  constructor() {
    super('This password reset link has expired or has already been used', { code: 'reset_token_invalid', status: 400 })
  }
}

export class InvalidTotpCodeError extends DomainError {
  constructor() {
    super('The code is not correct. Enter the 6-digit code your authenticator app shows now', { code: 'totp_invalid', status: 400, field: 'code' })
  }
}

export class NoPendingEnrolmentError extends DomainError {
  constructor() {
    super('Two-factor set-up had not started or has expired. Scan the new code below and try again', { code: 'totp_not_started', status: 409 })
  }
}

export class TwoFactorAlreadyOnError extends DomainError {
  constructor() {
    super('Two-factor authentication is already turned on for your account', { code: 'totp_already_on', status: 409 })
  }
}

export class TwoFactorRequiredError extends DomainError {
  constructor() {
    super('Your role (finance officer or administrator) requires two-factor authentication, so it cannot be turned off', {
      code: 'totp_required',
      status: 403,
    })
  }
}
