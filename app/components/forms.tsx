/**
 * Form components following the GOV.UK Design System patterns: a label, an optional hint, the error message under the
 * label and above the input, and an error summary at the top of the page that links to each field. They take Conform
 * field metadata, so the same zod schema drives the browser (when JavaScript is on) and the server (always).
 */
import type { FieldMetadata, FormMetadata } from '@conform-to/react'
import { getInputProps, getSelectProps, getTextareaProps } from '@conform-to/react'
import { useEffect, useRef, type InputHTMLAttributes, type ReactNode } from 'react'

// Conform's metadata is generic over each form's schema; these components accept a field of any form.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyField = FieldMetadata<any, any, any>

function describedBy(field: AnyField, hint?: ReactNode): string | undefined {
  const ids = [hint ? field.descriptionId : null, field.errors?.length ? field.errorId : null].filter(Boolean)
  return ids.length ? ids.join(' ') : undefined
}

export function FieldError({ field }: { field: AnyField }) {
  if (!field.errors?.length) return null
  return (
    <p className="error-message" id={field.errorId}>
      <span className="visually-hidden">Error: </span>
      {field.errors[0]}
    </p>
  )
}

export function TextField({
  field,
  label,
  hint,
  type = 'text',
  autoComplete,
  inputMode,
  spellCheck,
  width,
}: {
  field: AnyField
  label: ReactNode
  hint?: ReactNode
  type?: 'text' | 'email' | 'password' | 'tel' | 'url' | 'number' | 'date'
  autoComplete?: string
  inputMode?: InputHTMLAttributes<HTMLInputElement>['inputMode']
  spellCheck?: boolean
  width?: 'narrow' | 'medium'
}) {
  const invalid = !!field.errors?.length
  const { key, ...inputProps } = getInputProps(field, { type, ariaAttributes: false })
  return (
    <div className={`form-group${invalid ? ' form-group--error' : ''}`}>
      <label className="label" htmlFor={field.id}>
        {label}
      </label>
      {hint ? (
        <div className="hint" id={field.descriptionId}>
          {hint}
        </div>
      ) : null}
      <FieldError field={field} />
      <input
        key={key}
        {...inputProps}
        className={`input${width ? ` input--${width}` : ''}${invalid ? ' input--error' : ''}`}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy(field, hint)}
        autoComplete={autoComplete}
        inputMode={inputMode}
        spellCheck={spellCheck}
      />
    </div>
  )
}

export function TextArea({ field, label, hint, rows = 5 }: { field: AnyField; label: ReactNode; hint?: ReactNode; rows?: number }) {
  const invalid = !!field.errors?.length
  const { key, ...props } = getTextareaProps(field, { ariaAttributes: false })
  return (
    <div className={`form-group${invalid ? ' form-group--error' : ''}`}>
      <label className="label" htmlFor={field.id}>
        {label}
      </label>
      {hint ? (
        <div className="hint" id={field.descriptionId}>
          {hint}
        </div>
      ) : null}
      <FieldError field={field} />
      <textarea key={key} {...props} rows={rows} className={`textarea${invalid ? ' input--error' : ''}`} aria-invalid={invalid || undefined} aria-describedby={describedBy(field, hint)} />
    </div>
  )
}

/** A select (GOV.UK "select" pattern). `placeholder` adds a first, empty option; leave it out when there is a default. */
export function SelectField({
  field,
  label,
  hint,
  placeholder,
  defaultValue,
  width = 'medium',
  children,
}: {
  field: AnyField
  label: ReactNode
  hint?: ReactNode
  placeholder?: string
  defaultValue?: string
  width?: 'narrow' | 'medium' | 'full'
  children: ReactNode
}) {
  const invalid = !!field.errors?.length
  const { key, ...props } = getSelectProps(field, { ariaAttributes: false })
  return (
    <div className={`form-group${invalid ? ' form-group--error' : ''}`}>
      <label className="label" htmlFor={field.id}>
        {label}
      </label>
      {hint ? (
        <div className="hint" id={field.descriptionId}>
          {hint}
        </div>
      ) : null}
      <FieldError field={field} />
      <select
        key={key}
        {...props}
        defaultValue={defaultValue === undefined ? props.defaultValue : (field.initialValue as string | undefined) ?? defaultValue}
        className={`input${width === 'full' ? '' : ` input--${width}`}${invalid ? ' input--error' : ''}`}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy(field, hint)}
      >
        {placeholder !== undefined ? <option value="">{placeholder}</option> : null}
        {children}
      </select>
    </div>
  )
}

/**
 * The error summary: a list of every problem, each linking to its field, at the top of the form. With JavaScript on it
 * takes focus so screen reader users hear it first; without JavaScript it is the first thing after the heading.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function ErrorSummary({ form, fields, labels }: { form: FormMetadata<any, any>; fields: Record<string, AnyField>; labels?: Record<string, string> }) {
  const ref = useRef<HTMLDivElement>(null)
  // Conform's `fields` may be a proxy that lists no keys, so the names come from the form's errors; a plain `fields`
  // object (or `labels`) only sets the order, which should follow the page.
  const order = [...Object.keys(fields), ...Object.keys(labels ?? {})]
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length)
  const fieldErrors = Object.entries(form.allErrors ?? {})
    .filter(([name, errors]) => name !== '' && errors?.length)
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([name, errors]) => ({ href: `#${(fields[name] ?? form.getFieldset()[name])?.id ?? name}`, message: errors![0], name: labels?.[name] ?? name }))
  const formErrors: string[] = form.errors ?? []
  const count = fieldErrors.length + formErrors.length
  useEffect(() => {
    if (count > 0) ref.current?.focus()
  }, [count, form.status])
  if (count === 0) return null
  return (
    <div className="error-summary" role="alert" aria-labelledby={`${form.id}-error-summary-title`} tabIndex={-1} ref={ref}>
      <h2 className="error-summary__title" id={`${form.id}-error-summary-title`}>
        There is a problem
      </h2>
      <ul className="error-summary__list">
        {formErrors.map((message: string) => (
          <li key={message}>{message}</li>
        ))}
        {fieldErrors.map((e) => (
          <li key={e.href}>
            <a href={e.href}>{e.message}</a>
          </li>
        ))}
      </ul>
    </div>
  )
}

export function SubmitButton({ children, name, value, secondary }: { children: ReactNode; name?: string; value?: string; secondary?: boolean }) {
  return (
    <button type="submit" className={`button${secondary ? ' button--secondary' : ''}`} name={name} value={value}>
      {children}
    </button>
  )
}
