/**
 * The 360Giving files, made once and served again until they could have changed.
 *
 * Making a file reads every published award (40,000 at national scale: about 2.6 s for the JSON). Instead, the first
 * download after a change has the file made, at the database's pace, into DATA_DIR/cache/open-data, and it and every
 * later download are sent from that copy, compressed for clients that accept it: Brotli (61 MB of JSON in 1.5 MB) or
 * gzip (2.9 MB), both made once, just after the copy. Downloads that arrive while a copy is being made wait for it
 * rather than each making their own (a burst of downloads after a change would otherwise read every award once each).
 *
 * When a copy is current: it is named by a key made of everything the file's bytes depend on (format, standard
 * version, open-data settings, the address it is served from) and the open-data version, a count the database adds
 * to whenever any row of a table the files read changes (migration 2026_11_22_170000, by trigger, so no writer can
 * forget it). The version is read before the file is made and again after its last byte: the copy is kept only if
 * the two are the same, which means nothing the file reads changed while it was read. So a copy can be out of date
 * only if the count is, and a changed count means a new key, which nothing has been made for yet.
 *
 * The key also holds this server's start (COMMONPOT_BOOT_ID, shared by its workers), so a database restored from a
 * backup, whose count may come round to a number a copy was made for, never meets a copy made before the restart.
 * Only the newest copy of each format is kept.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import zlib from 'node:zlib'
import { createReadableStreamFromReadable } from '@remix-run/node'
import { temporaryNameFor, writeFileAtomically } from '~/lib/atomic-file.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { openDataVersion } from '~/lib/kept-until-changed.server.ts'
import type { OpenDataSettings } from './settings.ts'
import { STANDARD_VERSION } from './three-sixty-giving.ts'

export type FeedFormat = 'json' | 'csv'

const BOOT_ID = process.env.COMMONPOT_BOOT_ID ?? crypto.randomUUID()

/** What a file's bytes depend on, besides the rows counted by the version. */
export interface FeedIdentity {
  format: FeedFormat
  settings: OpenDataSettings
  /** The origin the file is served from: the JSON names its own download address. */
  origin: string
}

export function feedKey(identity: FeedIdentity, version: number): string {
  const parts = JSON.stringify([identity.format, STANDARD_VERSION, identity.settings, identity.origin, version, BOOT_ID])
  return crypto.createHash('sha256').update(parts).digest('base64url').slice(0, 27)
}

/** The content codings a kept copy is also held in, best first: what a client accepts decides which it gets. */
const CODINGS = ['br', 'gzip'] as const
type Coding = (typeof CODINGS)[number]

/** A kept copy: the file, when its newest grant changed, and (once made) its compressed bytes. */
interface KeptFeed {
  key: string
  file: string
  bytes: number
  lastModified: string | null
  encoded: Partial<Record<Coding, Uint8Array<ArrayBuffer>>>
  /** Made by this process: each coding's making, settled once it is made (or could not be). */
  compressing: Partial<Record<Coding, Promise<void>>>
}

interface KeptFeedMeta {
  key: string
  bytes: number
  lastModified: string | null
}

const kept = new Map<FeedFormat, KeptFeed>()
const pending = new Set<Promise<unknown>>()
/** Copies this process is making now, by format and key: one making for however many downloads ask meanwhile. */
const making = new Map<string, Promise<KeptFeed | null>>()

/** Work that outlives the request that began it, logged if it fails; the promise returned settles, never rejects. */
function track(work: Promise<unknown>): Promise<void> {
  const settled: Promise<void> = work
    .then(() => undefined)
    .catch((error: unknown) => console.error('the 360Giving file could not be kept:', error))
    .finally(() => pending.delete(settled))
  pending.add(settled)
  return settled
}

/** Resolves when every copy being written or compressed has finished (tests and the bench wait for it). */
export async function keptFeedsSettled(): Promise<void> {
  while (pending.size > 0) await Promise.all([...pending])
}

function feedDir(dataDir: string): string {
  return path.resolve(dataDir, 'cache', 'open-data')
}

const filesFor = (dir: string, format: FeedFormat, key: string) => {
  const base = path.join(dir, `${format}-${key}`)
  return { file: `${base}.${format}`, encoded: { br: `${base}.${format}.br`, gzip: `${base}.${format}.gz` } satisfies Record<Coding, string>, meta: `${base}.meta.json` }
}

