/** The bench's framework floor exists only for the bench: 404 unless the server was started with COMMONPOT_BENCH=1. */
import { afterEach, describe, expect, test } from 'vitest'
import { loader } from './bench.floor.tsx'

const before = process.env.COMMONPOT_BENCH

afterEach(() => {
  if (before === undefined) delete process.env.COMMONPOT_BENCH
  else process.env.COMMONPOT_BENCH = before
})

describe('GET /bench/floor', () => {
  test('is not found on a normal server', () => {
    delete process.env.COMMONPOT_BENCH
    let thrown: unknown
    try {
      loader()
    } catch (e) {
      thrown = e
    }
    expect(thrown).toBeInstanceOf(Response)
    expect((thrown as Response).status).toBe(404)
  })

  test('is not found for any value but 1', () => {
    process.env.COMMONPOT_BENCH = 'true'
    expect(() => loader()).toThrow()
  })

  test('answers with no data when the bench started the server', () => {
    process.env.COMMONPOT_BENCH = '1'
    expect(loader()).toBeNull()
  })
})
