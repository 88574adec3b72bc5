/**
 * The applicant's home page: their organisations (with place and admin role) and their latest applications, read with
 * the organisations they belong to from their session; someone in no organisation is told how to join one.
 */
import crypto from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { createRound } from '../../tests/factories/awards.ts'
import { addMember, createOrganisationWithAdmin, createUser } from '../../tests/factories/organisations.ts'
import { signedInRequest } from '../../tests/factories/sessions.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { loader } from './home.tsx'

async function homeFor(userId: number) {
  const request = await signedInRequest('/home', { userId })
  const response = await respond(() => loader({ request, params: {}, context: { cspNonce: '', clientIp: '127.0.0.1' } }))
  return response.json()
}

describe('applicant home', () => {
  test("lists the person's organisation and the applications of their organisations only, newest first", async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const other = await createOrganisationWithAdmin(db)
    const { roundId } = await createRound(db, { title: 'Home test round' })
    for (const [org, ref] of [[organisation.id, 'HOME-1'], [other.organisation.id, 'HOME-X'], [organisation.id, 'HOME-2']] as const) {
      await db.insertInto('applications').values({ round_id: roundId, organisation_id: org, reference: ref, title: `Bid ${ref}`, status: 'draft', created_by: admin.id }).execute()
    }
    const page = await homeFor(admin.id)
    expect(page.applicant!.organisations).toEqual([expect.objectContaining({ id: organisation.id, name: organisation.name, role: 'admin' })])
    expect(page.applicant!.organisations[0].placeName).toBeTruthy()
    expect(page.canManageMembers).toBe(true)
    expect(page.applicant!.applications).toEqual([
      { id: expect.any(Number), reference: 'HOME-2', title: 'Bid HOME-2', status: 'draft', roundTitle: 'Home test round' },
      { id: expect.any(Number), reference: 'HOME-1', title: 'Bid HOME-1', status: 'draft', roundTitle: 'Home test round' },
    ])
  })

  test('someone in two organisations sees both by name and the 20 latest applications of either, newest first', async () => {
    const { organisation: zebra, admin } = await createOrganisationWithAdmin(db, { input: { name: `Zebra Crossing Club ${crypto.randomUUID()}` } })
    const { organisation: apple } = await createOrganisationWithAdmin(db, { input: { name: `Apple Orchard Friends ${crypto.randomUUID()}` } })
    await addMember(db, apple.id, admin.id)
    const { roundId } = await createRound(db, { title: 'Busy round' })
    for (let i = 1; i <= 22; i++) {
      const org = i % 2 === 0 ? zebra.id : apple.id
      await db.insertInto('applications').values({ round_id: roundId, organisation_id: org, reference: `BUSY-${i}`, title: `Bid ${i}`, status: 'submitted', created_by: admin.id }).execute()
    }
    const page = await homeFor(admin.id)
    expect(page.applicant!.organisations.map((o: { name: string; role: string }) => [o.name, o.role])).toEqual([
      [apple.name, 'member'],
      [zebra.name, 'admin'],
    ])
    expect(page.applicant!.applications.map((a: { reference: string }) => a.reference)).toEqual(Array.from({ length: 20 }, (_, i) => `BUSY-${22 - i}`))
  })

  test('someone in no organisation sees no organisation and no applications', async () => {
    const person = await createUser(db)
    const page = await homeFor(person.id)
    expect(page.applicant).toEqual({ organisations: [], applications: [] })
    expect(page.canManageMembers).toBe(false)
  })
})
