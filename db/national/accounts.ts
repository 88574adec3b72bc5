/**
 * The national dataset's well-known accounts (password DEMO_PASSWORD from db/seed/demo.ts for all), for people trying
 * the dataset and for the benchmark, which signs each of them in through the real /login form.
 */

export const NATIONAL_DOMAIN = 'national.commonpot.test'

/** Fund manager: every round, pot and return. */
export const NATIONAL_MANAGER_EMAIL = `manager@${NATIONAL_DOMAIN}`
/** Finance officer (two-factor on, with NATIONAL_FINANCE_TOTP_SECRET). */
export const NATIONAL_FINANCE_EMAIL = `finance@${NATIONAL_DOMAIN}`
/** A second finance officer: the other pair of eyes on payment runs (same TOTP secret). */
export const NATIONAL_FINANCE2_EMAIL = `finance2@${NATIONAL_DOMAIN}`
/** Funder viewer of funder 1 (NHS England, which pays into every place's pot). */
export const NATIONAL_FUNDER_EMAIL = `funder@${NATIONAL_DOMAIN}`
/** An assessor with a real queue in the rounds being assessed now. */
export const NATIONAL_ASSESSOR_EMAIL = `assessor@${NATIONAL_DOMAIN}`
/** A member of organisation 1: drafts, a submitted bid, an award being paid and a return waiting for review. */
export const NATIONAL_APPLICANT_EMAIL = `applicant@${NATIONAL_DOMAIN}`

/** The finance officers' TOTP secret (base32, 20 bytes), fixed so the benchmark can compute codes. */
export const NATIONAL_FINANCE_TOTP_SECRET = 'NATIONALBENCHFINANCESECRETQRSTUV'

export const NATIONAL_ACCOUNTS = [
  { email: NATIONAL_MANAGER_EMAIL, role: 'fund_manager', twoFactor: false },
  { email: NATIONAL_FINANCE_EMAIL, role: 'finance_officer', twoFactor: true },
  { email: NATIONAL_FUNDER_EMAIL, role: 'funder_viewer', twoFactor: false },
  { email: NATIONAL_ASSESSOR_EMAIL, role: 'assessor', twoFactor: false },
  { email: NATIONAL_APPLICANT_EMAIL, role: 'applicant', twoFactor: false },
] as const

/** The other generated people: one per organisation, and the assessor pool. */
export function organisationUserEmail(organisationNumber: number): string {
  return `org${organisationNumber}@${NATIONAL_DOMAIN}`
}

export function assessorEmail(assessorNumber: number): string {
  return `assessor${assessorNumber}@${NATIONAL_DOMAIN}`
}
