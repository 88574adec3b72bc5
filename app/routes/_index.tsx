import { redirect, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link } from '@remix-run/react'
import { getOptionalUser } from '~/lib/guards.server.ts'

export const meta: MetaFunction = () => [{ title: 'Commonpot: funding for community wellbeing' }]

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await getOptionalUser(request, context)
  if (user) throw redirect('/home')
  return null
}

export default function Index() {
  return (
    <>
      <h1>Funding for community groups that help people feel well and connected</h1>
      <p className="lead">
        Commonpot brings together money from the NHS, councils, the National Lottery, trusts and the public, and puts it
        where local people need it: arts, music, gardening, sport, befriending and advice.
      </p>
      <ul className="cards">
        <li className="card">
          <h2>Community groups</h2>
          <p>Find funding, check in two minutes whether it is for you, apply, and tell funders what difference it made.</p>
          <p>
            <Link to="/funding">See open funding</Link>
          </p>
        </li>
        <li className="card">
          <h2>Panels and funders</h2>
          <p>Score bids fairly, manage pooled place-based budgets, pay grants and see what your money did.</p>
          <p>
            <Link to="/login">Sign in</Link>
          </p>
        </li>
      </ul>
      <p>
        New here? <Link to="/signup">Create an account</Link>.
      </p>
    </>
  )
}
