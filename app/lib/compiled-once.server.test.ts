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

  test('a list slot takes each of a list’s values in turn, and its length is part of the shape', async () => {
    const cache: CompiledQueries<{ n: number }> = new Map()
    const run = async (ids: number[]) => {
      const query = compiledOnce(cache, db, `list ${ids.length}`, (slot) => {
        const raw = sql<{ n: number }>`select count(*) as n from (select 1 as x) t where 2 in (${slot.list('ids', ids.length)})`
        return { compile: () => raw.compile(db) }
      }, { ids })
      return Number((await db.executeQuery(query)).rows[0]!.n)
    }
    expect(await run([1, 2, 3])).toBe(1)
    expect(await run([4, 5, 6])).toBe(0)
    expect(await run([2])).toBe(1)
    expect(cache.size).toBe(2)
    expect(() => compiledOnce(cache, db, 'list 3', () => { throw new Error('not built again') }, { ids: [1] })).toThrow(`No value for the query's slot "ids[1]"`)
  })

  test('with onlySlots, a query with a value that is not a slot is refused, so no caller’s value is kept for the next', () => {
    const cache: CompiledQueries<{ n: number }> = new Map()
    expect(() => compiledOnce(cache, db, 'fixed', () => db.selectNoFrom((eb) => eb.val(7).as('n')), {}, { onlySlots: true })).toThrow('has a value that is not a slot')
    expect(cache.size).toBe(0)
  })
})
