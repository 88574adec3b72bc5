/**
 * For tests: the 360Giving package and grant schemas (db/reference/360giving, copied from the standard's 1.4.3
 * release) compiled with ajv for JSON Schema 2020-12, offline. The package schema refers to the grant schema by its
 * 1.4.2 address, so the grant schema is registered under that address as well as its own. Both files name the
 * 2020-12 meta-schema by its old http:// address; ajv knows it by https://, so that is read as the same thing.
 */
import fs from 'node:fs'
import path from 'node:path'
import Ajv2020 from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'

const DIR = path.resolve('db/reference/360giving')
const GRANT_142 = 'https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-schema.json'

const META_2020 = 'https://json-schema.org/draft/2020-12/schema'

function load(file: string): Record<string, unknown> {
  const schema = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as Record<string, unknown>
  return { ...schema, $schema: META_2020 }
}

export function grantSchema(): Record<string, unknown> {
  return load('360-giving-schema.json')
}

/** A validator for a whole 360Giving package: returns the errors as "path: message" lines (empty when valid). */
export function packageValidator(): (data: unknown) => string[] {
  // The schemas carry 360Giving's own annotations (codelist, rollUp, ...), which strict mode would refuse.
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  addFormats(ajv)
  const grant = grantSchema()
  ajv.addSchema({ ...grant, $id: GRANT_142 })
  const validate = ajv.compile(load('360-giving-package-schema.json'))
  return (data) => (validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message}`))
}
