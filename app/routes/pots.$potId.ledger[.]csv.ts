import type { LoaderFunctionArgs } from '@remix-run/node'
import { getPot, PotNotFoundError } from '~/domain/budgets/pots.server.ts'
import { potLedgerEntries, type PotLedgerEntry } from '~/domain/budgets/reports.server.ts'
import { penceToDecimalPounds } from '~/lib/money.ts'
import { csvResponse, type CsvColumn } from '~/lib/csv.server.ts'
import { db } from '~/lib/db.server.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { idParam } from '~/lib/ids.ts'

const COLUMNS: CsvColumn<PotLedgerEntry>[] = [
  { header: 'Date', value: (e) => e.createdAt },
  { header: 'Entry id', value: (e) => e.id },
  { header: 'Reason', value: (e) => e.reasonCode },
  { header: 'From account', value: (e) => e.fromAccount },
  { header: 'To account', value: (e) => e.toAccount },
  { header: 'Amount (GBP)', value: (e) => penceToDecimalPounds(e.amountPence) },
  { header: 'Idempotency key', value: (e) => e.idempotencyKey },
  { header: 'Reference', value: (e) => e.reference },
]

/** GET /pots/:potId/ledger.csv: every ledger entry on the pot's contribution accounts, streamed (read:pot:any). */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'read:pot:any', context)
  const potId = idParam(params.potId, 'We could not find that pot.')
  try {
    await getPot(db, potId)
  } catch (e) {
    if (e instanceof PotNotFoundError) throw notFound('We could not find that pot.')
    throw e
  }
  return csvResponse(`pot-${potId}-ledger-entries.csv`, COLUMNS, potLedgerEntries(db, potId))
}
