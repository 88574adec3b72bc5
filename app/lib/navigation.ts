/** The navigation each person sees, from the same policy table the server checks (showing a link is never the check). */
import type { Permission } from './policy.ts'

export interface NavItem {
  to: string
  label: string
}

const ITEMS: { to: string; label: string; needs: Permission | null }[] = [
  { to: '/home', label: 'Home', needs: null },
  { to: '/funding', label: 'Open funding', needs: null },
  { to: '/stats', label: 'Statistics', needs: null },
  { to: '/organisation', label: 'Your organisation', needs: 'read:organisation:own' },
  { to: '/applications', label: 'Your applications', needs: 'read:application:own' },
  { to: '/awards', label: 'Your grants', needs: 'accept:offer:own' },
  { to: '/assess', label: 'Bids to assess', needs: 'score:application:assigned' },
  { to: '/panel', label: 'Panels', needs: 'decide:application:any' },
  { to: '/funder', label: 'Our money', needs: 'read:report:funder' },
  { to: '/manage/funds', label: 'Fund management', needs: 'manage:round:any' },
  { to: '/pots', label: 'Pooled pots', needs: 'read:pot:any' },
  { to: '/manage/returns', label: 'Impact returns', needs: 'review:return:any' },
  { to: '/impact', label: 'Impact', needs: 'read:report:any' },
  { to: '/manage/open-data', label: 'Open data', needs: 'publish:grant:any' },
  { to: '/finance', label: 'Payments', needs: 'prepare:payment-run:any' },
  { to: '/admin', label: 'Administration', needs: 'manage:user:any' },
  { to: '/account', label: 'Your account', needs: null },
]

export function navigationFor(permissions: ReadonlySet<Permission>): NavItem[] {
  return ITEMS.filter((i) => i.needs === null || permissions.has(i.needs)).map(({ to, label }) => ({ to, label }))
}
