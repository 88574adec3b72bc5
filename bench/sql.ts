/**
 * Raw SQL written once for both drivers: `?` placeholders, where an array parameter stands for a list (`in (?)` with
 * [1, 2, 3] becomes `in (?, ?, ?)`), numbered `$1, $2…` for pg. Pure: bench/sql.test.ts checks it.
 */
export type SqlParam = string | number | null
export type SqlArg = SqlParam | readonly SqlParam[]

export interface Compiled {
  text: string
  values: SqlParam[]
}

/** Expands array parameters into lists (an empty list becomes `null`, which matches nothing) and numbers them for pg. */
export function compileSql(text: string, args: readonly SqlArg[], engine: 'sqlite' | 'postgres'): Compiled {
  const values: SqlParam[] = []
  let used = 0
  const out = text.replace(/\?/g, () => {
    if (used >= args.length) throw new Error(`the SQL has more placeholders than the ${args.length} values given`)
    const arg = args[used++]
    const list: readonly SqlParam[] = Array.isArray(arg) ? (arg.length ? arg : [null]) : [arg as SqlParam]
    return list
      .map((v) => {
        values.push(v)
        return engine === 'postgres' ? `$${values.length}` : '?'
      })
      .join(', ')
  })
  if (used !== args.length) throw new Error(`the SQL has ${used} placeholders but ${args.length} values were given`)
  return { text: out, values }
}
