/**
 * The demo data a newcomer sees after `npm start`: funders, a Thriving-Communities-style fund and a Power-of-Music-style
 * fund, applicant organisations in several integrated care boards, and one demo account per role.
 *
 * Everything is created through the domain functions (as people using the app would create it), so the audit trail,
 * the outbox and every rule apply to demo data too. Idempotent: a database that has been seeded is left alone.
 * Organisations, people and identifiers are fictional.
 */
import type { Kysely, Transaction } from 'kysely'
import type { DB } from '../schema.ts'
import { createFund, createFunder, type CreateFunderInput } from '../../app/domain/funds/funds.server.ts'
import { grantRole } from '../../app/domain/identity/roles.server.ts'
import { openSession, revokeUserSessions } from '../../app/domain/identity/sessions.server.ts'
import { beginTotpEnrolment, confirmTotpEnrolment, currentTotpCode } from '../../app/domain/identity/totp.server.ts'
import { createUser } from '../../app/domain/identity/users.server.ts'
import { acceptInvitation, inviteColleague } from '../../app/domain/organisations/invitations.server.ts'
import { createOrganisation, type CreateOrganisationInput } from '../../app/domain/organisations/organisations.server.ts'
import { findPlaceByOdsCode, ukToday } from '../../app/domain/places/places.server.ts'
import { seedApplications } from './applications.ts'
import { seedPooledBudgets } from './budgets.ts'
import { linkRoundToPot } from '../../app/domain/budgets/pots.server.ts'
import { seedRounds } from './rounds.ts'
import { seedPanelRound } from './panel-round.ts'
import { seedCriteria } from './criteria.ts'
import { seedPanel } from './panel.ts'
import { seedPanelDecisions } from './decisions.ts'
import { seedAwardCommitments } from './awards.ts'
import { seedOffersAndPayments } from './payments.ts'
import { seedFundingHistory } from './history.ts'
import { seedImpact } from './impact.ts'
import { setOutcomeAreas } from '../../app/domain/applications/outcome-areas.server.ts'
import type { OutcomeArea } from '../../app/domain/budgets/ring-fence.ts'
import type { GrantableRole } from '../../app/domain/identity/roles.server.ts'

export const DEMO_PASSWORD = 'commonpot-demo-2026'
export const DEMO_DOMAIN = 'demo.commonpot.org'
const SEED_KEY = 'demo_seeded_at'

/** What each panel bid works towards, in the order of the panel round's bids (choir, shed, walks, gardens, dance, lunch club, stitching, football). */
const PANEL_BID_OUTCOMES: OutcomeArea[][] = [
  ['dementia', 'arts_and_culture', 'health_and_wellbeing'],
  ['loneliness', 'mental_health', 'health_and_wellbeing'],
  ['physical_activity', 'health_and_wellbeing'],
  ['nature', 'mental_health'],
  ['physical_activity', 'arts_and_culture', 'health_and_wellbeing'],
  ['loneliness'],
  ['arts_and_culture', 'loneliness'],
  ['physical_activity', 'health_and_wellbeing'],
]

export interface DemoAccount {
  email: string
  name: string
  role: string
  twoFactor: boolean
}

