/** HTTP caching for the public 360Giving files: the validators a client keeps, and whether its copy is current. */
import type { FeedVersion } from './package.server.ts'

/** ETag, Last-Modified and a short public cache: the files are open data, the same for everyone. */
export function validatorHeaders(version: FeedVersion): Record<string, string> {
  return {
    ETag: version.etag,
    ...(version.lastModified ? { 'Last-Modified': new Date(version.lastModified).toUTCString() } : {}),
    'Cache-Control': 'public, max-age=300, must-revalidate',
  }
}

/** True when the request's If-None-Match already names the current version. */
export function notModified(request: Request, version: FeedVersion): boolean {
  const header = request.headers.get('If-None-Match')
  if (!header) return false
  const tags = header.split(',').map((t) => t.trim().replace(/^W\//, ''))
  return tags.includes('*') || tags.includes(version.etag.replace(/^W\//, ''))
}
