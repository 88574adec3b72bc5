import { expect, test } from 'vitest'
import { createOrganisationWithAdmin } from '../../tests/factories/organisations.ts'
import { createPartnershipRound } from '../../app/domain/applications/test-support.server.ts'
import { db } from '../../app/lib/db.server.ts'
import { seedApplications } from './applications.ts'

test('the demo applications are a submitted bid and a draft, made through the applicant domain', async () => {
  const now = new Date()
  const round = await createPartnershipRound(db, { now })
  const first = await createOrganisationWithAdmin(db)
  const second = await createOrganisationWithAdmin(db)
  const seeded = await db.transaction().execute((trx) =>
    seedApplications(trx, { roundId: round.id, applicants: [{ email: first.admin.email, submit: true }, { email: second.admin.email, submit: false }], now }),
  )
  expect(seeded.map((s) => s.status)).toEqual(['submitted', 'draft'])
  const versions = await db.selectFrom('application_versions').select('application_id').execute()
  expect(versions.map((v) => v.application_id)).toEqual([seeded[0]!.id])
})
