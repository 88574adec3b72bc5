import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { CheckboxGroup } from '~/components/choice-fields.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SelectField, SubmitButton, TextField } from '~/components/forms.tsx'
import { checkIdentifiers, LEGAL_TYPE_LABELS, LEGAL_TYPES, normalisePostcode } from '~/domain/organisations/identifiers.ts'
import { createOrganisation, OrganisationAlreadyRegisteredError, OrganisationInputError } from '~/domain/organisations/organisations.server.ts'
import { placesValidOn, ukToday } from '~/domain/places/places.server.ts'
import { db } from '~/lib/db.server.ts'
import { requireUser } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idField } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Register your organisation – Commonpot' }]

const text = (label: string, max: number) =>
  z.string({ required_error: `Enter ${label}` }).trim().min(1, `Enter ${label}`).max(max, `${label[0].toUpperCase()}${label.slice(1)} must be ${max} characters or fewer`)

// Identifiers are checked against the legal type in their own part of the schema: zod runs an object's refinement only
// when every field of that object is valid, and a missing charity number should be reported with the other mistakes.
const IdentifiersSchema = z
  .object({
    legalType: z.enum(LEGAL_TYPES, { errorMap: () => ({ message: 'Select the type of organisation' }) }),
    charityNumber: z.string().trim().max(20, 'Charity number must be 20 characters or fewer').optional(),
    companyNumber: z.string().trim().max(20, 'Company number must be 20 characters or fewer').optional(),
  })
  .superRefine((value, ctx) => {
    const identifiers = checkIdentifiers(value)
    if (!identifiers.ok) for (const problem of identifiers.problems) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [problem.field], message: problem.message })
  })

const OrganisationSchema = z.intersection(
  z.object({
    name: text('the name of your organisation', 200),
    addressLine1: text('the first line of the address', 200),
    addressLine2: z.string().trim().max(200, 'Address line 2 must be 200 characters or fewer').optional(),
    town: text('the town or city', 100),
    postcode: z
      .string({ required_error: 'Enter the postcode' })
      .trim()
      .refine((value) => normalisePostcode(value) !== null, 'Enter a real postcode, like SW1A 1AA'),
    placeId: idField({ required_error: 'Select the integrated care board area you mainly work in', invalid_type_error: 'Select an area from the list' }),
    otherPlaceIds: z.array(idField({ invalid_type_error: 'Select areas from the list' })).optional(),
  }),
  IdentifiersSchema,
)

const LABELS = {
  name: 'Organisation name',
  legalType: 'Type of organisation',
  charityNumber: 'Charity number',
  companyNumber: 'Company number',
  addressLine1: 'Address line 1',
  addressLine2: 'Address line 2',
  town: 'Town or city',
  postcode: 'Postcode',
  placeId: 'Integrated care board area',
}

/** GET /organisation/new: the form to register an organisation (any signed-in person may). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireUser(request, context)
  const places = await placesValidOn(db, ukToday())
  return json({ places: places.map((p) => ({ id: p.id, name: p.name, regionName: p.regionName })) })
}

/** POST /organisation/new: registers the organisation with the signed-in person as its first organisation admin. */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const submission = parseWithZod(await request.formData(), { schema: OrganisationSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  const { addressLine2, charityNumber, companyNumber, ...rest } = submission.value
  try {
    const organisation = await db.transaction().execute((trx) =>
      createOrganisation(trx, user.id, { ...rest, addressLine2: addressLine2 ?? null, charityNumber: charityNumber ?? null, companyNumber: companyNumber ?? null }),
    )
    const message = `${organisation.name} is registered. You are its organisation admin.`
    return redirect(`/organisation?org=${organisation.id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  } catch (e) {
    if (e instanceof OrganisationInputError || e instanceof OrganisationAlreadyRegisteredError) {
      return json(submission.reply({ fieldErrors: { [e.field!]: [e.message] } }), { status: e.status })
    }
    throw e
  }
}

export default function RegisterOrganisation() {
  const { places } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'register-organisation',
    lastResult,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: OrganisationSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
  })
  return (
    <>
      <h1>Register your organisation</h1>
      <p className="lead">Tell us about the organisation you want to apply for funding for. You will be its first organisation admin and can invite colleagues afterwards.</p>
      <ErrorSummary
        form={form}
        fields={{
          name: fields.name,
          legalType: fields.legalType,
          charityNumber: fields.charityNumber,
          companyNumber: fields.companyNumber,
          addressLine1: fields.addressLine1,
          addressLine2: fields.addressLine2,
          town: fields.town,
          postcode: fields.postcode,
          placeId: fields.placeId,
        }}
        labels={LABELS}
      />
      <Form method="post" {...getFormProps(form)}>
        <TextField field={fields.name} label="Organisation name" autoComplete="organization" />
        <SelectField width="full" field={fields.legalType} label="Type of organisation" placeholder="Select a type">
          {LEGAL_TYPES.map((type) => (
            <option key={type} value={type}>
              {LEGAL_TYPE_LABELS[type]}
            </option>
          ))}
        </SelectField>
        <TextField
          field={fields.charityNumber}
          label="Charity number"
          width="medium"
          spellCheck={false}
          hint="Needed for registered charities and CIOs, for example 1090095, SC042386 or NIC100002. Leave it empty if you are not a registered charity."
        />
        <TextField
          field={fields.companyNumber}
          label="Company number"
          width="medium"
          spellCheck={false}
          hint="Needed for community interest companies and companies limited by guarantee: 8 characters, for example 09506232 or SC123456. Leave it empty if you do not have one."
        />
        <fieldset className="fieldset">
          <legend>Address</legend>
          <TextField field={fields.addressLine1} label="Address line 1" autoComplete="address-line1" />
          <TextField field={fields.addressLine2} label="Address line 2 (optional)" autoComplete="address-line2" />
          <TextField field={fields.town} label="Town or city" autoComplete="address-level2" width="medium" />
          <TextField field={fields.postcode} label="Postcode" autoComplete="postal-code" width="narrow" spellCheck={false} />
        </fieldset>
        <SelectField
          width="full"
          field={fields.placeId}
          label="Integrated care board area"
          hint="The NHS integrated care board area where you mainly work."
          placeholder="Select an area"
        >
          {places.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name} ({p.regionName})
            </option>
          ))}
        </SelectField>
        <details className="details">
          <summary>Your group also works in other areas</summary>
          <CheckboxGroup
            field={fields.otherPlaceIds}
            legend="Other integrated care board areas you serve (optional)"
            hint="Funders use these to match you with rounds for those places."
            options={places.map((p) => ({ value: String(p.id), label: `${p.name} (${p.regionName})` }))}
          />
        </details>
        <SubmitButton>Register organisation</SubmitButton>
      </Form>
    </>
  )
}


export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
