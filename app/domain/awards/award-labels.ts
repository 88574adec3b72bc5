/** Tranche, condition and payment-run statuses and tranche gates in plain words (award statuses: offer-labels.ts). Pure. */
import type { Gate } from './schedule.ts'

export const TRANCHE_STATUS_LABELS: Record<string, string> = {
  offered: 'Waiting for the offer to be accepted',
  scheduled: 'Scheduled',
  in_run: 'In a payment run',
  sent: 'Sent to the bank, waiting for confirmation',
  paid: 'Paid',
  cancelled: 'Cancelled',
}

export const CONDITION_STATUS_LABELS: Record<string, string> = {
  outstanding: 'Not met yet',
  met: 'Met',
  waived: 'Waived',
}

/** "Paid once the offer is accepted", "Paid once the Year 1 return is accepted", ... */
export function gateLabel(gate: Gate, detail?: string | null): string {
  switch (gate) {
    case 'acceptance':
      return 'once the offer is accepted'
    case 'date':
      return 'on the due date'
    case 'return':
      return detail ? `once the ${detail} impact return is accepted` : 'once the impact return is accepted'
    case 'condition':
      return detail ? `once this condition is met: ${detail}` : 'once a condition is met'
  }
}

export const RUN_STATUS_LABELS: Record<string, string> = {
  awaiting_approval: 'Waiting for a second finance officer to approve',
  approved: 'Approved, ready to send',
  sent: 'Sent, waiting for confirmation',
  completed: 'Paid',
  cancelled: 'Cancelled',
}

export const RAIL_LABELS: Record<string, string> = {
  bacs: 'BACS (bank file)',
  stripe: 'Stripe transfer',
}
