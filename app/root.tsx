import { data, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, Links, Meta, Outlet, Scripts, ScrollRestoration, useLoaderData, useLocation, useNavigation, useRouteLoaderData } from '@remix-run/react'
import type { ReactNode } from 'react'
import { GeneralErrorBoundary } from './components/error-boundary.tsx'
import { MainNavigation } from './components/main-navigation.tsx'
import { useNonce } from './components/nonce.tsx'
import { usePlainLinkNavigation } from './components/plain-link.tsx'
import { useSettledNavigationMarker } from './components/settled-navigation.tsx'
import { getOptionalUser } from './lib/guards.server.ts'
import { navigationFor } from './lib/navigation.ts'
import { ROLE_LABELS } from './lib/policy.ts'
import { takeFlash } from './lib/session.server.ts'

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: '/styles.css' },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
]

export const meta: MetaFunction = () => [{ title: 'Commonpot' }]

export async function loader({ request, context }: LoaderFunctionArgs) {
  const [user, { flash, setCookie }] = await Promise.all([getOptionalUser(request, context), takeFlash(request)])
  // A bare value (through `data` for the flash cookie), not json(): with single fetch a Response would be written as
  // JSON, read back and parsed again before Remix serialises it into the page.
  return data(
    {
      user: user ? { name: user.name, roles: user.roles.map((r) => ROLE_LABELS[r]) } : null,
      nav: navigationFor(user?.permissions ?? new Set()).filter((i) => user || i.to === '/funding'),
      flash,
    },
    { headers: setCookie ? { 'Set-Cookie': setCookie } : undefined },
  )
}

function Document({ children }: { children: ReactNode }) {
  const nonce = useNonce()
  return (
    <html lang="en-GB">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <a href="#main" className="skip-link">
          Skip to main content
        </a>
        {children}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  )
}

function Header() {
  const data = useRouteLoaderData<typeof loader>('root')
  const { pathname } = useLocation()
  return (
    <header className="site-header">
      <div className="site-header__inner">
        <Link to="/" className="site-header__brand">
          Commonpot
        </Link>
        {data?.nav.length ? <MainNavigation items={data.nav} pathname={pathname} /> : null}
        <div className="site-header__account">
          {data?.user ? (
            <form method="post" action="/logout">
              <span className="site-header__user">{data.user.name}</span>{' '}
              <button type="submit" className="link-button">
                Sign out
              </button>
            </form>
          ) : (
            <Link to="/login">Sign in</Link>
          )}
        </div>
      </div>
    </header>
  )
}

export function Layout({ children }: { children: ReactNode }) {
  // In the layout, not App, so error pages (a 403, a 404) are marked as settled too.
  useSettledNavigationMarker()
  return <Document>{children}</Document>
}

export default function App() {
  const data = useLoaderData<typeof loader>()
  const navigation = useNavigation()
  usePlainLinkNavigation()
  return (
    <>
      <Header />
      <main id="main" className="main" tabIndex={-1} aria-busy={navigation.state !== 'idle' || undefined}>
        {data.flash ? (
          <div className={`notification notification--${data.flash.kind}`} role="status">
            <p>{data.flash.message}</p>
          </div>
        ) : null}
        <Outlet />
      </main>
      <footer className="site-footer">
        <p>Commonpot is open-source software for funders of social prescribing. Built to the GOV.UK accessibility patterns.</p>
        <nav aria-label="Open data">
          <ul className="footer-links">
            <li><Link to="/stats">Funding statistics</Link></li>
            <li><a href="/data/360giving.json">Grants as 360Giving JSON</a></li>
            <li><a href="/data/360giving.csv">Grants as 360Giving CSV</a></li>
          </ul>
        </nav>
      </footer>
    </>
  )
}

export function ErrorBoundary() {
  return (
    <>
      <Header />
      <main id="main" className="main" tabIndex={-1}>
        <GeneralErrorBoundary />
      </main>
    </>
  )
}
