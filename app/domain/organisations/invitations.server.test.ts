import { describe, expect, test } from 'vitest'
import { addMember, createOrganisationWithAdmin, createUser } from '../../../tests/factories/organisations.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { hashToken } from '~/lib/session.server.ts'
import {
  acceptInvitation,
  AlreadyMemberError,
  findInvitation,
  InvitationExpiredError,
  InvitationForSomeoneElseError,
  InvitationUsedError,
  inviteColleague,
  listPendingInvitations,
  maskEmail,
} from './invitations.server.ts'
import { NotOrganisationAdminError } from './members.server.ts'

const ORIGIN = 'https://commonpot.example'
const DAY_MS = 24 * 60 * 60 * 1000

async function invite(organisationId: number, inviterUserId: number, email: string, options: { role?: 'member' | 'admin'; now?: Date } = {}) {
  return db.transaction().execute((trx) =>
    inviteColleague(trx, { organisationId, inviterUserId, email, role: options.role ?? 'member', appOrigin: ORIGIN, now: options.now }),
  )
}

async function accept(token: string, userId: number, now?: Date) {
  return db.transaction().execute((trx) => acceptInvitation(trx, { token, userId, now }))
}

describe('inviteColleague', () => {
  test('stores only the hash of the token and queues the invitation email with the link', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const sent = await invite(organisation.id, admin.id, 'New.Person@Example.org')

    const row = await db.selectFrom('invitations').selectAll().where('id', '=', sent.invitationId).executeTakeFirstOrThrow()
    expect(row.token_hash).toBe(hashToken(sent.token))
    expect(row.token_hash).not.toContain(sent.token)
    expect(row.email).toBe('new.person@example.org')
    expect(Date.parse(row.expires_at) - Date.parse(row.created_at)).toBe(7 * DAY_MS)

    const email = await db.selectFrom('outbox_messages').selectAll().where('to_address', '=', 'new.person@example.org').executeTakeFirstOrThrow()
    expect(email.template).toBe('organisation-invitation')
    expect(email.body_text).toContain(`${ORIGIN}/invitations/${sent.token}`)
    expect(email.body_text).toContain(organisation.name)
    expect(email.body_text).toContain(admin.name)

    const audit = await db.selectFrom('audit_events').select(['action', 'after']).where('action', '=', 'invitation.sent').execute()
    expect(audit).toHaveLength(1)
    expect(audit[0].after).not.toContain(sent.token)
  })

  test('inviting the same address again replaces the pending invitation: the old link stops working', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const first = await invite(organisation.id, admin.id, 'again@example.org')
    const second = await invite(organisation.id, admin.id, 'again@example.org', { role: 'admin' })

    expect(second.invitationId).toBe(first.invitationId)
    expect(second.replaced).toBe(true)
    expect(await findInvitation(db, first.token)).toBeUndefined()
    expect(await findInvitation(db, second.token)).toMatchObject({ state: 'pending', role: 'admin', organisationName: organisation.name })
    const pending = await listPendingInvitations(db, { actorUserId: admin.id, organisationId: organisation.id })
    expect(pending.map((p) => p.email)).toEqual(['again@example.org'])
    const emails = await db.selectFrom('outbox_messages').select('id').where('to_address', '=', 'again@example.org').execute()
    expect(emails).toHaveLength(2)
  })

  test('inviting someone who is already a member is a field error on the email address', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const colleague = await createUser(db, { email: 'already@example.org' })
    await addMember(db, organisation.id, colleague.id)
    const error = await invite(organisation.id, admin.id, 'ALREADY@example.org').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AlreadyMemberError)
    expect(error).toMatchObject({ field: 'email', status: 409 })
  })

  test('only an admin of that organisation can invite', async () => {
    const { organisation } = await createOrganisationWithAdmin(db)
    const colleague = await createUser(db)
    await addMember(db, organisation.id, colleague.id)
    const { admin: otherAdmin } = await createOrganisationWithAdmin(db)

    await expect(invite(organisation.id, colleague.id, 'x@example.org')).rejects.toBeInstanceOf(NotOrganisationAdminError)
    await expect(invite(organisation.id, otherAdmin.id, 'x@example.org')).rejects.toBeInstanceOf(NotFoundError)
    expect(await db.selectFrom('invitations').select('id').where('email', '=', 'x@example.org').execute()).toEqual([])
  })
})

