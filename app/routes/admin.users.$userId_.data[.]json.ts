import type { LoaderFunctionArgs } from '@remix-run/node'
import { exportPersonalData, subjectAccessFilename } from '~/domain/privacy/subject-access.server.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { idParam } from '~/lib/ids.ts'

/** GET /admin/users/<id>/data.json: a subject access export of anyone, for an administrator (audited). */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const admin = await requirePermission(request, 'manage:personal-data:any', context)
  const userId = idParam(params.userId, 'We could not find that user.')
  const now = new Date()
  const data = await db
    .transaction()
    .execute((trx) => exportPersonalData(trx, admin.id, userId, now))
    .catch((e) => {
      throw e instanceof NotFoundError ? notFound('We could not find that user.') : e
    })
  return new Response(JSON.stringify(data, null, 2), {
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="${subjectAccessFilename(userId, now)}"`,
      'Cache-Control': 'no-store',
    },
  })
}
