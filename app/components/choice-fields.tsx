/**
 * Form fields for choices and times, in the GOV.UK patterns of ./forms.tsx: a single checkbox, a group of checkboxes
 * or radios in a fieldset with a legend (the field's errors under the legend), and a 24-hour time input. They take
 * Conform field metadata, so the same zod schema checks them in the browser and on the server.
 */
import { getCollectionProps, getInputProps, type FieldMetadata } from '@conform-to/react'
import { FieldError } from './forms.tsx'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyField = FieldMetadata<any, any, any>

export function TimeField({ field, label }: { field: AnyField; label: string }) {
  const invalid = !!field.errors?.length
  const { key, ...props } = getInputProps(field, { type: 'time', ariaAttributes: false })
  return (
    <div className={`form-group${invalid ? ' form-group--error' : ''}`}>
      <label className="label" htmlFor={field.id}>
        {label}
      </label>
      <FieldError field={field} />
      <input key={key} {...props} className={`input input--narrow${invalid ? ' input--error' : ''}`} aria-invalid={invalid || undefined} aria-describedby={invalid ? field.errorId : undefined} />
    </div>
  )
}

export function Checkbox({ field, label }: { field: AnyField; label: string }) {
  const { key, ...props } = getInputProps(field, { type: 'checkbox', ariaAttributes: false })
  return (
    <div className="checkbox">
      <input key={key} {...props} />
      <label htmlFor={field.id}>{label}</label>
    </div>
  )
}

export function CheckboxGroup({ field, legend, hint, options }: { field: AnyField; legend: string; hint?: string; options: { value: string; label: string }[] }) {
  const invalid = !!field.errors?.length
  const byValue = new Map(options.map((o) => [o.value, o.label]))
  return (
    <fieldset className={`fieldset form-group${invalid ? ' form-group--error' : ''}`} id={field.id} aria-describedby={hint ? field.descriptionId : undefined}>
      <legend>{legend}</legend>
      {hint ? (
        <div className="hint" id={field.descriptionId}>
          {hint}
        </div>
      ) : null}
      <FieldError field={field} />
      {getCollectionProps(field, { type: 'checkbox', options: options.map((o) => o.value), ariaAttributes: false }).map(({ key, ...props }) => (
        <div className="checkbox" key={key}>
          <input {...props} />
          <label htmlFor={props.id}>{byValue.get(props.value!)}</label>
        </div>
      ))}
    </fieldset>
  )
}

export function RadioGroup({ field, legend, options }: { field: AnyField; legend: string; options: { value: string; label: string }[] }) {
  const invalid = !!field.errors?.length
  const byValue = new Map(options.map((o) => [o.value, o.label]))
  return (
    <fieldset className={`fieldset form-group${invalid ? ' form-group--error' : ''}`} id={field.id}>
      <legend>{legend}</legend>
      <FieldError field={field} />
      {getCollectionProps(field, { type: 'radio', options: options.map((o) => o.value), ariaAttributes: false }).map(({ key, ...props }) => (
        <div className="checkbox" key={key}>
          <input {...props} />
          <label htmlFor={props.id}>{byValue.get(props.value!)}</label>
        </div>
      ))}
    </fieldset>
  )
}
