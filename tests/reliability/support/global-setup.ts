/**
 * The reliability run's global setup: the unit suite's (a run id and a migrated template database every test file
 * copies), after rebuilding the app when build/ is missing or older than its sources, because the crash, race and
 * header checks start the built server (tests/reliability/support/server.ts).
 */
import { buildIfStale } from '../../e2e/support/global-setup.ts'
import { setup as setupDatabases } from '../../setup/global-setup.ts'

export async function setup() {
  await buildIfStale()
  return setupDatabases()
}
