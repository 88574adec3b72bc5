/**
 * Pure ledger arithmetic, safe to import from components: an account's balance from its posted totals.
 *
 * Every account has a normal side (TigerBeetle's "debit balance" or "credit balance" account): assets and spending
 * grow by debits, so their balance is debits - credits; what is owed to others (contributions held for a funder,
 * commitments to grantees) grows by credits, so its balance is credits - debits.
 */
export type NormalBalance = 'debit' | 'credit'

export function balanceFromTotals(normalBalance: NormalBalance, debitsPostedPence: number, creditsPostedPence: number): number {
  return normalBalance === 'debit' ? debitsPostedPence - creditsPostedPence : creditsPostedPence - debitsPostedPence
}

