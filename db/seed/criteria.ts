/**
 * Demo assessment criteria for a Thriving-Communities-style round, added through the fund manager's domain function
 * (so the rules and the audit trail apply): four scored criteria weighted 30/25/25/20 and a safeguarding gateway,
 * each with guidance and a descriptor per score. Idempotent: a round that already has criteria is left as it is.
 *
 * Wiring (db/seed/demo.ts, inside its transaction, after the round exists and before any scores):
 *   await seedCriteria(trx, { roundId, managerUserId })
 */
import type { Transaction } from 'kysely'
import type { DB } from '../schema.ts'
import { addCriterion, listCriteria, type Criterion } from '../../app/domain/assessment/criteria.server.ts'
import type { CriterionInput } from '../../app/domain/assessment/criterion-input.ts'

export const DEMO_CRITERIA: CriterionInput[] = [
  {
    name: 'Local need and reach',
    guidance: 'How well the bid evidences loneliness or isolation in its area (local data, referral figures, what people have said) and how many people it will reach.',
    isGateway: false,
    weight: 30,
    scaleMin: 1,
    scaleMax: 5,
    descriptors: {
      1: 'No evidence of local need',
      2: 'Need asserted but not evidenced',
      3: 'Some local evidence; reach is modest',
      4: 'Clear local evidence and good reach',
      5: 'Strong, specific evidence and reaches people others miss',
    },
  },
  {
    name: 'Partnership with social prescribing link workers',
    guidance: 'How people will be referred: named link workers or primary care networks, how referrals and feedback flow, and what each partner does.',
    isGateway: false,
    weight: 25,
    scaleMin: 1,
    scaleMax: 5,
    descriptors: {
      1: 'No referral route described',
      2: 'Referral route planned but no partner named',
      3: 'Partners named; roles are vague',
      4: 'Named partners with clear roles and a referral process',
      5: 'Link workers helped design it; referrals and feedback already flowing',
    },
  },
  {
    name: 'Quality of activity plan',
    guidance: 'Whether the activities, timetable, staffing and volunteers are realistic, accessible and likely to build lasting connections.',
    isGateway: false,
    weight: 25,
    scaleMin: 1,
    scaleMax: 5,
    descriptors: {
      1: 'No workable plan',
      2: 'Plan has major gaps',
      3: 'Workable plan with some risks',
      4: 'Clear, realistic and accessible plan',
      5: 'Excellent plan with milestones, accessibility and how people will carry on afterwards',
    },
  },
  {
    name: 'Value for money',
    guidance: 'The cost per person and per session against what the bid delivers, and match funding (cash or in kind).',
    isGateway: false,
    weight: 20,
    scaleMin: 0,
    scaleMax: 10,
    descriptors: {
      0: 'Costs unexplained',
      3: 'High cost for what is delivered',
      5: 'Reasonable costs',
      7: 'Good value, with some match funding',
      10: 'Excellent value and substantial match funding',
    },
  },
  {
    name: 'Safeguarding policy in place',
    guidance: 'The group has a safeguarding policy covering adults at risk, reviewed in the last two years, with a named lead.',
    isGateway: true,
    weight: 0,
    scaleMin: 0,
    scaleMax: 1,
    descriptors: {},
  },
]

export async function seedCriteria(trx: Transaction<DB>, ctx: { roundId: number; managerUserId: number }): Promise<Criterion[]> {
  const existing = await listCriteria(trx, ctx.roundId)
  if (existing.length > 0) return existing
  const added: Criterion[] = []
  for (const input of DEMO_CRITERIA) added.push(await addCriterion(trx, ctx.managerUserId, ctx.roundId, input))
  return added
}
