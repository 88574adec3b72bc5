/** One raw SQL text for both drivers: lists expand, placeholders are numbered for pg. */
import { describe, expect, test } from 'vitest'
import { compileSql } from './sql.ts'

describe('compileSql', () => {
  test('leaves SQLite placeholders as they are and expands a list', () => {
    expect(compileSql('select * from t where a = ? and b in (?)', [1, [2, 3, 4]], 'sqlite')).toEqual({ text: 'select * from t where a = ? and b in (?, ?, ?)', values: [1, 2, 3, 4] })
  })

  test('numbers placeholders for pg in order, across lists', () => {
    expect(compileSql('where b in (?) and a = ? and c = ?', [[2, 3], 'x', null], 'postgres')).toEqual({ text: 'where b in ($1, $2) and a = $3 and c = $4', values: [2, 3, 'x', null] })
  })

  test('an empty list matches nothing rather than being invalid SQL', () => {
    expect(compileSql('b in (?)', [[]], 'postgres')).toEqual({ text: 'b in ($1)', values: [null] })
  })

  test('refuses too few or too many values', () => {
    expect(() => compileSql('a = ? and b = ?', [1], 'sqlite')).toThrow(/more placeholders/)
    expect(() => compileSql('a = ?', [1, 2], 'sqlite')).toThrow(/1 placeholders but 2/)
  })
})
