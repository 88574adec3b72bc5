/**
 * The fund manager's returns list page (/manage/returns) as the page shows it: the query string read, the filter made
 * consistent, a page of returns, the tabs' counts and the filters' choices, as text. A server module, so the page's
 * browser bundle carries none of what reading it needs (zod, date-fns, the return schedule: about 100 KB of script).
 */
import { z } from 'zod'
import { formatLondonDate } from '~/lib/dates.ts'
import type { Db } from '~/lib/db.server.ts'
import { idText } from '~/lib/ids.ts'
import { KeptUntilChanged, keptOrRead } from '~/lib/kept-until-changed.server.ts'
import { RETURN_LIST_VIEWS, returnStatusLabel, type ReturnListView } from './return-schedule.ts'
import { countReturnsByView, listReturnsForReview, resolveReturnFilter, returnFilterFunds, roundsWithReturns } from './review.server.ts'

export const ReturnListQuery = z.object({
  // The default first: most requests name no view, and a caught failure builds a ZodError (about 0.1 ms a request).
  view: z.enum(RETURN_LIST_VIEWS).default('awaiting_review').catch('awaiting_review'),
  fund: idText.optional().catch(undefined),
  round: idText.optional().catch(undefined),
  after: idText.optional().catch(undefined),
  before: idText.optional().catch(undefined),
})
export type ReturnListQuery = z.infer<typeof ReturnListQuery>

/** ?view=&fund=&round=&after=&before= read leniently: a view or id that is not one is as if not given. */
export function parseReturnListQuery(params: URLSearchParams): ReturnListQuery {
  const param = (name: string) => params.get(name) || undefined
  return ReturnListQuery.parse({ view: param('view'), fund: param('fund'), round: param('round'), after: param('after'), before: param('before') })
}

/** Views whose returns all share one status (the view's name says it): their table has no Status column. */
const ONE_STATUS_VIEWS: ReadonlySet<ReturnListView> = new Set(['awaiting_review', 'changes_requested', 'accepted'])

/**
 * The page's data: only what it shows, preformatted (it is serialised again into the page for hydration). A row's
 * status comes only in the views that show it. Each view (its filters, page and day) is kept until the returns count
 * of changes moves (keptReturnLists): every table it reads is counted.
 */
export function returnListPage(db: Db, query: ReturnListQuery, today: string): Promise<ReturnListPageData> {
  const key = [query.view, query.fund ?? '', query.round ?? '', query.after ?? '', query.before ?? '', today].join(' ')
  return keptOrRead(keptReturnLists, db, 'returns', key, () => readReturnListPage(db, query, today))
}

/** The returns list's views, kept until the returns count moves (~/lib/kept-until-changed.server.ts). */
export const keptReturnLists = new KeptUntilChanged<ReturnListPageData>(64)

export type ReturnListPageData = Awaited<ReturnType<typeof readReturnListPage>>

async function readReturnListPage(db: Db, query: ReturnListQuery, today: string) {
  const { view, after, before } = query
  const filter = await resolveReturnFilter(db, { fundId: query.fund ?? null, roundId: query.round ?? null })
  const [page, counts, funds, rounds] = await Promise.all([
    listReturnsForReview(db, { view, ...filter, today, after, before }),
    countReturnsByView(db, { ...filter, today }),
    returnFilterFunds(db),
    filter.fundId === null ? [] : roundsWithReturns(db, filter.fundId),
  ])
  const showStatus = !ONE_STATUS_VIEWS.has(view)
  return {
    view,
    showStatus,
    ...filter,
    counts,
    funds,
    rounds,
    nextAfter: page.nextAfter,
    previousBefore: page.previousBefore,
    returns: page.rows.map((r) => {
      const row = {
        id: r.id,
        periodLabel: r.periodLabel,
        organisationName: r.organisationName,
        awardId: r.awardId,
        awardReference: r.awardReference,
        roundTitle: r.roundTitle,
        dueText: formatLondonDate(`${r.dueDate}T12:00:00Z`),
      }
      return showStatus ? { ...row, statusLabel: returnStatusLabel(r.status), overdue: r.overdue } : row
    }),
  }
}
