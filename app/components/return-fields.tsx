/**
 * The sections of the impact return form, in the GOV.UK patterns of ./forms.tsx: people and sessions, referral
 * routes, demographics (full form), outcome measures (each person's scores as "before, after" lines, or a summary for
 * the group), spend, story with photos (full form) and plans. Plain inputs in fieldsets with legends, so the form works
 * with JavaScript off; every field name is listed in app/domain/returns/return-form.ts.
 */
import type { FieldMetadata, FormMetadata } from '@conform-to/react'
import { getInputProps } from '@conform-to/react'
import { DEMOGRAPHICS, MEASURE_BY_CODE, REFERRAL_ROUTES, SWEMWBS_COPYRIGHT } from '~/domain/returns/measures.ts'
import { INSTRUMENTS, MAX_CAPTION, shortName, type BudgetLineRef, type ReturnPhoto } from '~/domain/returns/return-form.ts'
import { formatPence } from '~/lib/money.ts'
import { FieldError, TextArea, TextField } from './forms.tsx'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyForm = FormMetadata<any, any>
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyField = FieldMetadata<any, any, any>

/** Conform's metadata for any field name, nested ones ("spendLines[0].spent") included. */
function field(form: AnyForm, name: string): AnyField {
  return form.getFieldset()[name] as AnyField
}

const COUNT_HINT = 'A whole number. Leave it blank if you do not know.'

export function PeopleFields({ form }: { form: AnyForm }) {
  return (
    <fieldset className="fieldset">
      <legend>People and sessions</legend>
      <TextField field={field(form, 'peopleReached')} label="People reached" hint="Different people who took part in this period." inputMode="numeric" width="narrow" />
      <TextField field={field(form, 'sessionsDelivered')} label="Sessions delivered" inputMode="numeric" width="narrow" />
    </fieldset>
  )
}

export function ReferralFields({ form }: { form: AnyForm }) {
  return (
    <fieldset className="fieldset">
      <legend>How people came to you</legend>
      <p className="hint">The number of people who came by each route. {COUNT_HINT}</p>
      {REFERRAL_ROUTES.map((r) => (
        <TextField key={r.code} field={field(form, `referral-${r.code}`)} label={r.label} inputMode="numeric" width="narrow" />
      ))}
    </fieldset>
  )
}

export function DemographicFields({ form }: { form: AnyForm }) {
  return (
    <fieldset className="fieldset">
      <legend>About the people you reached (optional)</legend>
      <p className="hint">Numbers of people only, never anyone’s details. {COUNT_HINT}</p>
      {Object.entries(DEMOGRAPHICS).map(([dim, def]) => (
        <fieldset className="fieldset" key={dim}>
          <legend>{def.label}</legend>
          {def.categories.map((c) => (
            <TextField key={c.code} field={field(form, `demo-${dim}-${c.code}`)} label={`${def.label}: ${c.label}`} inputMode="numeric" width="narrow" />
          ))}
        </fieldset>
      ))}
    </fieldset>
  )
}

function BasisRadios({ form, instrument }: { form: AnyForm; instrument: (typeof INSTRUMENTS)[number] }) {
  const f = field(form, `${instrument.code}Basis`)
  const invalid = !!f.errors?.length
  const current = (f.initialValue as string | undefined) ?? 'none'
  const options = [
    { value: 'none', label: `We did not use ${instrument.label}` },
    { value: 'participants', label: `Each person’s ${instrument.label} scores, before and after` },
    { value: 'cohort', label: `A summary of the group’s ${instrument.label} scores` },
  ]
  return (
    <fieldset className={`fieldset form-group${invalid ? ' form-group--error' : ''}`} id={f.id}>
      <legend>How you give the {instrument.label} scores</legend>
      <FieldError field={f} />
      {options.map((o) => (
        <div className="checkbox" key={o.value}>
          <input type="radio" id={`${f.id}-${o.value}`} name={f.name} value={o.value} defaultChecked={current === o.value} />
          <label htmlFor={`${f.id}-${o.value}`}>{o.label}</label>
        </div>
      ))}
    </fieldset>
  )
}

export function OutcomeFields({ form, swemwbsEnabled, short }: { form: AnyForm; swemwbsEnabled: boolean; short: boolean }) {
  return (
    <fieldset className="fieldset">
      <legend>Outcome measures</legend>
      <p className="hint">
        {short
          ? 'Optional. If you asked people the same questions before and after, give one set of scores: ONS4 or UCLA-3.'
          : 'If you asked people the same questions before and after, give the scores. Leave out anything you did not use.'}
      </p>
      {INSTRUMENTS.filter((i) => i.code !== 'swemwbs' || swemwbsEnabled).map((instrument) => (
        <fieldset className="fieldset" key={instrument.code}>
          <legend>{instrument.label}</legend>
          <p className="hint">{instrument.scoresHint}</p>
          {instrument.code === 'swemwbs' ? <p className="hint">{SWEMWBS_COPYRIGHT}</p> : null}
          <BasisRadios form={form} instrument={instrument} />
          <h4>Each person’s scores</h4>
          {instrument.measures.map((code) => (
            <TextArea
              key={code}
              field={field(form, `scores-${code}`)}
              label={code === 'swemwbs' ? 'Mental wellbeing (SWEMWBS): each person’s raw totals' : `${shortName(MEASURE_BY_CODE[code])}: each person’s scores`}
              hint={code === 'swemwbs' ? 'One person a line: the raw total before, then after (each 7 to 35), like 19, 24' : 'One person a line: the score before, then the score after, like 5, 7'}
              rows={4}
            />
          ))}
          <h4>Or a summary for the group</h4>
          {instrument.measures.map((code) => {
            const name = shortName(MEASURE_BY_CODE[code])
            return (
              <fieldset className="fieldset" key={code}>
                <legend>{name}: summary for the group</legend>
                <TextField field={field(form, `n-${code}`)} label={`${name}: number of people`} inputMode="numeric" width="narrow" />
                <TextField field={field(form, `meanBefore-${code}`)} label={`${name}: average before`} inputMode="decimal" width="narrow" />
                <TextField field={field(form, `meanAfter-${code}`)} label={`${name}: average after`} inputMode="decimal" width="narrow" />
                <TextField field={field(form, `sdChange-${code}`)} label={`${name}: standard deviation of the change`} inputMode="decimal" width="narrow" />
              </fieldset>
            )
          })}
        </fieldset>
      ))}
    </fieldset>
  )
}

