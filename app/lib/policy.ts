/**
 * The one policy table: which role may do what. Permissions are typed strings `action:entity:access`, where access is
 * `own` (my organisation's), `assigned` (bids I am assigned to), `funder` (my funder's money) or `any`.
 * Loaders and actions check these on the server with `requirePermission`; the navigation reads the same table to
 * decide what to show, but hiding a link is never the check. Tests iterate this table.
 */

export const ROLES = [
  'applicant',
  'organisation_admin',
  'assessor',
  'panel_chair',
  'fund_manager',
  'finance_officer',
  'funder_viewer',
  'admin',
] as const
export type Role = (typeof ROLES)[number]

/** Roles granted to a user directly (applicant and organisation admin come from organisation membership). */
export const GRANTABLE_ROLES = ['assessor', 'panel_chair', 'fund_manager', 'finance_officer', 'funder_viewer', 'admin'] as const satisfies readonly Role[]

export const ROLE_LABELS: Record<Role, string> = {
  applicant: 'Applicant',
  organisation_admin: 'Organisation admin',
  assessor: 'Assessor',
  panel_chair: 'Panel chair',
  fund_manager: 'Fund manager',
  finance_officer: 'Finance officer',
  funder_viewer: 'Funder viewer',
  admin: 'Administrator',
}

/** Roles that move or approve money, or administer people: two-factor authentication is required for them. */
export const ROLES_REQUIRING_2FA: readonly Role[] = ['finance_officer', 'admin']

export const PERMISSIONS = [
  // applicants
  'read:application:own',
  'write:application:own',
  'read:organisation:own',
  'manage:organisation:own',
  'manage:members:own',
  'write:return:own',
  'accept:offer:own',
  'write:bank-details:own',
  // assessment
  'read:application:assigned',
  'score:application:assigned',
  'moderate:score:any',
  'decide:application:any',
  // fund management
  'read:application:any',
  'manage:fund:any',
  'manage:round:any',
  'manage:pot:any',
  'read:pot:any',
  'issue:award:any',
  'review:return:any',
  'publish:grant:any',
  'read:report:any',
  // finance
  'prepare:payment-run:any',
  'approve:payment-run:any',
  'verify:bank-details:any',
  'read:ledger:any',
  'record:receipt:any',
  // funders
  'read:report:funder',
  // administration
  'manage:user:any',
  'read:outbox:any',
  'read:audit:any',
  'manage:places:any',
  'manage:personal-data:any',
] as const
export type Permission = (typeof PERMISSIONS)[number]

const APPLICANT: Permission[] = [
  'read:application:own',
  'write:application:own',
  'read:organisation:own',
  'write:return:own',
  'accept:offer:own',
  'write:bank-details:own',
]

const FUND_MANAGER: Permission[] = [
  'read:application:any',
  'manage:fund:any',
  'manage:round:any',
  'manage:pot:any',
  'read:pot:any',
  'issue:award:any',
  'review:return:any',
  'publish:grant:any',
  'read:report:any',
  'decide:application:any',
  'read:ledger:any',
  'record:receipt:any',
]

export const POLICY: Record<Role, readonly Permission[]> = {
  applicant: APPLICANT,
  organisation_admin: [...APPLICANT, 'manage:organisation:own', 'manage:members:own'],
  assessor: ['read:application:assigned', 'score:application:assigned'],
  panel_chair: ['read:application:assigned', 'score:application:assigned', 'moderate:score:any', 'decide:application:any', 'read:application:any'],
  fund_manager: FUND_MANAGER,
  finance_officer: ['prepare:payment-run:any', 'approve:payment-run:any', 'verify:bank-details:any', 'read:ledger:any', 'read:pot:any', 'record:receipt:any', 'read:report:any'],
  funder_viewer: ['read:report:funder'],
  admin: ['manage:user:any', 'read:outbox:any', 'read:audit:any', 'manage:places:any', 'manage:personal-data:any', 'read:report:any', 'read:pot:any', 'read:ledger:any'],
}

export function permissionsFor(roles: readonly Role[]): Set<Permission> {
  return new Set(roles.flatMap((r) => POLICY[r]))
}

export function roleHas(roles: readonly Role[], permission: Permission): boolean {
  return roles.some((r) => POLICY[r].includes(permission))
}

export function requires2fa(roles: readonly Role[]): boolean {
  return roles.some((r) => ROLES_REQUIRING_2FA.includes(r))
}