async function readIfThere(file: string): Promise<Buffer | null> {
  try {
    return await fsp.readFile(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}

/** The kept copy for this key, from memory or from another worker's files, or null. */
async function keptFeed(dataDir: string, format: FeedFormat, key: string): Promise<KeptFeed | null> {
  const files = filesFor(feedDir(dataDir), format, key)
  let entry = kept.get(format)
  if (entry?.key !== key) {
    const meta = await readIfThere(files.meta)
    if (!meta) return null
    const parsed = JSON.parse(meta.toString('utf8')) as KeptFeedMeta
    entry = { key, file: files.file, bytes: parsed.bytes, lastModified: parsed.lastModified, encoded: {}, compressing: {} }
    kept.set(format, entry)
  }
  for (const coding of CODINGS) entry.encoded[coding] ??= asBytes(await readIfThere(files.encoded[coding])) ?? undefined
  return entry
}

/**
 * A body of bytes held in memory and sent to every client as they are. `new Response(bytes)` would copy them for each
 * response (its byte stream hands its buffer over to the reader, so it may not share the caller's): 1.5 MB a
 * download of the national JSON, allocated and collected on every request. A plain stream of one chunk shares them;
 * nothing downstream writes to a chunk.
 */
function sharedBytes(bytes: Uint8Array<ArrayBuffer>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes)
      controller.close()
    },
  })
}

/** Bytes a Response can send as they are (copied once, when read). */
const asBytes = (buffer: Buffer | null): Uint8Array<ArrayBuffer> | null => (buffer ? new Uint8Array(buffer) : null)

/** Removes this format's copies other than `key`'s (a reader still sending one keeps its open file). */
async function removeOthers(dir: string, format: FeedFormat, key: string): Promise<void> {
  for (const name of await fsp.readdir(dir)) {
    if (name.startsWith(`${format}-`) && !name.startsWith(`${format}-${key}.`)) await fsp.rm(path.join(dir, name), { force: true })
  }
}

/**
 * Brotli at quality 9 (1.5 MB of the national JSON in about a second; gzip's best is 2.9 MB) and gzip at its default
 * level (2.9 MB in half a second).
 */
const compressor = (coding: Coding, size: number) =>
  coding === 'br'
    ? zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 9, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: size } })
    : zlib.createGzip()

/** Compresses a kept copy beside it in one coding (zlib works off the main thread) and holds the result in memory. */
async function compressKept(entry: KeptFeed, files: ReturnType<typeof filesFor>, coding: Coding): Promise<void> {
  const target = files.encoded[coding]
  const temporary = temporaryNameFor(target)
  try {
    await pipeline(fs.createReadStream(files.file, { highWaterMark: 1 << 20 }), compressor(coding, entry.bytes), fs.createWriteStream(temporary))
    await fsp.rename(temporary, target)
    entry.encoded[coding] = asBytes(await fsp.readFile(target)) ?? undefined
  } catch (error) {
    await fsp.rm(temporary, { force: true })
    // A newer copy (another download, or another worker) removed this one meanwhile: nothing to compress.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
}

/** True when the request's Accept-Encoding takes this coding (by name, or as `*`) with a quality above zero. */
export function accepts(request: Request, coding: Coding): boolean {
  const header = request.headers.get('Accept-Encoding')
  if (!header) return false
  const names = coding === 'gzip' ? ['gzip', 'x-gzip'] : [coding]
  const quality = new Map<string, number>()
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';')
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    quality.set(name!, q === undefined ? 1 : Number(q.slice(2)))
  }
  const named = names.map((n) => quality.get(n)).find((q) => q !== undefined)
  return (named ?? quality.get('*') ?? 0) > 0
}

