/**
 * Words about offers that pages show (isomorphic: no server code). The declaration is stored, as worded here, with
 * each acceptance.
 */

export const AWARD_STATUS_LABELS: Record<string, string> = {
  committed: 'Offer being prepared',
  offered: 'Offer sent, waiting for a reply',
  accepted: 'Offer accepted',
  declined: 'Offer declined',
  cancelled: 'Withdrawn',
  completed: 'Paid in full',
}

export function awardStatusLabel(status: string): string {
  return AWARD_STATUS_LABELS[status] ?? status
}

/** The declaration the person accepting confirms, for their organisation. */
export function offerDeclaration(organisationName: string): string {
  return `I confirm that I am authorised to accept this offer on behalf of ${organisationName}, that I have read the offer letter, and that ${organisationName} agrees to its terms and conditions.`
}

/** Where an award's offer has got to, as the fund manager sees it: a committed award is ready once its schedule is set. */
export function offerProgressLabel(status: string, tranches: number): string {
  if (status === 'committed') return tranches > 0 ? 'Ready to send' : 'Terms not set yet'
  return awardStatusLabel(status)
}
