/**
 * The chart of accounts for pooled budgets (ADR 0008). Pure: codes and names only, safe to import anywhere.
 *
 * Each contribution (one funder's money in one pot) has six credit-normal buckets, and each funder one debit-normal
 * source account where its pledges come from. An entry "A -> B" debits A and credits B:
 *
 *   pledge        funder:<f>:source              -> contribution:<c>:outstanding   (pledged, not yet received)
 *   receipt       contribution:<c>:outstanding   -> contribution:<c>:available     (received, uncommitted)
 *   over-pledge   funder:<f>:source              -> contribution:<c>:available     (received beyond the pledge, with a reason)
 *   commit        contribution:<c>:available     -> contribution:<c>:committed     (an award reserves money)
 *                 contribution:<c>:outstanding   -> contribution:<c>:committed     (only on a pot whose available_basis is 'pledged')
 *   release       contribution:<c>:committed     -> contribution:<c>:available     (an award declined or cancelled)
 *   accept        contribution:<c>:committed     -> contribution:<c>:scheduled     (the offer is accepted: the money is
 *                                                                                  in the award's payment schedule)
 *   pay           contribution:<c>:scheduled     -> contribution:<c>:paid          (a tranche is paid, per tranche part)
 *   reverse       contribution:<c>:paid          -> contribution:<c>:scheduled     (a payment returned or reversed)
 *   repay         contribution:<c>:paid          -> contribution:<c>:available     (a grantee repays, or money is clawed back)
 *   return        contribution:<c>:available     -> contribution:<d>:returned      (year end: back to contributors)
 *   carry forward contribution:<c>:available     -> contribution:<n>:available     (year end: into next year's pot)
 *
 * Balances are always read from these accounts, never stored anywhere else. A pot's figures are the sums over its
 * contributions' accounts.
 */

export const CONTRIBUTION_BUCKETS = ['outstanding', 'available', 'committed', 'scheduled', 'paid', 'returned'] as const
export type ContributionBucket = (typeof CONTRIBUTION_BUCKETS)[number]

export const BUCKET_LABELS: Record<ContributionBucket, string> = {
  outstanding: 'pledged, not yet received',
  available: 'received, not yet committed',
  committed: 'committed to awards, offer not yet accepted',
  scheduled: 'accepted, in a payment schedule',
  paid: 'paid to grantees',
  returned: 'returned to the contributor',
}

/** "contribution:12:available" */
export function contributionAccountCode(contributionId: number, bucket: ContributionBucket): string {
  return `contribution:${contributionId}:${bucket}`
}

/** Every bucket's code for one contribution. */
export function contributionAccountCodes(contributionId: number): Record<ContributionBucket, string> {
  return Object.fromEntries(CONTRIBUTION_BUCKETS.map((b) => [b, contributionAccountCode(contributionId, b)])) as Record<ContributionBucket, string>
}

/** "funder:3:source": where a funder's pledges come from (debit-normal: it grows as the funder pledges). */
export function funderSourceCode(funderId: number): string {
  return `funder:${funderId}:source`
}

/** Reason codes written on pooled-budget ledger entries. */
export const REASONS = {
  pledged: 'contribution.pledged',
  received: 'contribution.received',
  receivedOverPledge: 'contribution.received_over_pledge',
  committed: 'award.committed',
  released: 'award.commitment_released',
  scheduled: 'award.scheduled',
  paid: 'award.paid',
  paymentReversed: 'award.payment_reversed',
  repaid: 'award.repaid',
  clawedBack: 'award.clawed_back',
  returned: 'year_end.returned',
  carriedForward: 'year_end.carried_forward',
} as const