describe('acceptInvitation', () => {
  test('the invited person joins with the role they were invited to', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const invitee = await createUser(db, { email: 'invitee@example.org' })
    const { token } = await invite(organisation.id, admin.id, 'invitee@example.org', { role: 'admin' })

    expect(await accept(token, invitee.id)).toEqual({ organisationId: organisation.id, organisationName: organisation.name })
    const membership = await db.selectFrom('memberships').select('role').where('user_id', '=', invitee.id).where('organisation_id', '=', organisation.id).executeTakeFirst()
    expect(membership?.role).toBe('admin')
    expect(await findInvitation(db, token)).toMatchObject({ state: 'accepted' })
    const audit = await db.selectFrom('audit_events').select('actor_user_id').where('action', '=', 'invitation.accepted').execute()
    expect(audit).toEqual([{ actor_user_id: invitee.id }])
  })

  test('someone signed in with a different email address is refused and the invitation stays usable', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const intended = await createUser(db, { email: 'intended@example.org' })
    const stranger = await createUser(db, { email: 'stranger@example.org' })
    const { token } = await invite(organisation.id, admin.id, 'intended@example.org')

    const error = await accept(token, stranger.id).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvitationForSomeoneElseError)
    expect(error).toMatchObject({ status: 403, message: 'This invitation was sent to i•••@example.org. Sign in with that email address to accept it.' })
    expect(await db.selectFrom('memberships').select('id').where('user_id', '=', stranger.id).execute()).toEqual([])

    await accept(token, intended.id)
    expect(await db.selectFrom('memberships').select('id').where('user_id', '=', intended.id).execute()).toHaveLength(1)
  })

  test('an email address that differs only in case still matches', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const invitee = await createUser(db, { email: 'Mixed.Case@Example.org' })
    const { token } = await invite(organisation.id, admin.id, 'mixed.case@example.org')
    await expect(accept(token, invitee.id)).resolves.toMatchObject({ organisationId: organisation.id })
  })

  test('an invitation can be used only once', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const invitee = await createUser(db, { email: 'once@example.org' })
    const { token } = await invite(organisation.id, admin.id, 'once@example.org')
    await accept(token, invitee.id)
    await expect(accept(token, invitee.id)).rejects.toBeInstanceOf(InvitationUsedError)
  })

  test('an expired invitation is refused with a clear message', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const invitee = await createUser(db, { email: 'late@example.org' })
    const sentAt = new Date(Date.now() - 8 * DAY_MS)
    const { token } = await invite(organisation.id, admin.id, 'late@example.org', { now: sentAt })

    expect(await findInvitation(db, token)).toMatchObject({ state: 'expired' })
    const error = await accept(token, invitee.id).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvitationExpiredError)
    expect((error as Error).message).toBe('This invitation has expired. Ask your organisation admin to send you a new one.')
    expect(await db.selectFrom('memberships').select('id').where('user_id', '=', invitee.id).execute()).toEqual([])
  })

  test('an expired invitation is not replaced: inviting again sends a new one', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const old = await invite(organisation.id, admin.id, 'retry@example.org', { now: new Date(Date.now() - 8 * DAY_MS) })
    const fresh = await invite(organisation.id, admin.id, 'retry@example.org')
    expect(fresh.replaced).toBe(false)
    expect(fresh.invitationId).not.toBe(old.invitationId)
  })

  test('a link that matches no invitation is not found', async () => {
    const user = await createUser(db)
    await expect(accept('not-a-real-token', user.id)).rejects.toBeInstanceOf(NotFoundError)
  })
})

test('email addresses are masked to their first letter and domain', () => {
  expect(maskEmail('amara@example.org')).toBe('a•••@example.org')
  expect(maskEmail('broken')).toBe('•••')
})
