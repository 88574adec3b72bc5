/**
 * A query compiled once for its shape runs with each call's values, and a slot left without a value is a mistake that
 * fails loudly rather than running with a placeholder.
 */
import { sql } from 'kysely'
import { describe, expect, test } from 'vitest'
import { db } from '~/lib/db.server.ts'
import { compiledOnce, type CompiledQueries } from './compiled-once.server.ts'

describe('compiledOnce', () => {
  test('builds a shape once and runs it with each call’s values in its slots', async () => {
    const cache: CompiledQueries<{ word: string }> = new Map()
    let builds = 0
    const run = async (word: string) => {
      const query = compiledOnce(cache, db, 'echo', (slot) => {
        builds += 1
        const query = sql<{ word: string }>`select cast(${slot<string>('word')} as text) as word`
        return { compile: () => query.compile(db) }
      }, { word })
      return (await db.executeQuery(query)).rows[0]!.word
    }
    expect(await run('first')).toBe('first')
    expect(await run('second')).toBe('second')
    expect(builds).toBe(1)
    expect(cache.size).toBe(1)
  })

  test('a slot without a value throws', () => {
    const cache: CompiledQueries<{ n: number }> = new Map()
    expect(() => compiledOnce(cache, db, 'missing', (slot) => db.selectNoFrom((eb) => eb.val(slot<number>('n')).as('n')), {})).toThrow(`No value for the query's slot "n"`)
  })
})
