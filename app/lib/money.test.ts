import { parseWithZod } from '~/lib/form-submission.ts'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { z } from 'zod'
import { MAX_PENCE, allocateByWeights, assertPence, penceFromDatabase, formatPence, moneyField, parsePounds, penceToDecimalPounds, percentOfPence, scalePence, splitEvenly } from './money.ts'

describe('parsePounds', () => {
  test.each([
    ['£1,250.50', 125050],
    ['1250.5', 125050],
    ['1,250', 125000],
    ['0.99', 99],
    ['.99', 99],
    [' £ 12 ', 1200],
    ['£0', 0],
    ['007', 700],
    ['1,000,000.01', 100000001],
    ['£10,000,000,000', MAX_PENCE],
    ['10000000000.00', MAX_PENCE],
  ])('reads %j as %i pence', (input, pence) => {
    expect(parsePounds(input)).toEqual({ ok: true, pence })
  })

  test.each([
    ['12.345', 'no more than 2 decimal places'],
    ['-5', 'of £0 or more'],
    ['-£5', 'of £0 or more'],
    ['£-5', 'of £0 or more'],
    ['abc', 'in pounds and pence, like £1,250.50'],
    ['1e9', 'in pounds and pence'],
    ['', 'in pounds and pence'],
    ['   ', 'in pounds and pence'],
    ['£', 'in pounds and pence'],
    ['.', 'in pounds and pence'],
    ['12.', 'in pounds and pence'],
    ['1.2.3', 'in pounds and pence'],
    ['1 250', 'in pounds and pence'],
    ['1,25,0', 'commas between every three digits'],
    ['12,50', 'commas between every three digits'],
    ['NaN', 'in pounds and pence'],
    ['Infinity', 'in pounds and pence'],
    ['0x10', 'in pounds and pence'],
    ['10000000000.01', 'of £10,000,000,000 or less'],
    ['99999999999999999999999', 'of £10,000,000,000 or less'],
  ])('refuses %j, saying how to put it right', (input, fragment) => {
    const result = parsePounds(input)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.message).toContain(fragment)
  })

  test('names the amount in its messages when given a label', () => {
    expect(parsePounds('abc', { label: 'amount requested' })).toEqual({
      ok: false,
      message: 'Enter the amount requested in pounds and pence, like £1,250.50',
    })
  })
})

describe('formatPence', () => {
  test.each([
    [125050, undefined, '£1,250.50'],
    [125000, undefined, '£1,250.00'],
    [125000, 'auto', '£1,250'],
    [125050, 'auto', '£1,250.50'],
    [0, undefined, '£0.00'],
    [0, 'auto', '£0'],
    [1, undefined, '£0.01'],
    [-500, undefined, '-£5.00'],
    [-1, undefined, '-£0.01'],
    [MAX_PENCE, 'auto', '£10,000,000,000'],
    [Number.MAX_SAFE_INTEGER, undefined, '£90,071,992,547,409.91'],
  ] as const)('formats %i pence (%s) as %s', (pence, mode, text) => {
    expect(formatPence(pence, mode ? { pence: mode } : {})).toBe(text)
  })

  test('refuses fractions of a penny', () => {
    expect(() => formatPence(1.5)).toThrow(RangeError)
  })

  test('reading back a formatted amount gives the same pence, for any amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_PENCE }), fc.constantFrom('always' as const, 'auto' as const), (pence, mode) => {
        expect(parsePounds(formatPence(pence, { pence: mode }))).toEqual({ ok: true, pence })
      }),
    )
  })

  test('gives the same text as Intl.NumberFormat en-GB GBP, for any safe amount, negative too', () => {
    const withPence = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' })
    const whole = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP', minimumFractionDigits: 0, maximumFractionDigits: 0 })
    const intl = (pence: number, auto: boolean) => {
      const rest = Math.abs(pence) % 100
      const decimal = `${pence < 0 ? '-' : ''}${(Math.abs(pence) - rest) / 100}.${String(rest).padStart(2, '0')}` as `${number}`
      return auto && rest === 0 ? whole.format(decimal) : withPence.format(decimal)
    }
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.integer({ min: -MAX_PENCE, max: MAX_PENCE }), fc.maxSafeInteger()), fc.boolean(), (pence, auto) => {
        expect(formatPence(pence, auto ? { pence: 'auto' } : {})).toBe(intl(pence, auto))
      }),
      { numRuns: 2000 },
    )
  })
})

