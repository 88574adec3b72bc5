/**
 * Public donations into a pot (money in through Stripe Checkout). Each pot has one "Public donations" contribution
 * from the funder "Members of the public" (kind 'public'), opened on the pot's first donation. A donation is pledged
 * and received at once: the first one is the contribution's pledge and its receipt; later ones are receipts beyond
 * the pledge, recorded with a standing reason, so the ledger shows every pound that arrived (reports show a
 * contribution's pledge as at least what it received).
 *
 * Exactly once: the Stripe event id goes into webhook_events (primary key) in the same transaction as the receipt, so
 * a replayed event changes nothing; the receipt's idempotency key is the checkout session id, so two different events
 * about one payment record it once too. Donor names are not stored here (they stay with the payment at Stripe), so
 * the append-only ledger holds no personal data about donors. Gift Aid is out of scope.
 */
import type { Transaction } from 'kysely'
import type { Db } from '~/lib/db.server.ts'
import { DomainError } from '~/lib/errors.ts'
import { engineOf } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { createFunder } from '../funds/funds.server.ts'
import { addContribution, recordReceipt } from './contributions.server.ts'
import { getPot } from './pots.server.ts'

export const PUBLIC_FUNDER_NAME = 'Members of the public'
const DONATION_REASON = 'A public donation through Stripe: pledged and received at once'

export class DonationCurrencyError extends DomainError {
  constructor(currency: string) {
    super(`Donations are taken in pounds (GBP), not ${currency.toUpperCase()}.`, { code: 'donation_currency', status: 400 })
  }
}

export interface RecordDonationInput {
  /** The Stripe event id (evt_...): recorded once. */
  eventId: string
  eventType: string
  /** The Checkout Session id (cs_...): one receipt per paid session. */
  checkoutSessionId: string
  potId: number
  amountPence: number
  /** ISO 4217, lower case as Stripe sends it ("gbp"). */
  currency: string
  /** YYYY-MM-DD */
  receivedOn: string
}

export type RecordDonationResult = { recorded: true; contributionId: number; receiptId: number } | { recorded: false; reason: 'duplicate_event' | 'duplicate_payment' }

/** The pot's public-donations contribution, opened (with the public funder if needed) on the first donation. */
async function publicFunderId(trx: Transaction<DB>): Promise<number> {
  const existing = await trx.selectFrom('funders').select('id').where('name', '=', PUBLIC_FUNDER_NAME).executeTakeFirst()
  if (existing) return existing.id
  const funder = await createFunder(trx, null, { name: PUBLIC_FUNDER_NAME, kind: 'public', orgIdentifier: null, placeId: null })
  return funder.id
}

/**
 * Records a paid Stripe Checkout session as a receipt into the pot, exactly once per event and per session.
 * Throws the contribution domain's errors (e.g. a closed pot) so the webhook answers non-2xx and Stripe retries.
 */
export async function recordDonation(trx: Transaction<DB>, input: RecordDonationInput): Promise<RecordDonationResult> {
  if (input.currency.toLowerCase() !== 'gbp') throw new DonationCurrencyError(input.currency)
  const fresh = await trx
    .insertInto('webhook_events')
    .values({ event_id: input.eventId, source: 'stripe', type: input.eventType })
    .onConflict((oc) => oc.column('event_id').doNothing())
    .returning('event_id')
    .executeTakeFirst()
  if (!fresh) return { recorded: false, reason: 'duplicate_event' }

  // Serialise donations to one pot so two first donations cannot open two public contributions (SQLite's
  // BEGIN IMMEDIATE already does this; PostgreSQL needs the row lock).
  if (engineOf(trx) === 'postgres') await trx.selectFrom('pots').select('id').where('id', '=', input.potId).forUpdate().execute()
  const pot = await getPot(trx, input.potId)
  const funderId = await publicFunderId(trx)
  const found = await trx.selectFrom('contributions').select('id').where('pot_id', '=', pot.id).where('funder_id', '=', funderId).orderBy('id').executeTakeFirst()
  const contributionId =
    found?.id ??
    (
      await addContribution(trx, null, {
        potId: pot.id,
        funderId,
        pledgedPence: input.amountPence,
        instalments: [{ dueDate: input.receivedOn, amountPence: input.amountPence }],
      })
    ).id
  const { receipt, replayed } = await recordReceipt(trx, null, {
    contributionId,
    amountPence: input.amountPence,
    receivedOn: input.receivedOn,
    reference: `Stripe ${input.checkoutSessionId}`,
    idempotencyKey: `stripe:checkout:${input.checkoutSessionId}`,
    overPledgeReason: DONATION_REASON,
    source: 'stripe',
  })
  if (replayed) return { recorded: false, reason: 'duplicate_payment' }
  return { recorded: true, contributionId, receiptId: receipt.id }
}

export interface DonationPot {
  id: number
  name: string
  placeName: string | null
  /** Only open pots take donations. */
  takingDonations: boolean
}

/** What the public donate page shows about a pot, or null when there is no such pot. */
export async function donationPot(db: Db, potId: number): Promise<DonationPot | null> {
  const row = await db
    .selectFrom('pots')
    .leftJoin('places', 'places.id', 'pots.place_id')
    .select(['pots.id', 'pots.name', 'pots.status', 'places.name as placeName'])
    .where('pots.id', '=', potId)
    .executeTakeFirst()
  return row ? { id: row.id, name: row.name, placeName: row.placeName, takingDonations: row.status === 'open' } : null
}