/** The demo accounts the README lists (password DEMO_PASSWORD for all). */
export const DEMO_ACCOUNTS: DemoAccount[] = [
  { email: `applicant@${DEMO_DOMAIN}`, name: 'Amira Khan', role: 'Applicant (member of Wandle Valley Dementia Choir)', twoFactor: false },
  { email: `orgadmin@${DEMO_DOMAIN}`, name: 'Grace Okafor', role: 'Organisation admin (Wandle Valley Dementia Choir)', twoFactor: false },
  { email: `assessor@${DEMO_DOMAIN}`, name: 'Priya Patel', role: 'Assessor', twoFactor: false },
  { email: `assessor2@${DEMO_DOMAIN}`, name: 'Ben Walker', role: 'Assessor', twoFactor: false },
  { email: `assessor3@${DEMO_DOMAIN}`, name: 'Chloe Davies', role: 'Assessor (declares a conflict on one bid)', twoFactor: false },
  { email: `chair@${DEMO_DOMAIN}`, name: 'David Mensah', role: 'Panel chair', twoFactor: false },
  { email: `manager@${DEMO_DOMAIN}`, name: 'Helen Carter', role: 'Fund manager', twoFactor: false },
  { email: `finance@${DEMO_DOMAIN}`, name: 'Sam Rowe', role: 'Finance officer', twoFactor: true },
  { email: `finance2@${DEMO_DOMAIN}`, name: 'Jo Lee', role: 'Finance officer (the second pair of eyes)', twoFactor: true },
  { email: `funder@${DEMO_DOMAIN}`, name: 'Nadia Hussain', role: 'Funder viewer (NHS South West London ICB)', twoFactor: false },
  { email: `admin@${DEMO_DOMAIN}`, name: 'Alex Morgan', role: 'Administrator', twoFactor: true },
]

const FUNDERS: (CreateFunderInput & { icb?: string })[] = [
  { name: 'National Academy for Social Prescribing', kind: 'trust', orgIdentifier: null, placeId: null },
  { name: 'Arts Council England', kind: 'arts_council', orgIdentifier: null, placeId: null },
  { name: 'The Utley Foundation', kind: 'trust', orgIdentifier: null, placeId: null },
  { name: 'National Lottery Community Fund', kind: 'lottery', orgIdentifier: null, placeId: null },
  { name: 'Sport England', kind: 'other', orgIdentifier: null, placeId: null },
  { name: 'Music for All', kind: 'trust', orgIdentifier: null, placeId: null },
  { name: 'NHS South West London Integrated Care Board', kind: 'nhs', orgIdentifier: 'GB-NHS-QWE', placeId: null, icb: 'QWE' },
  { name: 'NHS Greater Manchester Integrated Care Board', kind: 'nhs', orgIdentifier: 'GB-NHS-QOP', placeId: null, icb: 'QOP' },
  { name: 'NHS North East and North Cumbria Integrated Care Board', kind: 'nhs', orgIdentifier: 'GB-NHS-QHM', placeId: null, icb: 'QHM' },
  { name: 'London Borough of Merton', kind: 'council', orgIdentifier: null, placeId: null, icb: 'QWE' },
]

interface DemoOrganisation extends Omit<CreateOrganisationInput, 'placeId' | 'today'> {
  icb: string
  admin: { email: string; name: string }
}

