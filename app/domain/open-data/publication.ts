/** Which awards may be published as open data, in words pages can show (isomorphic). */

/**
 * An award can be published once the organisation has accepted the offer: while it is being paid ('accepted') and
 * once paid in full ('completed'). Offers still being prepared or waiting for a reply, declined offers and withdrawn
 * awards are not grants anyone has made, so they are never published.
 */
export const PUBLISHABLE_AWARD_STATUSES = ['accepted', 'completed'] as const

export function isPublishableStatus(status: string): boolean {
  return (PUBLISHABLE_AWARD_STATUSES as readonly string[]).includes(status)
}

export const PUBLICATION_FILTERS = ['unpublished', 'published', 'all'] as const
export type PublicationFilter = (typeof PUBLICATION_FILTERS)[number]

export const PUBLICATION_FILTER_LABELS: Record<PublicationFilter, string> = {
  unpublished: 'Not yet published',
  published: 'Published',
  all: 'All accepted awards',
}
