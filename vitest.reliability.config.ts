import path from 'node:path'
import { defineConfig } from 'vitest/config'

// The reliability and security proofs (tests/reliability/**): the access matrix, hostile input, races, crashes,
// backup and restore, sessions and headers. `npm run verify:reliability` (scripts/verify-reliability.mjs) runs them and
// prints the table of what was tried and what held; `npm test` runs them once, between the unit suite and the journeys.
// Same fresh-database-per-file setup as the unit suite; longer limits, because some files start the built server.
export default defineConfig({
  resolve: { alias: { '~': path.resolve('app') } },
  test: {
    include: ['tests/reliability/**/*.test.ts'],
    globalSetup: ['tests/reliability/support/global-setup.ts'],
    setupFiles: ['tests/setup/setup-test-env.ts'],
    pool: 'forks',
    testTimeout: 300_000,
    hookTimeout: 120_000,
    restoreMocks: true,
  },
})
