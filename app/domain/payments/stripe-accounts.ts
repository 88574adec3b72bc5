/**
 * Stripe Connect account ids as people see them (isomorphic: the organisation's Stripe page validates with it in the
 * browser as well as on the server).
 */

/** A connected account id as Stripe shows it: acct_ then letters and digits. */
export const STRIPE_ACCOUNT_ID_PATTERN = /^acct_[A-Za-z0-9]+$/

export const STRIPE_ACCOUNT_ID_MESSAGE = 'Enter the connected account ID as Stripe shows it, starting acct_ (for example, acct_1Nv0FGQ9RKHgCVdK)'

export type ConnectedAccountState = 'ready' | 'payouts_disabled' | 'not_found' | 'unreachable' | 'not_checked'

/** What a finance officer is told about a connected account after asking Stripe. */
export const CONNECTED_ACCOUNT_STATE_TEXT: Record<ConnectedAccountState, string> = {
  ready: 'Stripe says payouts are enabled: transfers to this account can be paid out to the organisation.',
  payouts_disabled: 'Stripe says payouts are not enabled yet. Transfers will wait in the account until the organisation finishes setting it up with Stripe.',
  not_found: 'Stripe does not know this account on our platform. Check the ID with the organisation: transfers to it will be refused.',
  unreachable: 'We could not reach Stripe to check this account. Try again in a few minutes.',
  not_checked: 'Stripe is not set up on this site, so the account could not be checked.',
}