describe('moneyField', () => {
  const Schema = z.object({
    amount: moneyField({ label: 'amount requested', min: 100_000, max: 5_000_000 }),
    match: moneyField({ label: 'match funding', required: false }),
  })
  const submit = (fields: Record<string, string>) => parseWithZod(new URLSearchParams(fields), { schema: Schema })
  const errors = (fields: Record<string, string>) => {
    const submission = submit(fields)
    return submission.status === 'error' ? submission.error : undefined
  }

  test('gives pence for a well-formed amount', () => {
    const submission = submit({ amount: '£25,000', match: '1,250.50' })
    expect(submission.status).toBe('success')
    if (submission.status === 'success') expect(submission.value).toEqual({ amount: 2_500_000, match: 125_050 })
  })

  test('an empty optional amount is undefined, and so is a blank one', () => {
    for (const match of ['', '   ']) {
      const submission = submit({ amount: '1000', match })
      expect(submission.status).toBe('success')
      if (submission.status === 'success') expect(submission.value.match).toBeUndefined()
    }
  })

  test('an empty required amount asks for it by name', () => {
    for (const fields of [{ amount: '' }, { amount: '  ' }, {}] as Record<string, string>[]) {
      expect(errors(fields)?.amount).toEqual(['Enter the amount requested'])
    }
  })

  test('a badly written amount gets its message next to the field', () => {
    expect(errors({ amount: '12.345' })?.amount).toEqual(['Enter the amount requested with no more than 2 decimal places, like £1,250.50'])
  })

  test('amounts outside the allowed range say what the limit is', () => {
    expect(errors({ amount: '999.99' })?.amount).toEqual(['The amount requested must be at least £1,000'])
    expect(errors({ amount: '50,000.01' })?.amount).toEqual(['The amount requested must be no more than £50,000'])
    expect(submit({ amount: '50,000' }).status).toBe('success')
  })

  test('works on its own outside Conform too', () => {
    expect(moneyField().parse('£3.20')).toBe(320)
    expect(moneyField({ required: false }).parse('')).toBeUndefined()
    expect(moneyField().safeParse('').error?.issues[0].message).toBe('Enter an amount')
  })
})

describe('allocateByWeights', () => {
  test.each([
    [100, [1, 1, 1], [34, 33, 33]],
    [100, [1, 2], [33, 67]],
    [1, [1, 1], [1, 0]],
    [10, [0, 1], [0, 10]],
    [0, [0, 0], [0, 0]],
    [0, [], []],
    [7, [5], [7]],
    [MAX_PENCE, [1e12, 1e12, 1], [500_000_000_000, 500_000_000_000, 0]],
    [MAX_PENCE, [1e12, 1, 1e12 - 1], [500_000_000_000, 1, 499_999_999_999]],
  ])('splits %i by %j into %j', (total, weights, parts) => {
    expect(allocateByWeights(total, weights)).toEqual(parts)
  })

  test('refuses negative, fractional or unsafe amounts and weights', () => {
    expect(() => allocateByWeights(-1, [1])).toThrow(RangeError)
    expect(() => allocateByWeights(1.5, [1])).toThrow(RangeError)
    expect(() => allocateByWeights(10, [1, -1])).toThrow(RangeError)
    expect(() => allocateByWeights(10, [0.5])).toThrow(RangeError)
    expect(() => allocateByWeights(10, [Number.MAX_SAFE_INTEGER + 1])).toThrow(RangeError)
  })

  test('refuses to share money when every weight is zero', () => {
    expect(() => allocateByWeights(10, [0, 0])).toThrow('every weight is zero')
    expect(() => allocateByWeights(10, [])).toThrow('every weight is zero')
  })

  const allocation = fc.tuple(
    fc.integer({ min: 0, max: MAX_PENCE }),
    fc.array(fc.integer({ min: 0, max: 1e12 }), { minLength: 1, maxLength: 30 }).filter((ws) => ws.some((w) => w > 0)),
  )

  test('allocation parts sum to the whole', () => {
    fc.assert(
      fc.property(allocation, ([total, weights]) => {
        const parts = allocateByWeights(total, weights)
        expect(parts).toHaveLength(weights.length)
        expect(parts.reduce((a, b) => a + b, 0)).toBe(total)
      }),
    )
  })

  test('each part differs from the exact share by less than 1p', () => {
    fc.assert(
      fc.property(allocation, ([total, weights]) => {
        const parts = allocateByWeights(total, weights)
        const sum = weights.reduce((a, w) => a + BigInt(w), 0n)
        parts.forEach((part, i) => {
          // |part - total * w / sum| < 1  <=>  |part * sum - total * w| < sum, all in integers.
          const diff = BigInt(part) * sum - BigInt(total) * BigInt(weights[i])
          expect(diff < 0n ? -diff : diff).toBeLessThan(sum)
        })
      }),
    )
  })

  test('on a tie, the earlier part gets the extra penny', () => {
    fc.assert(
      fc.property(allocation, ([total, weights]) => {
        const parts = allocateByWeights(total, weights)
        weights.forEach((w, i) => {
          weights.forEach((v, j) => {
            if (i < j && w === v) expect(parts[i] - parts[j]).toBeOneOf([0, 1])
          })
        })
      }),
    )
  })
})