export function SpendFields({ form, budgetLines, itemised, full, awardAmountPence }: { form: AnyForm; budgetLines: BudgetLineRef[]; itemised: boolean; full: boolean; awardAmountPence: number }) {
  return (
    <fieldset className="fieldset">
      <legend>Money</legend>
      {itemised ? (
        <>
          <p className="hint">What you spent on each line of your approved budget. If a line is more than 10% over or under, tell us why.</p>
          {budgetLines.map((l, i) => (
            <fieldset className="fieldset" key={l.line}>
              <legend>
                {l.description} (budget {formatPence(l.amountPence)})
              </legend>
              <input type="hidden" name={`spendLines[${i}].line`} value={l.line} />
              <TextField field={field(form, `spendLines[${i}].spent`)} label={`Spent on ${l.description}`} inputMode="decimal" width="narrow" />
              <TextArea field={field(form, `spendLines[${i}].reason`)} label={`Reason for the difference on ${l.description}`} hint="Needed if the spend is more than 10% over or under the budget." rows={2} />
            </fieldset>
          ))}
        </>
      ) : (
        <TextField field={field(form, 'spentTotal')} label="Amount spent" hint={`How much of your ${formatPence(awardAmountPence)} grant you have spent so far, in pounds.`} inputMode="decimal" width="narrow" />
      )}
      {full ? <TextField field={field(form, 'matchFunding')} label="Match funding received" hint="Money from other funders for this project in this period, in pounds (£0 if none)." inputMode="decimal" width="narrow" /> : null}
    </fieldset>
  )
}

export function PhotoFields({ form, slots, photos }: { form: AnyForm; slots: number; photos: ReturnPhoto[] }) {
  return (
    <fieldset className="fieldset">
      <legend>Photos (optional)</legend>
      <p className="hint">JPEG or PNG, smaller than 10 MB. Only photos everyone in them has agreed to, and for anyone under 18 their parent or carer.</p>
      {photos.length ? (
        <ul>
          {photos.map((p) => (
            <li key={p.documentId}>
              <a href={`/documents/${p.documentId}`}>{p.filename}</a>
              {p.caption ? `: ${p.caption}` : ''}
              <div className="checkbox">
                <input type="checkbox" id={`remove-photo-${p.documentId}`} name="removePhoto" value={p.documentId} />
                <label htmlFor={`remove-photo-${p.documentId}`}>Remove {p.filename}</label>
              </div>
            </li>
          ))}
        </ul>
      ) : null}
      {Array.from({ length: slots }, (_, i) => {
        const file = field(form, `photos[${i}].file`)
        const consent = field(form, `photos[${i}].consent`)
        const consentInvalid = !!consent.errors?.length
        const { key, ...consentProps } = getInputProps(consent, { type: 'checkbox', ariaAttributes: false })
        return (
          <fieldset className="fieldset" key={i}>
            <legend>Photo {i + 1}</legend>
            <div className={`form-group${file.errors?.length ? ' form-group--error' : ''}`}>
              <label className="label" htmlFor={file.id}>
                Photo {i + 1}
              </label>
              <FieldError field={file} />
              <input className="file-upload" type="file" id={file.id} name={file.name} accept="image/jpeg,image/png" aria-invalid={file.errors?.length ? true : undefined} aria-describedby={file.errors?.length ? file.errorId : undefined} />
            </div>
            <TextField field={field(form, `photos[${i}].caption`)} label={`Caption for photo ${i + 1}`} hint={`${MAX_CAPTION} characters or fewer.`} />
            <div className={`form-group${consentInvalid ? ' form-group--error' : ''}`}>
              <FieldError field={consent} />
              <div className="checkbox">
                <input key={key} {...consentProps} aria-invalid={consentInvalid || undefined} aria-describedby={consentInvalid ? consent.errorId : undefined} />
                <label htmlFor={consent.id}>Everyone in photo {i + 1} agreed to it being used</label>
              </div>
            </div>
          </fieldset>
        )
      })}
    </fieldset>
  )
}

export function StoryField({ form }: { form: AnyForm }) {
  return <TextArea field={field(form, 'story')} label="Your story" hint="What difference did the project make? Tell us about a person or a moment (no names without their permission)." rows={6} />
}

export function PlansField({ form }: { form: AnyForm }) {
  return <TextArea field={field(form, 'plans')} label="Plans for the next period" rows={4} />
}
