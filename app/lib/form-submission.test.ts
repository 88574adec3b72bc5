import { describe, expect, test } from 'vitest'
import { z } from 'zod'
import { MAX_LIST_INDEX, parseWithZod, unreadableForm } from './form-submission.ts'

const schema = z.object({ name: z.string(), rows: z.array(z.object({ amount: z.string() })).optional() })

function form(entries: [string, string][]): FormData {
  const f = new FormData()
  for (const [k, v] of entries) f.append(k, v)
  return f
}

describe('reading a form', () => {
  test('a form as our pages send it is Conform’s result, lists included', () => {
    const submission = parseWithZod(form([['name', 'Choir'], ['rows[0].amount', '10'], ['rows[1].amount', '20']]), { schema })
    expect(submission.status).toBe('success')
    expect(submission.status === 'success' && submission.value).toEqual({ name: 'Choir', rows: [{ amount: '10' }, { amount: '20' }] })
    expect(unreadableForm(form([['rows[10000].amount', '1']]))).toBeNull()
  })

  test('a list index no form has is refused with a message, and the reply echoes only the sound entries (no sparse list)', () => {
    const submission = parseWithZod(form([['name', 'Choir'], ['rows[99999999].amount', '1']]), { schema })
    expect(submission.status).toBe('error')
    const reply = submission.reply()
    expect(reply.error?.['']).toEqual([expect.stringMatching(/list far longer than any form/)])
    expect(JSON.stringify(reply).length).toBeLessThan(1_000)
    expect(JSON.stringify(reply)).toContain('Choir')
    expect(unreadableForm(form([[`rows[${MAX_LIST_INDEX + 1}]`, '1']]))).toMatch(/list/)
    expect(unreadableForm(form([['rows[000000000001]', '1']]))).toMatch(/list/)
  })

  test('a NUL character anywhere is refused with a message, before any schema or database sees it', () => {
    const submission = parseWithZod(new URLSearchParams([['name', 'Choir\u0000']]), { schema })
    expect(submission.status).toBe('error')
    expect(submission.reply().error?.['']).toEqual([expect.stringMatching(/cannot be saved \(a NUL\)/)])
  })
})