describe('splitEvenly', () => {
  test('gives the extra pence to the first parts', () => {
    expect(splitEvenly(1000, 3)).toEqual([334, 333, 333])
    expect(splitEvenly(2, 4)).toEqual([1, 1, 0, 0])
  })

  test('needs at least one part', () => {
    expect(() => splitEvenly(100, 0)).toThrow(RangeError)
  })
})

describe('assertPence', () => {
  test('accepts whole non-negative pence and refuses anything else', () => {
    expect(() => assertPence(0)).not.toThrow()
    expect(() => assertPence(MAX_PENCE)).not.toThrow()
    for (const bad of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '100', null]) {
      expect(() => assertPence(bad)).toThrow(RangeError)
    }
  })
})

describe('percentages, shares and decimal pounds', () => {
  test('a percentage of pence rounds down to the penny and keeps the percent within 0-100', () => {
    expect(percentOfPence(333_333, 50)).toBe(166_666)
    expect(percentOfPence(1_000_000, 15)).toBe(150_000)
    expect(percentOfPence(1_000, 150)).toBe(1_000)
    expect(percentOfPence(1_000, -5)).toBe(0)
    expect(percentOfPence(MAX_PENCE, 33)).toBe(330_000_000_000)
  })

  test('scaling by a share of a whole rounds down, and a whole of zero gives nothing', () => {
    expect(scalePence(1_000, 1, 3)).toBe(333)
    expect(scalePence(MAX_PENCE, 2, 3)).toBe(666_666_666_666)
    expect(scalePence(500, 1, 0)).toBe(0)
  })

  test('pence as decimal pounds, exactly', () => {
    expect([125_050, 5, 0, -1_999, 100].map(penceToDecimalPounds)).toEqual(['1250.50', '0.05', '0.00', '-19.99', '1.00'])
    fc.assert(fc.property(fc.integer({ min: -MAX_PENCE, max: MAX_PENCE }), (p) => parsePounds(penceToDecimalPounds(Math.abs(p))).ok && penceToDecimalPounds(p).endsWith(String(Math.abs(p) % 100).padStart(2, '0'))))
    expect(() => penceToDecimalPounds(1.5)).toThrow(RangeError)
  })
})

describe('penceFromDatabase', () => {
  test('reads pence as either driver returns them, a sum over no rows as 0', () => {
    expect(penceFromDatabase(1234)).toBe(1234)
    expect(penceFromDatabase('1234')).toBe(1234)
    expect(penceFromDatabase('-500')).toBe(-500)
    expect(penceFromDatabase(12n)).toBe(12)
    expect(penceFromDatabase(null)).toBe(0)
  })

  test('refuses anything that is not a whole number of pence held exactly', () => {
    for (const bad of [12.5, '12.5', '', 'abc', '9007199254740993', Number.NaN, {}, true]) {
      expect(() => penceFromDatabase(bad, 'paid')).toThrow(/paid must be a whole number of pence/)
    }
  })
})
