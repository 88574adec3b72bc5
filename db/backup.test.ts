/** The backup's refusal messages stay on one line, however SQLite's integrity check words its findings. */
import { expect, test } from 'vitest'
import { integrityProblems } from './backup.ts'

test('integrity check findings become one line: headings dropped, the first three kept, with how many more', () => {
  const finding = '*** in database main ***\nTree 137 page 137 cell 3: Rowid 5374 out of order\nTree 137 page 137 cell 2: Extends off end of page\nTree 138 page 138: btreeInitPage() returns error code 11\nTree 139 page 139: btreeInitPage() returns error code 11'
  const line = integrityProblems([finding, 'wrong # of entries in index panel_decisions_round_idx'])
  expect(line).not.toContain('\n')
  expect(line).toBe('Tree 137 page 137 cell 3: Rowid 5374 out of order; Tree 137 page 137 cell 2: Extends off end of page; Tree 138 page 138: btreeInitPage() returns error code 11; and 2 more')
  expect(integrityProblems(['row 12 missing from index x'])).toBe('row 12 missing from index x')
})
