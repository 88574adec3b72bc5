/**
 * The counts the domain keeps up to date for /finance and /manage/returns (issue 8), recomputed from the rows they
 * count: after a bulk load (the national generator) and in tests. Each is kept by its writers in their transaction;
 * see app/domain/payments/run-counts.server.ts and app/domain/returns/review-counts.server.ts.
 */
import type { Kysely } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { rebuildRunTrancheCounts } from '../payments/run-counts.server.ts'
import { rebuildReturnReviewCounts } from '../returns/review-counts.server.ts'

export async function rebuildFinanceAndReturnCounts(db: Kysely<DB>): Promise<void> {
  await rebuildRunTrancheCounts(db)
  await rebuildReturnReviewCounts(db)
}
