/**
 * UK GDPR subject access (Article 15): everything Commonpot holds about one person, as one JSON document. The person
 * downloads their own from /account; an administrator downloads anyone's from /admin/users/<id>. The route audits the
 * download in the same transaction it reads in.
 *
 * Secrets are never exported: the export says a password hash or two-factor secret exists, not what it is; session
 * and reset tokens are left out; bank account numbers are masked; the body of an email that carried a one-time link
 * (password reset, invitation) is withheld. Other people's email addresses are masked.
 *
 * What to read is driven by USER_REFERENCES (user-references.ts), which a test keeps in step with db/schema.ts.
 */
import { sql, type Kysely, type Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { maskEmail } from '~/domain/organisations/invitations.server.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { ROLE_LABELS, type Role } from '~/lib/policy.ts'
import { OTHER_RECORDS } from './user-references.ts'

export const SUBJECT_ACCESS_FORMAT = 'commonpot-subject-access/1'

/** Emails whose body carries a one-time link: exporting the body would hand out a working link. */
const TEMPLATES_WITH_LINKS = new Set(['password-reset', 'organisation-invitation'])

type Row = Record<string, unknown>

export interface SubjectAccessExport {
  format: typeof SUBJECT_ACCESS_FORMAT
  generatedAt: string
  about: string[]
  person: Row
  roles: Row[]
  memberships: Row[]
  invitations: { sentToYou: Row[]; sentByYou: Row[] }
  applications: { created: Row[]; versionsYouSavedOnOtherApplications: Row[] }
  assessments: Row[]
  assessorRoles: { rounds: Row[]; places: Row[]; panelsAttended: Row[] }
  returns: { submitted: Row[]; versionsSubmitted: Row[] }
  bankAccounts: Row[]
  documents: Row[]
  auditEvents: { byYou: Row[]; aboutYou: Row[]; mentioningYourEmail: Row[] }
  emails: Row[]
  sessions: Row[]
  passwordResets: Row[]
  signInAttempts: Row[]
  otherRecords: { table: string; column: string; describes: string; rows: Row[] }[]
}

function parseJson(text: string | null): unknown {
  if (text === null) return null
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** "••••5678": enough to recognise an account, not enough to use it. */
export function maskAccountNumber(accountNumber: string): string {
  return `••••${accountNumber.slice(-4)}`
}

/** A LIKE pattern matching `text` anywhere, with %, _ and \ meaning themselves. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

async function person(db: Db, userId: number) {
  const user = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst()
  if (!user) throw new NotFoundError('user')
  return {
    user,
    section: {
      id: user.id,
      name: user.name,
      email: user.email,
      createdAt: user.created_at,
      updatedAt: user.updated_at,
      passwordChangedAt: user.password_changed_at,
      twoFactorEnabledAt: user.totp_enabled_at,
      anonymisedAt: user.anonymised_at,
      withheldForSecurity: {
        password: user.password_hash
          ? 'A password hash is held. It is withheld for security; it cannot be turned back into your password.'
          : 'No password is held.',
        twoFactorSecret: user.totp_secret
          ? 'A two-factor authentication secret is held. It is withheld for security: anyone with it could make your codes.'
          : 'No two-factor authentication secret is held.',
      },
    },
  }
}

async function roles(db: Db, userId: number): Promise<Row[]> {
  const rows = await db
    .selectFrom('user_roles')
    .leftJoin('funders', 'funders.id', 'user_roles.funder_id')
    .select(['user_roles.role', 'funders.name as funder', 'user_roles.granted_by', 'user_roles.created_at'])
    .where('user_roles.user_id', '=', userId)
    .orderBy('user_roles.id')
    .execute()
  return rows.map((r) => ({ role: ROLE_LABELS[r.role as Role] ?? r.role, funder: r.funder, grantedBy: r.granted_by, grantedAt: r.created_at }))
}

const ORGANISATION_COLUMNS = [
  'organisations.id',
  'organisations.name',
  'organisations.legal_type',
  'organisations.charity_number',
  'organisations.company_number',
  'organisations.address_line_1',
  'organisations.address_line_2',
  'organisations.town',
  'organisations.postcode',
  'organisations.main_contact_user_id',
] as const

async function memberships(db: Db, userId: number): Promise<Row[]> {
  const [members, contacts] = await Promise.all([
    db
      .selectFrom('memberships')
      .innerJoin('organisations', 'organisations.id', 'memberships.organisation_id')
      .select([...ORGANISATION_COLUMNS, 'memberships.role as membership_role', 'memberships.created_at as member_since'])
      .where('memberships.user_id', '=', userId)
      .orderBy('organisations.id')
      .execute(),
    db.selectFrom('organisations').select(ORGANISATION_COLUMNS).where('main_contact_user_id', '=', userId).orderBy('id').execute(),
  ])
  const rows: Row[] = members.map(({ membership_role, member_since, ...organisation }) => ({
    organisation: { ...organisation, youAreMainContact: organisation.main_contact_user_id === userId },
    role: membership_role,
    since: member_since,
  }))
  for (const organisation of contacts) {
    if (!members.some((m) => m.id === organisation.id)) rows.push({ organisation: { ...organisation, youAreMainContact: true }, role: null, since: null })
  }
  return rows
}

async function invitations(db: Db, userId: number, email: string) {
  const columns = ['invitations.id', 'invitations.organisation_id', 'organisations.name as organisation', 'invitations.role', 'invitations.invited_by', 'invitations.expires_at', 'invitations.accepted_at', 'invitations.created_at'] as const
  const [sentToYou, sentByYou] = await Promise.all([
    db
      .selectFrom('invitations')
      .innerJoin('organisations', 'organisations.id', 'invitations.organisation_id')
      .select([...columns, 'invitations.email'])
      .where((eb) => eb(eb.fn('lower', ['invitations.email']), '=', email.toLowerCase()))
      .orderBy('invitations.id')
      .execute(),
    db
      .selectFrom('invitations')
      .innerJoin('organisations', 'organisations.id', 'invitations.organisation_id')
      .select([...columns, 'invitations.email'])
      .where('invitations.invited_by', '=', userId)
      .orderBy('invitations.id')
      .execute(),
  ])
  // Someone else's address is theirs, not yours: shown masked.
  return { sentToYou, sentByYou: sentByYou.map((i) => ({ ...i, email: maskEmail(i.email) })) }
}

async function applications(db: Db, userId: number) {
  const created = await db
    .selectFrom('applications')
    .innerJoin('rounds', 'rounds.id', 'applications.round_id')
    .innerJoin('organisations', 'organisations.id', 'applications.organisation_id')
    .select([
      'applications.id',
      'applications.reference',
      'rounds.title as round',
      'organisations.name as organisation',
      'applications.stage',
      'applications.status',
      'applications.title',
      'applications.amount_requested_pence',
      'applications.project_cost_pence',
      'applications.answers',
      'applications.version',
      'applications.submitted_at',
      'applications.decided_at',
      'applications.decision_reason',
      'applications.anonymised_at',
      'applications.created_at',
      'applications.updated_at',
    ])
    .where('applications.created_by', '=', userId)
    .orderBy('applications.id')
    .execute()
  const ids = created.map((a) => a.id)
  const versions = await db
    .selectFrom('application_versions')
    .innerJoin('applications', 'applications.id', 'application_versions.application_id')
    .select([
      'application_versions.application_id',
      'applications.reference',
      'application_versions.version',
      'application_versions.answers',
      'application_versions.created_by',
      'application_versions.created_at',
    ])
    .where((eb) => eb.or([eb('application_versions.created_by', '=', userId), ...(ids.length ? [eb('application_versions.application_id', 'in', ids)] : [])]))
    .orderBy('application_versions.application_id')
    .orderBy('application_versions.version')
    .execute()
  const version = (v: (typeof versions)[number]) => ({ version: v.version, answers: parseJson(v.answers), savedBy: v.created_by, savedAt: v.created_at })
  return {
    created: created.map((a) => ({ ...a, answers: parseJson(a.answers), versions: versions.filter((v) => v.application_id === a.id).map(version) })),
    versionsYouSavedOnOtherApplications: versions
      .filter((v) => !ids.includes(v.application_id))
      .map((v) => ({ applicationId: v.application_id, reference: v.reference, ...version(v) })),
  }
}

async function assessments(db: Db, userId: number): Promise<Row[]> {
  const rows = await db
    .selectFrom('assessments')
    .innerJoin('applications', 'applications.id', 'assessments.application_id')
    .select([
      'assessments.id',
      'applications.reference as application',
      'assessments.status',
      'assessments.conflict_type',
      'assessments.conflict_note',
      'assessments.conflict_confirmed_at',
      'assessments.weighted_score_milli',
      'assessments.submitted_at',
      'assessments.created_at',
    ])
    .where('assessments.assessor_user_id', '=', userId)
    .orderBy('assessments.id')
    .execute()
  const scores = rows.length
    ? await db
        .selectFrom('criterion_scores')
        .innerJoin('criteria', 'criteria.id', 'criterion_scores.criterion_id')
        .select([
          'criterion_scores.assessment_id',
          'criteria.name as criterion',
          'criterion_scores.score',
          'criterion_scores.comment',
          'criterion_scores.moderated_score',
          'criterion_scores.moderation_rationale',
        ])
        .where('criterion_scores.assessment_id', 'in', rows.map((r) => r.id))
        .orderBy('criterion_scores.id')
        .execute()
    : []
  return rows.map((r) => ({ ...r, scores: scores.filter((s) => s.assessment_id === r.id).map(({ assessment_id: _, ...s }) => s) }))
}

async function assessorRoles(db: Db, userId: number) {
  const [rounds, places, panelsAttended] = await Promise.all([
    db
      .selectFrom('round_assessors')
      .innerJoin('rounds', 'rounds.id', 'round_assessors.round_id')
      .select(['rounds.id as round_id', 'rounds.title as round', 'round_assessors.is_chair', 'round_assessors.added_by', 'round_assessors.created_at'])
      .where('round_assessors.user_id', '=', userId)
      .orderBy('round_assessors.id')
      .execute(),
    db
      .selectFrom('assessor_places')
      .innerJoin('places', 'places.id', 'assessor_places.place_id')
      .select(['places.name as place', 'assessor_places.created_at'])
      .where('assessor_places.user_id', '=', userId)
      .orderBy('assessor_places.id')
      .execute(),
    db
      .selectFrom('panel_attendees')
      .innerJoin('rounds', 'rounds.id', 'panel_attendees.round_id')
      .select(['rounds.title as round', 'panel_attendees.name', 'panel_attendees.role', 'panel_attendees.created_at'])
      .where('panel_attendees.user_id', '=', userId)
      .orderBy('panel_attendees.id')
      .execute(),
  ])
  return { rounds, places, panelsAttended }
}

async function returns(db: Db, userId: number) {
  const [submitted, versionsSubmitted] = await Promise.all([
    db
      .selectFrom('returns')
      .innerJoin('awards', 'awards.id', 'returns.award_id')
      .select([
        'returns.id',
        'awards.reference as award',
        'returns.kind',
        'returns.period_label',
        'returns.due_date',
        'returns.status',
        'returns.version',
        'returns.data',
        'returns.people_reached',
        'returns.sessions_delivered',
        'returns.spent_pence',
        'returns.match_funding_pence',
        'returns.submitted_at',
      ])
      .where('returns.submitted_by', '=', userId)
      .orderBy('returns.id')
      .execute(),
    db
      .selectFrom('return_versions')
      .select(['return_id', 'version', 'data', 'submitted_at', 'review_outcome', 'review_comments', 'reviewed_at'])
      .where('submitted_by', '=', userId)
      .orderBy('return_id')
      .orderBy('version')
      .execute(),
  ])
  return {
    submitted: submitted.map((r) => ({ ...r, data: parseJson(r.data) })),
    versionsSubmitted: versionsSubmitted.map((v) => ({ ...v, data: parseJson(v.data) })),
  }
}

async function bankAccounts(db: Db, userId: number): Promise<Row[]> {
  const rows = await db
    .selectFrom('bank_accounts')
    .innerJoin('organisations', 'organisations.id', 'bank_accounts.organisation_id')
    .select([
      'bank_accounts.id',
      'organisations.name as organisation',
      'bank_accounts.account_name',
      'bank_accounts.sort_code',
      'bank_accounts.account_number',
      'bank_accounts.status',
      'bank_accounts.entered_by',
      'bank_accounts.verified_by',
      'bank_accounts.verified_at',
      'bank_accounts.created_at',
    ])
    .where((eb) => eb.or([eb('bank_accounts.entered_by', '=', userId), eb('bank_accounts.verified_by', '=', userId)]))
    .orderBy('bank_accounts.id')
    .execute()
  return rows.map(({ account_number, entered_by, verified_by, ...r }) => ({
    ...r,
    account_number: maskAccountNumber(account_number),
    youEnteredIt: entered_by === userId,
    youVerifiedIt: verified_by === userId,
  }))
}

async function documents(db: Db, userId: number): Promise<Row[]> {
  return db
    .selectFrom('documents')
    .select(['id', 'organisation_id', 'owner_type', 'owner_id', 'purpose', 'filename', 'content_type', 'size_bytes', 'sha256', 'created_at'])
    .where('uploaded_by', '=', userId)
    .orderBy('id')
    .execute()
}

const AUDIT_COLUMNS = ['id', 'occurred_at', 'actor_user_id', 'action', 'entity_type', 'entity_id', 'before', 'after'] as const

async function auditEvents(db: Db, userId: number, email: string) {
  const [byYou, aboutYou, mentioning] = await Promise.all([
    db.selectFrom('audit_events').select(AUDIT_COLUMNS).where('actor_user_id', '=', userId).orderBy('id').execute(),
    db
      .selectFrom('audit_events')
      .select(AUDIT_COLUMNS)
      .where('entity_type', '=', 'user')
      .where('entity_id', '=', String(userId))
      .where((eb) => eb.or([eb('actor_user_id', 'is', null), eb('actor_user_id', '!=', userId)]))
      .orderBy('id')
      .execute(),
    db
      .selectFrom('audit_events')
      .select(AUDIT_COLUMNS)
      .where((eb) =>
        eb.or([sql<boolean>`${eb.ref('before')} like ${containsPattern(email)} escape '\\'`, sql<boolean>`${eb.ref('after')} like ${containsPattern(email)} escape '\\'`]),
      )
      .orderBy('id')
      .execute(),
  ])
  const shown = new Set([...byYou, ...aboutYou].map((e) => e.id))
  const event = (e: (typeof byYou)[number]) => ({ ...e, before: parseJson(e.before), after: parseJson(e.after) })
  return { byYou: byYou.map(event), aboutYou: aboutYou.map(event), mentioningYourEmail: mentioning.filter((e) => !shown.has(e.id)).map(event) }
}

async function emails(db: Db, email: string): Promise<Row[]> {
  const rows = await db
    .selectFrom('outbox_messages')
    .select(['id', 'template', 'to_address', 'subject', 'body_text', 'status', 'created_at', 'sent_at'])
    .where((eb) => eb(eb.fn('lower', ['to_address']), '=', email.toLowerCase()))
    .orderBy('id')
    .execute()
  return rows.map(({ body_text, ...m }) => ({
    ...m,
    body: TEMPLATES_WITH_LINKS.has(m.template) ? 'Withheld: this email held a one-time link that must not be copied.' : body_text,
  }))
}

async function security(db: Db, userId: number, email: string) {
  const [sessions, passwordResets, signInAttempts] = await Promise.all([
    db
      .selectFrom('sessions')
      .select(['id', 'created_at', 'expires_at', 'revoked_at', 'second_factor_at', 'last_seen_at', 'ip', 'user_agent'])
      .where('user_id', '=', userId)
      .orderBy('id')
      .execute(),
    db.selectFrom('password_reset_tokens').select(['id', 'created_at', 'expires_at', 'used_at']).where('user_id', '=', userId).orderBy('id').execute(),
    db
      .selectFrom('sign_in_attempts')
      .select(['created_at', 'ip', 'succeeded'])
      .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
      .orderBy('id')
      .execute(),
  ])
  return { sessions, passwordResets, signInAttempts: signInAttempts.map((a) => ({ ...a, succeeded: a.succeeded === 1 })) }
}

async function otherRecords(db: Db, userId: number) {
  // The table and column names come from OTHER_RECORDS (our own constant), checked against db/schema.ts by a test.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const loose = db as unknown as Kysely<any>
  const sections = []
  for (const ref of OTHER_RECORDS) {
    const rows: Row[] = await loose.selectFrom(ref.table).select([...ref.records.columns]).where(ref.column, '=', userId).orderBy('id').execute()
    if (rows.length > 0) sections.push({ table: ref.table, column: ref.column, describes: ref.records.describes, rows })
  }
  return sections
}

/** Everything held about a person (404 NotFoundError when there is no such user). Reads only. */
export async function subjectAccessExport(db: Db, userId: number, now = new Date()): Promise<SubjectAccessExport> {
  const { user, section } = await person(db, userId)
  const email = user.email
  const sec = await security(db, userId, email)
  return {
    format: SUBJECT_ACCESS_FORMAT,
    generatedAt: now.toISOString(),
    about: [
      'This is everything Commonpot holds about you, as at the time above (UK GDPR Article 15).',
      'Money is in pence (amount_pence 125050 is £1,250.50). Times are UTC.',
      'Withheld for security: your password hash, your two-factor secret, session and reset tokens, full bank account numbers, and the body of emails that held a one-time link.',
      'Other people are named by their user id only, and their email addresses are masked.',
      'Ask the fund administrator to correct anything that is wrong, or to erase your account.',
    ],
    person: section,
    roles: await roles(db, userId),
    memberships: await memberships(db, userId),
    invitations: await invitations(db, userId, email),
    applications: await applications(db, userId),
    assessments: await assessments(db, userId),
    assessorRoles: await assessorRoles(db, userId),
    returns: await returns(db, userId),
    bankAccounts: await bankAccounts(db, userId),
    documents: await documents(db, userId),
    auditEvents: await auditEvents(db, userId, email),
    emails: await emails(db, email),
    sessions: sec.sessions,
    passwordResets: sec.passwordResets,
    signInAttempts: sec.signInAttempts,
    otherRecords: await otherRecords(db, userId),
  }
}

/** `commonpot-personal-data-<id>-<yyyy-mm-dd>.json`. */
export function subjectAccessFilename(userId: number, now: Date): string {
  return `commonpot-personal-data-${userId}-${now.toISOString().slice(0, 10)}.json`
}

/**
 * The export, with the download itself recorded in the audit trail (who exported whose data) in the same transaction.
 * `actorUserId` is the person downloading: the subject themselves, or an administrator.
 */
export async function exportPersonalData(trx: Transaction<DB>, actorUserId: number, userId: number, now = new Date()): Promise<SubjectAccessExport> {
  const data = await subjectAccessExport(trx, userId, now)
  await recordAudit(trx, {
    actorUserId,
    action: 'privacy.subject_access_exported',
    entityType: 'user',
    entityId: userId,
    after: { bySubject: actorUserId === userId },
  })
  return data
}
