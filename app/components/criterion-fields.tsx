/**
 * The fields of an assessment criterion (name, guidance, scored or pass/fail, weight, scale and a descriptor per
 * score), shared by the add and edit forms of the criteria pages. Descriptor inputs are offered for every score 0-10
 * so the form works without JavaScript; only those within the chosen scale are saved.
 */
import type { FieldMetadata } from '@conform-to/react'
import { SCORE_POINTS } from '~/domain/assessment/criterion-input.ts'
import { RadioGroup } from './choice-fields.tsx'
import { SelectField, TextArea, TextField } from './forms.tsx'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyField = FieldMetadata<any, any, any>

export const CRITERION_FIELD_LABELS: Record<string, string> = {
  name: 'Name',
  guidance: 'Guidance',
  kind: 'Type of criterion',
  weight: 'Weight',
  scaleMin: 'Lowest score',
  scaleMax: 'Highest score',
  ...Object.fromEntries(SCORE_POINTS.map((n) => [`descriptor${n}`, `Descriptor for a score of ${n}`])),
}

export function CriterionFields({ fields }: { fields: Record<string, AnyField> }) {
  return (
    <>
      <TextField field={fields.name!} label="Name" hint="For example, Local need and reach." />
      <TextArea field={fields.guidance!} label="Guidance (optional)" hint="What assessors should look for. Applicants see it on the round’s public page too." rows={3} />
      <RadioGroup
        field={fields.kind!}
        legend="Type of criterion"
        options={[
          { value: 'scored', label: 'Scored: counts towards the total by its weight' },
          { value: 'gateway', label: 'Pass or fail (gateway): a fail stops the bid whatever its score' },
        ]}
      />
      <fieldset className="fieldset">
        <legend>Weight and scale (scored criteria only)</legend>
        <TextField field={fields.weight!} label="Weight" hint="A whole number from 1 to 100. Each criterion counts in proportion to its weight." width="narrow" inputMode="numeric" />
        <SelectField field={fields.scaleMin!} label="Lowest score" width="narrow" defaultValue="1">
          <option value="0">0</option>
          <option value="1">1</option>
        </SelectField>
        <SelectField field={fields.scaleMax!} label="Highest score" width="narrow" defaultValue="5">
          {SCORE_POINTS.filter((n) => n >= 1).map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </SelectField>
      </fieldset>
      <fieldset className="fieldset">
        <legend>What each score means (optional)</legend>
        <p className="hint">Fill in the scores within the scale; any others are not saved. A pass or fail criterion always reads “Fail” and “Pass”.</p>
        {SCORE_POINTS.map((n) => (
          <TextField key={n} field={fields[`descriptor${n}`]!} label={`Descriptor for a score of ${n}`} />
        ))}
      </fieldset>
    </>
  )
}
