/** How a pot's policies read to people. Isomorphic: pages render them in the browser too. */
export type AvailableBasis = 'received' | 'pledged'
export type YearEndPolicy = 'carry_forward' | 'return'

export const AVAILABLE_BASIS_LABELS: Record<AvailableBasis, string> = {
  received: 'Money received (pledges count once the money arrives)',
  pledged: 'Money pledged (pledges can be committed before the money arrives)',
}

export const YEAR_END_POLICY_LABELS: Record<YearEndPolicy, string> = {
  carry_forward: "Carry unspent money forward into next year's pot",
  return: 'Return unspent money to contributors in proportion to what they put in',
}
