import path from 'node:path'
import { defineConfig } from 'vitest/config'

// Browser journeys against the built app (tests/e2e/support/global-setup.ts starts it once per run, with a fresh
// seeded database and an SMTP sink). Files run one after another: they share that server and its database.
// E2E_COLLECT_ONLY=true (used by scripts/test.mjs to count the journeys when Chromium is missing) skips the setup.
export default defineConfig({
  resolve: { alias: { '~': path.resolve('app') } },
  test: {
    include: ['tests/e2e/**/*.test.ts'],
    globalSetup: process.env.E2E_COLLECT_ONLY === 'true' ? [] : ['tests/e2e/support/global-setup.ts'],
    setupFiles: ['tests/e2e/support/setup-journey.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
})
