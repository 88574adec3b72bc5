/** The bench's flags: defaults, checking, and what --dataset demo implies. */
import { describe, expect, test } from 'vitest'
import { parseBenchArgs, resultFiles, UsageError } from './args.ts'

describe('parseBenchArgs', () => {
  test('defaults: SQLite, the full national dataset, 10 s per measurement, README left alone', () => {
    expect(parseBenchArgs([])).toEqual({ engines: ['sqlite'], dataset: 'national', scale: 1, duration: 10, updateReadme: false, regenerate: false })
  })

  test('both engines, a scale, a duration and the switches', () => {
    expect(parseBenchArgs(['--engine', 'both', '--scale', '1', '--duration', '2', '--update-readme', '--regenerate'])).toEqual({
      engines: ['sqlite', 'postgres'],
      dataset: 'national',
      scale: 1,
      duration: 2,
      updateReadme: true,
      regenerate: true,
    })
  })

  test('only the full national result may go into the README', () => {
    expect(() => parseBenchArgs(['--scale', '0.1', '--update-readme'])).toThrow(/scale 1/)
    expect(() => parseBenchArgs(['--dataset', 'demo', '--update-readme'])).toThrow(/national dataset/)
    expect(parseBenchArgs(['--scale', '0.1']).scale).toBe(0.1)
  })

  test('a demo run writes its own files, never over the national results', () => {
    expect(resultFiles({ dataset: 'national' })).toEqual({ json: 'bench/results/latest.json', markdown: 'bench/results/latest.md' })
    expect(resultFiles({ dataset: 'demo' })).toEqual({ json: 'bench/results/demo.json', markdown: 'bench/results/demo.md' })
  })

  test('the demo dataset has no scale', () => {
    expect(parseBenchArgs(['--dataset', 'demo', '--scale', '0.5']).scale).toBe(1)
  })

  test('refuses what it cannot measure', () => {
    expect(() => parseBenchArgs(['--engine', 'mysql'])).toThrow(UsageError)
    expect(() => parseBenchArgs(['--scale', '0'])).toThrow(/--scale/)
    expect(() => parseBenchArgs(['--scale', '2'])).toThrow(/at most 1/)
    expect(() => parseBenchArgs(['--duration', '1.5'])).toThrow(/--duration/)
    expect(() => parseBenchArgs(['--dataset', 'tiny'])).toThrow(/--dataset/)
    expect(() => parseBenchArgs(['--fast'])).toThrow(UsageError)
  })
})
