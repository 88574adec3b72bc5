import type { LoaderFunctionArgs } from '@remix-run/node'
import { exportPersonalData, subjectAccessFilename } from '~/domain/privacy/subject-access.server.ts'
import { db } from '~/lib/db.server.ts'
import { requireUser } from '~/lib/guards.server.ts'

/** GET /account/data.json: everything Commonpot holds about the signed-in person, as a download (audited). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context)
  const now = new Date()
  const data = await db.transaction().execute((trx) => exportPersonalData(trx, user.id, user.id, now))
  return new Response(JSON.stringify(data, null, 2), {
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="${subjectAccessFilename(user.id, now)}"`,
      'Cache-Control': 'no-store',
    },
  })
}
