/**
 * The roles a person can hold in an organisation, and how pages name them. Plain data with no server imports, so route
 * components can render the labels in the browser (a `.server.ts` module is empty in the browser bundle).
 */
export type MembershipRole = 'member' | 'admin'

export const MEMBERSHIP_ROLE_LABELS: Record<MembershipRole, string> = {
  member: 'Member',
  admin: 'Organisation admin',
}
