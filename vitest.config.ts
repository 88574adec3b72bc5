import fs from 'node:fs'
import path from 'node:path'
import { defineConfig } from 'vitest/config'

// Unit and integration tests beside the code (app/**, db/**, scripts/**). Browser journeys and the reliability proofs
// have their own configs.
const INCLUDE = ['app/**/*.test.{ts,tsx}', 'db/**/*.test.ts', 'scripts/**/*.test.ts', 'tests/unit/**/*.test.ts', 'tests/fakes/**/*.test.ts', 'bench/**/*.test.ts']

/**
 * Test files that replace modules with vi.mock. They run isolated (a fresh module graph each); every other file
 * shares its worker's modules with the files before it, which halves the suite's time (importing the app for each of
 * 170 files was half the work). Each file still gets its own database and data folder (tests/setup/setup-test-env.ts),
 * and the app's `db` and `env()` are re-read for it.
 */
function filesThatMockModules(): string[] {
  const found: string[] = []
  for (const root of ['app', 'db', 'scripts', 'tests', 'bench']) {
    for (const file of fs.readdirSync(root, { recursive: true }).map(String)) {
      if (!/\.test\.tsx?$/.test(file)) continue
      const relative = path.join(root, file)
      if (/\bvi\.(mock|doMock)\(/.test(fs.readFileSync(relative, 'utf8'))) found.push(relative)
    }
  }
  return found
}
const MOCKING = filesThatMockModules()

export default defineConfig({
  resolve: { alias: { '~': path.resolve('app') } },
  test: {
    globalSetup: ['tests/setup/global-setup.ts'],
    setupFiles: ['tests/setup/setup-test-env.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    restoreMocks: true,
    projects: [
      { extends: true, test: { name: 'shared-modules', include: INCLUDE, exclude: ['**/node_modules/**', ...MOCKING], isolate: false } },
      { extends: true, test: { name: 'isolated', include: MOCKING, isolate: true } },
    ],
  },
})