const ORGANISATIONS: DemoOrganisation[] = [
  {
    name: 'Wandle Valley Dementia Choir',
    legalType: 'cio',
    charityNumber: '1190001',
    companyNumber: null,
    addressLine1: '12 Mill Lane',
    addressLine2: null,
    town: 'Mitcham',
    postcode: 'cr4 4hr',
    icb: 'QWE',
    admin: { email: `orgadmin@${DEMO_DOMAIN}`, name: 'Grace Okafor' },
  },
  {
    name: 'Salford Stitchers CIC',
    legalType: 'cic',
    charityNumber: null,
    companyNumber: '12345678',
    addressLine1: 'Unit 3, Chapel Street Works',
    addressLine2: null,
    town: 'Salford',
    postcode: 'M3 5JZ',
    icb: 'QOP',
    admin: { email: `salford@${DEMO_DOMAIN}`, name: 'Tom Hughes' },
  },
  {
    name: 'Tyneside Allotment Friends',
    legalType: 'unincorporated_group',
    charityNumber: null,
    companyNumber: null,
    addressLine1: 'Walker Road Allotments',
    addressLine2: null,
    town: 'Newcastle upon Tyne',
    postcode: 'NE6 2HL',
    icb: 'QHM',
    admin: { email: `tyneside@${DEMO_DOMAIN}`, name: 'Maggie Robson' },
  },
  {
    name: 'Hackney Food and Friendship Hub',
    legalType: 'registered_charity',
    charityNumber: '1190002',
    companyNumber: '09506232',
    addressLine1: '40 Mare Street',
    addressLine2: null,
    town: 'London',
    postcode: 'E8 4RP',
    icb: 'QMF',
    admin: { email: `hackney@${DEMO_DOMAIN}`, name: 'Kwame Asante' },
  },
  {
    name: 'Bristol Walking Football Club',
    legalType: 'community_benefit_society',
    charityNumber: null,
    companyNumber: null,
    addressLine1: 'Eastville Park Pavilion',
    addressLine2: null,
    town: 'Bristol',
    postcode: 'BS5 6XA',
    icb: 'QUY',
    admin: { email: `bristol@${DEMO_DOMAIN}`, name: 'Rhys Evans' },
  },
  {
    name: 'Merton Men’s Shed',
    legalType: 'cio',
    charityNumber: '1190003',
    companyNumber: null,
    addressLine1: 'The Old Forge, Church Road',
    addressLine2: null,
    town: 'Mitcham',
    postcode: 'CR4 3BE',
    icb: 'QWE',
    admin: { email: `merton@${DEMO_DOMAIN}`, name: 'Ray Thompson' },
  },
  {
    name: 'Croydon Walk and Talk',
    legalType: 'registered_charity',
    charityNumber: '1190004',
    companyNumber: null,
    addressLine1: '5 Katharine Street',
    addressLine2: null,
    town: 'Croydon',
    postcode: 'CR0 1NX',
    icb: 'QWE',
    admin: { email: `croydon@${DEMO_DOMAIN}`, name: 'Funmi Adeyemi' },
  },
  {
    name: 'Sutton Community Gardeners CIC',
    legalType: 'cic',
    charityNumber: null,
    companyNumber: '12345679',
    addressLine1: 'Manor Park Lodge',
    addressLine2: null,
    town: 'Sutton',
    postcode: 'SM1 4AP',
    icb: 'QWE',
    admin: { email: `sutton@${DEMO_DOMAIN}`, name: 'Ellie Marsh' },
  },
  {
    name: 'Kingston Dance for Health',
    legalType: 'cio',
    charityNumber: '1190005',
    companyNumber: null,
    addressLine1: '21 Fairfield West',
    addressLine2: null,
    town: 'Kingston upon Thames',
    postcode: 'KT1 2PS',
    icb: 'QWE',
    admin: { email: `kingston@${DEMO_DOMAIN}`, name: 'Sofia Rossi' },
  },
]

const STAFF_ROLES: Record<string, GrantableRole[]> = {
  [`assessor@${DEMO_DOMAIN}`]: ['assessor'],
  [`assessor2@${DEMO_DOMAIN}`]: ['assessor'],
  [`assessor3@${DEMO_DOMAIN}`]: ['assessor'],
  [`chair@${DEMO_DOMAIN}`]: ['panel_chair', 'assessor'],
  [`manager@${DEMO_DOMAIN}`]: ['fund_manager'],
  [`finance@${DEMO_DOMAIN}`]: ['finance_officer'],
  [`finance2@${DEMO_DOMAIN}`]: ['finance_officer'],
  [`admin@${DEMO_DOMAIN}`]: ['admin'],
}

async function placeId(trx: Transaction<DB>, ods: string, today: string): Promise<number> {
  const place = await findPlaceByOdsCode(trx, ods, today)
  if (!place) throw new Error(`Demo seed: no place ${ods} in force on ${today}`)
  return place.id
}

/** Turns on two-factor the way a person does: start enrolment, then confirm with a code from the secret. */
async function enrolTwoFactor(trx: Transaction<DB>, userId: number): Promise<void> {
  const { secret } = await beginTotpEnrolment(trx, { userId })
  const { sessionId } = await openSession(trx, { userId, ip: 'seed', userAgent: 'demo seed', previousToken: null, secondFactor: false })
  await confirmTotpEnrolment(trx, { userId, sessionId, code: currentTotpCode(secret) })
  await revokeUserSessions(trx, { userId })
}

