/** How an application's status reads to people. Isomorphic: pages render it in the browser too. */
export const STATUS_LABELS: Record<string, string> = {
  draft: 'Draft',
  changes_requested: 'Changes requested',
  submitted: 'Submitted',
  eoi_submitted: 'Expression of interest submitted',
  invited: 'Invited to full application',
  eoi_declined: 'Expression of interest declined',
  withdrawn: 'Withdrawn',
  allocated: 'Grant allocated',
  waitlisted: 'On the waiting list',
  refused: 'Not allocated',
  successful: 'Successful',
  reserve: 'On the reserve list',
  unsuccessful: 'Not successful',
}

export function statusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status
}

