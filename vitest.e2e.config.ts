import path from 'node:path'
import { defineConfig } from 'vitest/config'

// Browser journeys against the built app (tests/e2e/support/global-setup.ts starts it once per run, with a fresh
// seeded database and an SMTP sink). Within one run, files run one after another: they share that server and its
// database. `npm test` (scripts/test.mjs) starts several runs side by side, each with its own share of the files and
// its own server, database and sink; `vitest run --config vitest.e2e.config.ts <files>` runs one share by hand.
// E2E_COLLECT_ONLY=true (used by scripts/test.mjs to count the journeys when Chromium is missing) skips the setup.
export default defineConfig({
  resolve: { alias: { '~': path.resolve('app') } },
  test: {
    include: ['tests/e2e/**/*.test.ts'],
    globalSetup: process.env.E2E_COLLECT_ONLY === 'true' ? [] : ['tests/e2e/support/global-setup.ts'],
    setupFiles: ['tests/e2e/support/setup-journey.ts'],
    pool: 'forks',
    fileParallelism: false,
    // A hang guard, not a speed check: journey processes share the cores with each other and the unit suite (CI runs
    // four of them and two unit runs on two cores), so a long journey can take twice its time on a quiet machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
})
