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