export async function isDemoSeeded(db: Kysely<DB>): Promise<boolean> {
  return !!(await db.selectFrom('app_meta').select('value').where('key', '=', SEED_KEY).executeTakeFirst())
}

export async function seedDemo(db: Kysely<DB>, options: { appOrigin?: string; dataDir?: string } = {}): Promise<{ seeded: boolean }> {
  if (await isDemoSeeded(db)) return { seeded: false }
  const appOrigin = options.appOrigin ?? process.env.APP_URL ?? `http://localhost:${process.env.PORT ?? 3000}`
  // Where generated letters are stored: the server's DATA_DIR (npm start, npm run db:seed), or the test server's.
  const dataDir = options.dataDir ?? process.env.DATA_DIR ?? 'data'
  const today = ukToday()
  await db.transaction().execute(async (trx) => {
    // People first: the admin is granted their role by the system (no actor), everyone else by the admin.
    const users = new Map<string, number>()
    for (const account of [...DEMO_ACCOUNTS, ...ORGANISATIONS.map((o) => ({ ...o.admin, twoFactor: false }))]) {
      if (users.has(account.email)) continue
      const user = await createUser(trx, { email: account.email, name: account.name, password: DEMO_PASSWORD, actorUserId: null })
      users.set(account.email, user.id)
    }
    const adminId = users.get(`admin@${DEMO_DOMAIN}`)!
    await grantRole(trx, { actorUserId: null, userId: adminId, role: 'admin' })
    for (const [email, roles] of Object.entries(STAFF_ROLES)) {
      for (const role of roles) if (!(email === `admin@${DEMO_DOMAIN}` && role === 'admin')) await grantRole(trx, { actorUserId: adminId, userId: users.get(email)!, role })
    }

    // Funders and funds.
    const funders = new Map<string, number>()
    for (const f of FUNDERS) {
      const funder = await createFunder(trx, adminId, { ...f, placeId: f.icb ? await placeId(trx, f.icb, today) : null })
      funders.set(f.name, funder.id)
    }
    await grantRole(trx, { actorUserId: adminId, userId: users.get(`funder@${DEMO_DOMAIN}`)!, role: 'funder_viewer', funderId: funders.get('NHS South West London Integrated Care Board')! })
    const managerId = users.get(`manager@${DEMO_DOMAIN}`)!
    const thriving = await createFund(trx, managerId, {
      name: 'Thriving Communities Fund',
      slug: 'thriving-communities',
      description:
        'Grants of £25,000 to £50,000 for place-based partnerships of local voluntary organisations that work with social prescribing link workers to connect people with creative, cultural, nature and physical activity. 20% match funding (cash or in-kind).',
      shape: 'thriving_communities',
      funderIds: ['National Academy for Social Prescribing', 'Arts Council England', 'Sport England', 'National Lottery Community Fund'].map((n) => funders.get(n)!),
    })
    const powerOfMusic = await createFund(trx, managerId, {
      name: 'Power of Music Fund',
      slug: 'power-of-music',
      description:
        'Grants of £1,000 or £2,000 a year for three years for groups of 10 or more people that bring music to people living with dementia, from a consortium of funders and members of the public.',
      shape: 'power_of_music',
      funderIds: ['National Academy for Social Prescribing', 'The Utley Foundation', 'Arts Council England', 'Music for All'].map((n) => funders.get(n)!),
    })

    // Applicant organisations in several integrated care boards; the choir's admin invites a colleague.
    for (const org of ORGANISATIONS) {
      const { icb, admin, ...input } = org
      await createOrganisation(trx, users.get(admin.email)!, { ...input, placeId: await placeId(trx, icb, today), today })
    }
    const choir = await trx.selectFrom('organisations').select('id').where('name', '=', 'Wandle Valley Dementia Choir').executeTakeFirstOrThrow()
    const orgAdminId = users.get(`orgadmin@${DEMO_DOMAIN}`)!
    const invited = await inviteColleague(trx, { organisationId: choir.id, inviterUserId: orgAdminId, email: `applicant@${DEMO_DOMAIN}`, role: 'member', appOrigin })
    await acceptInvitation(trx, { token: invited.token, userId: users.get(`applicant@${DEMO_DOMAIN}`)! })
    await inviteColleague(trx, { organisationId: choir.id, inviterUserId: users.get(`orgadmin@${DEMO_DOMAIN}`)!, email: `treasurer@${DEMO_DOMAIN}`, role: 'member', appOrigin })

    // Rounds: an open Thriving-Communities-style round, an open first-come-first-served Power-of-Music-style round and a
    // closed earlier round; then bids from the demo organisations (drafts and submitted).
    const now = new Date()
    const placeIdByOds: Record<string, number> = {}
    for (const ods of ['QWE', 'QOP', 'QHM', 'QMF', 'QUY']) placeIdByOds[ods] = await placeId(trx, ods, today)
    const rounds = await seedRounds(trx, { managerUserId: managerId, fundIdBySlug: { 'thriving-communities': thriving.id, 'power-of-music': powerOfMusic.id }, placeIdByOds, now })
    await seedApplications(trx, {
      roundId: rounds.thrivingCommunities.id,
      applicants: [
        { email: `hackney@${DEMO_DOMAIN}`, submit: true },
        { email: `salford@${DEMO_DOMAIN}`, submit: true },
        { email: `orgadmin@${DEMO_DOMAIN}`, submit: false },
      ],
      now,
    })
    await seedApplications(trx, {
      roundId: rounds.powerOfMusic.id,
      applicants: [
        { email: `orgadmin@${DEMO_DOMAIN}`, submit: true },
        { email: `bristol@${DEMO_DOMAIN}`, submit: true },
        { email: `tyneside@${DEMO_DOMAIN}`, submit: false },
      ],
      now,
    })

    // Place-based pooled budgets: a South West London shared investment pot with ring-fenced NHS money, lottery and
    // council contributions (instalments, receipts), and a national pot; the open round draws on the local pot.
    const pots = await seedPooledBudgets(trx, {
      userIdByEmail: users,
      funderIdByName: funders,
      placeIdByOds,
      managerEmail: `manager@${DEMO_DOMAIN}`,
      financeEmail: `finance@${DEMO_DOMAIN}`,
    })
    await linkRoundToPot(trx, managerId, { potId: pots.southWestLondon.id, roundId: rounds.thrivingCommunities.id })
    // A closed panel round with eight submitted bids, drawing on the South West London pot and the national pot.
    const panelRound = await seedPanelRound(trx, {
      managerUserId: managerId,
      fundId: thriving.id,
      placeIdByOds,
      potIds: [pots.southWestLondon.id, pots.national.id],
      bids: [
        { email: `orgadmin@${DEMO_DOMAIN}`, amountPence: 3_000_000, title: 'Singing for Memory: Wandle Valley choirs' },
        { email: `merton@${DEMO_DOMAIN}`, amountPence: 2_500_000, title: 'Shoulder to Shoulder: Men’s Shed workshops' },
        { email: `croydon@${DEMO_DOMAIN}`, amountPence: 4_000_000, title: 'Croydon Walk and Talk: walking groups with link workers' },
        { email: `sutton@${DEMO_DOMAIN}`, amountPence: 3_500_000, title: 'Growing Together: therapeutic gardening in Sutton' },
        { email: `kingston@${DEMO_DOMAIN}`, amountPence: 2_800_000, title: 'Dance for Health: seated dance for people with long-term conditions' },
        { email: `hackney@${DEMO_DOMAIN}`, amountPence: 4_500_000, title: 'Hackney Lunch Club and Friendship Network' },
        { email: `salford@${DEMO_DOMAIN}`, amountPence: 3_000_000, title: 'Stitch and Natter: textile circles in Salford' },
        { email: `bristol@${DEMO_DOMAIN}`, amountPence: 5_000_000, title: 'Walking Football for Heart Health' },
      ],
      now,
    })
    // The panel at work: criteria (also on the open round, so applicants see the weights), the outcome areas the fund
    // manager confirmed for each bid, assessors' scores with one declared conflict, and the panel's meeting: the
    // optimiser's proposal accepted with one override. Decisions are left for the fund manager to release.
    await seedCriteria(trx, { roundId: panelRound.roundId, managerUserId: managerId })
    await seedCriteria(trx, { roundId: rounds.thrivingCommunities.id, managerUserId: managerId })
    for (const [i, application] of panelRound.applications.entries()) {
      await setOutcomeAreas(trx, managerId, { applicationId: application.id, outcomeAreas: PANEL_BID_OUTCOMES[i] ?? ['health_and_wellbeing'] })
    }
    await seedPanel(trx, {
      roundId: panelRound.roundId,
      managerUserId: managerId,
      assessorUserIds: [users.get(`assessor@${DEMO_DOMAIN}`)!, users.get(`assessor2@${DEMO_DOMAIN}`)!],
      chairUserId: users.get(`chair@${DEMO_DOMAIN}`)!,
      conflictedAssessorUserId: users.get(`assessor3@${DEMO_DOMAIN}`)!,
      leaveUnscored: 1,
    })
    await seedPanelDecisions(trx, { roundId: panelRound.roundId, chairUserId: users.get(`chair@${DEMO_DOMAIN}`)!, managerUserId: managerId })
    // Two recommended South West London bids already have their awards committed to the local pot.
    const recommendedLocal = await trx
      .selectFrom('panel_decisions')
      .innerJoin('applications', 'applications.id', 'panel_decisions.application_id')
      .select('applications.id')
      .where('panel_decisions.round_id', '=', panelRound.roundId)
      .where('panel_decisions.status', '=', 'recommended')
      .where('applications.place_id', '=', placeIdByOds.QWE!)
      .orderBy('applications.id')
      .limit(2)
      .execute()
    const awards = await seedAwardCommitments(trx, { managerUserId: managerId, potId: pots.southWestLondon.id, applicationIds: recommendedLocal.map((r) => r.id) })
    // The first (the dementia choir's) is offered, accepted and its first year paid; the second's offer is a draft.
    await seedOffersAndPayments(trx, {
      awardId: awards[0].awardId,
      managerUserId: managerId,
      chairUserId: users.get(`orgadmin@${DEMO_DOMAIN}`)!,
      chairName: 'Grace Okafor',
      financeUserIds: [users.get(`finance@${DEMO_DOMAIN}`)!, users.get(`finance2@${DEMO_DOMAIN}`)!],
      dataDir,
      appOrigin,
      today,
    })
    // Last year's community round, decided, awarded from last year's pots and paid: the history behind the open data.
    const history = await seedFundingHistory(trx, { userIdByEmail: users, funderIdByName: funders, placeIdByOds, fundId: thriving.id, dataDir, appOrigin, now })
    // Impact returns on last year's awards (accepted, sent back and re-sent, waiting, overdue) and open data.
    await seedImpact(trx, { managerUserId: managerId, userIdByEmail: users, history, choirAwardId: awards[0].awardId })

    // Finance officers and administrators must use two-factor authentication.
    for (const account of DEMO_ACCOUNTS.filter((a) => a.twoFactor)) await enrolTwoFactor(trx, users.get(account.email)!)

    await trx.insertInto('app_meta').values({ key: SEED_KEY, value: new Date().toISOString() }).execute()
  })
  return { seeded: true }
}