/** True when the request's If-None-Match already names this ETag. */
export function notModified(request: Request, etag: string): boolean {
  const header = request.headers.get('If-None-Match')
  if (!header) return false
  const tags = header.split(',').map((t) => t.trim().replace(/^W\//, ''))
  return tags.includes('*') || tags.includes(etag.replace(/^W\//, ''))
}

/**
 * The copy for this key, made once however many downloads ask for it meanwhile: the file as fast as the database gives
 * it, into a temporary file, which is kept under its own name only if the count is the same after its last byte as
 * before its first (nothing it reads changed meanwhile), and then compressed. Null when something changed, so nothing
 * was kept. A download going away does not stop it: others may be waiting for it, and the next download wants it.
 */
function madeOnce(db: Db, feed: FeedRequest, version: number, key: string): Promise<KeptFeed | null> {
  const id = `${feed.format}-${key}`
  let flight = making.get(id)
  if (!flight) {
    flight = makeCopy(db, feed, version, key).finally(() => making.delete(id))
    making.set(id, flight)
    track(flight)
  }
  return flight
}

async function makeCopy(db: Db, feed: FeedRequest, version: number, key: string): Promise<KeptFeed | null> {
  const lastModified = await feed.lastModified()
  const dir = feedDir(feed.dataDir)
  await fsp.mkdir(dir, { recursive: true })
  const files = filesFor(dir, feed.format, key)
  const temporary = temporaryNameFor(files.file)
  let bytes: number
  try {
    await pipeline(Readable.fromWeb((await feed.make(lastModified)) as WebReadableStream<Uint8Array>), fs.createWriteStream(temporary))
    if ((await openDataVersion(db)) !== version) return null
    bytes = (await fsp.stat(temporary)).size
    await fsp.rename(temporary, files.file)
    await writeFileAtomically(files.meta, JSON.stringify({ key, bytes, lastModified } satisfies KeptFeedMeta))
  } finally {
    await fsp.rm(temporary, { force: true })
  }
  const entry: KeptFeed = { key, file: files.file, bytes, lastModified, encoded: {}, compressing: {} }
  // One coding after the other, best first (each takes most of a core for a second at national size). Begun before
  // the entry is published in `kept`, so a download that finds it there always finds the compressions to wait for
  // (published first, a download arriving while older copies were removed was sent the file uncompressed).
  // removeOthers spares their temporary files: they are named after this key's.
  let previous = Promise.resolve()
  for (const coding of CODINGS) previous = entry.compressing[coding] = track(previous.then(() => compressKept(entry, files, coding)))
  kept.set(feed.format, entry)
  await removeOthers(dir, feed.format, key)
  return entry
}

/**
 * The copy as this client takes it: Brotli, gzip, or as it is. A client that takes a coding still being made waits
 * for it (a second or so for the national JSON) rather than being sent forty times the bytes. Null when the copy's
 * file has gone since (a newer copy replaced it).
 */
async function sendCopy(request: Request, feed: FeedRequest, etag: string, copy: KeptFeed): Promise<Response | null> {
  const taken = CODINGS.filter((c) => accepts(request, c))
  const best = taken[0]
  if (best && !copy.encoded[best]) await copy.compressing[best]
  const headers = { ...feed.headers, ...validatorHeaders(etag, copy.lastModified) }
  const coding = taken.find((c) => copy.encoded[c])
  if (coding) {
    const bytes = copy.encoded[coding]!
    return new Response(sharedBytes(bytes), { headers: { ...headers, 'Content-Encoding': coding, 'Content-Length': String(bytes.byteLength) } })
  }
  const handle = await fsp.open(copy.file).catch(() => null)
  if (!handle) return null
  const body = createReadableStreamFromReadable(handle.createReadStream({ highWaterMark: 1 << 20 }))
  return new Response(body, { headers: { ...headers, 'Content-Length': String(copy.bytes) } })
}

/** ETag, Last-Modified and a short public cache: the files are open data, the same for everyone. */
function validatorHeaders(etag: string, lastModified: string | null): Record<string, string> {
  return {
    ETag: etag,
    ...(lastModified ? { 'Last-Modified': new Date(lastModified).toUTCString() } : {}),
    'Cache-Control': 'public, max-age=300, must-revalidate',
    Vary: 'Accept-Encoding',
  }
}

export interface FeedRequest extends FeedIdentity {
  dataDir: string
  /** Content-Type and Content-Disposition. */
  headers: Record<string, string>
  /** When the newest published grant changed (read only when the file is made). */
  lastModified: () => Promise<string | null>
  /** Makes the file's bytes afresh; `signal`, when given, stops the making early (its client went away). */
  make: (lastModified: string | null, signal?: AbortSignal) => Promise<ReadableStream<Uint8Array>>
}

/**
 * The response for a 360Giving file: 304 to a client that has this version, or the kept copy (compressed when the
 * client takes it), made first if there is none yet (once, for every download asking meanwhile).
 */
export async function feedResponse(db: Db, request: Request, feed: FeedRequest): Promise<Response> {
  const version = await openDataVersion(db)
  const key = feedKey(feed, version)
  const etag = `W/"${key}"`
  const copy = await keptFeed(feed.dataDir, feed.format, key)
  if (notModified(request, etag)) return new Response(null, { status: 304, headers: validatorHeaders(etag, copy?.lastModified ?? null) })

  // A HEAD asks for the headers alone: nothing is made for it (a body begun and never read would hold a file open).
  if (request.method === 'HEAD') return new Response(null, { headers: { ...feed.headers, ...validatorHeaders(etag, copy?.lastModified ?? null) } })

  const current = copy ?? (await madeOnce(db, feed, version, key))
  const sent = current && (await sendCopy(request, feed, etag, current))
  if (sent) return sent

  // Something the file reads changed while it was made, so no copy was kept (or a newer copy has just replaced this
  // one): this download gets the file made again for it alone, streamed as it is made and stopped if the client goes
  // away, with no validator, as it is not the copy of any one count. The next download makes the copy for the new count.
  const lastModified = await feed.lastModified()
  const { ETag: _, ...headers } = validatorHeaders(etag, lastModified)
  return new Response(await feed.make(lastModified, request.signal), { headers: { ...feed.headers, ...headers, 'Cache-Control': 'no-cache' } })
}
