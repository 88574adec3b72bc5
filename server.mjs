// The production (and dev) HTTP server: Express in front of the Remix request handler. Express gives us what
// remix-serve cannot: the client's IP for sign-in throttling, one place for security headers and the CSRF Origin check
// on every response (documents, data requests, resource routes, static files), request size limits, and a worker per
// core. See docs/decisions/0006-remix-classic-compiler-and-server.md.
import cluster from 'node:cluster'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import url from 'node:url'
import { createRequestHandler } from '@remix-run/express'
import { broadcastDevReady } from '@remix-run/node'
import express from 'express'

const MODE = process.env.NODE_ENV ?? 'production'
const BUILD_PATH = path.resolve('build/index.js')
const PORT = Number(process.env.PORT ?? 3000)
const HOST = process.env.HOST ?? '0.0.0.0'
const MAX_FORM_BYTES = 2 * 1024 * 1024
const MAX_UPLOAD_BYTES = 12 * 1024 * 1024
// WEB_CONCURRENCY=N serves from N worker processes sharing the port (node:cluster), e.g. one per core. Everything a
// request touches is in the database (sessions, throttling, jobs are claimed row by row, reminders sent once), so the
// workers need nothing from each other; the first one also runs the background work. Default 1; development runs one.
const WORKERS = MODE === 'development' ? 1 : Math.max(1, Math.floor(Number(process.env.WEB_CONCURRENCY ?? 1)) || 1)
// One id for this start of the server, shared by its workers (they inherit the environment): files kept for the
// 360Giving downloads are named with it, so none made before a restart (say, before a restore) is ever sent.
process.env.COMMONPOT_BOOT_ID ??= crypto.randomUUID()
// Machine-to-machine endpoints that authenticate by signature, not by cookie.
const ORIGIN_EXEMPT = ['/webhooks/']

async function loadBuild() {
  const stamp = MODE === 'development' ? `?t=${fs.statSync(BUILD_PATH).mtimeMs}` : ''
  return import(url.pathToFileURL(BUILD_PATH).href + stamp)
}

export function securityHeaders(req, res, next) {
  const nonce = crypto.randomBytes(16).toString('base64')
  res.locals.cspNonce = nonce
  const dev = MODE === 'development'
  res.setHeader(
    'Content-Security-Policy',
    [
      "default-src 'self'",
      `script-src 'self' 'nonce-${nonce}'`,
      "style-src 'self'",
      "img-src 'self' data:",
      "font-src 'self'",
      `connect-src 'self'${dev ? ' ws://localhost:* ws://127.0.0.1:*' : ''}`,
      "form-action 'self' https://checkout.stripe.com",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "object-src 'none'",
    ].join('; '),
  )
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('X-Frame-Options', 'DENY')
  res.setHeader('Referrer-Policy', 'same-origin')
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin')
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin')
  res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()')
  if (req.secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains')
  next()
}

/** CSRF defence in depth: a state-changing request must come from our own origin (SameSite=Lax does the rest). */
export function sameOriginOnly(req, res, next) {
  if (['GET', 'HEAD', 'OPTIONS'].includes(req.method) || ORIGIN_EXEMPT.some((p) => req.path.startsWith(p))) return next()
  const allowed = new Set([`${req.protocol}://${req.get('host')}`])
  if (process.env.APP_URL) allowed.add(new URL(process.env.APP_URL).origin)
  const origin = req.get('origin')
  let source = origin && origin !== 'null' ? origin : null
  if (!source) {
    const referer = req.get('referer')
    try {
      source = referer ? new URL(referer).origin : null
    } catch {
      source = null
    }
  }
  if (!source || !allowed.has(source)) {
    res.status(403).type('text/plain').send('This request did not come from a Commonpot page, so it was refused.')
    return
  }
  next()
}

export function sizeLimits(req, res, next) {
  if (['GET', 'HEAD', 'OPTIONS'].includes(req.method)) return next()
  const length = req.get('content-length')
  if (length === undefined) {
    if (req.get('transfer-encoding')) {
      res.status(411).type('text/plain').send('Please send a Content-Length with this request.')
      return
    }
    return next()
  }
  const limit = (req.get('content-type') ?? '').startsWith('multipart/form-data') ? MAX_UPLOAD_BYTES : MAX_FORM_BYTES
  if (Number(length) > limit) {
    res.status(413).type('text/plain').send(`That request is too large (the limit is ${Math.round(limit / 1024 / 1024)} MB).`)
    return
  }
  next()
}

/**
 * public/'s files (styles.css, favicon.svg), 1 hour in caches. In production public/ is what the build left and does
 * not change while the server runs, so its entries are listed once and a request for anything else (every page) goes
 * straight on to Remix: asked for a page, express.static looks for a file of that name on disk, fails, and builds an
 * error with a stack trace to say so, a tenth of a millisecond of every page view. In development every request looks.
 */
export function publicFiles(dir = 'public') {
  const serve = express.static(dir, { maxAge: '1h', index: false })
  if (MODE === 'development') return serve
  const entries = new Set(fs.readdirSync(dir))
  return (req, res, next) => (entries.has(decodeSegment(req.path.split('/')[1] ?? '')) ? serve(req, res, next) : next())
}

/** A path segment as a file name (`%20` as a space); one that does not decode is left as it is (no file is named so). */
function decodeSegment(segment) {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

export async function createApp() {
  const app = express()
  app.disable('x-powered-by')
  if (process.env.TRUST_PROXY === 'true') app.set('trust proxy', 1)
  app.use(securityHeaders)
  app.use('/build', express.static('public/build', { immutable: true, maxAge: '1y' }))
  app.use(publicFiles())
  app.use(sizeLimits)
  app.use(sameOriginOnly)
  const build = MODE === 'development' ? loadBuild : await loadBuild()
  app.all(
    '*',
    createRequestHandler({
      build,
      mode: MODE,
      getLoadContext: (req, res) => ({ cspNonce: res.locals.cspNonce, clientIp: req.ip ?? req.socket.remoteAddress ?? 'unknown' }),
    }),
  )
  return app
}

async function serve() {
  const app = await createApp()
  const server = app.listen(PORT, HOST, async () => {
    console.log(`Commonpot is listening on http://localhost:${PORT}${cluster.isWorker ? ` (worker ${cluster.worker.id} of ${WORKERS}, pid ${process.pid}${process.env.COMMONPOT_BACKGROUND_WORK === 'true' ? ', runs the background work' : ''})` : ''}`)
    if (MODE === 'development') broadcastDevReady(await loadBuild())
  })
  const stop = () => server.close(() => process.exit(0))
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

/** The primary of a multi-worker server: starts the workers, replaces one that dies, and stops them all on a signal. */
function superviseWorkers() {
  let stopping = false
  // The first worker also runs the background work (outbox, jobs, reminders); a replacement takes over its role.
  const backgroundWorkers = new Set()
  const fork = (background) => {
    const worker = cluster.fork({ COMMONPOT_BACKGROUND_WORK: background ? 'true' : 'false' })
    if (background) backgroundWorkers.add(worker.id)
  }
  for (let i = 0; i < WORKERS; i++) fork(i === 0)
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0)
      return
    }
    const background = backgroundWorkers.delete(worker.id)
    console.error(`Commonpot worker ${worker.id} stopped (${signal ?? `exit ${code}`}); starting another`)
    fork(background)
  })
  const stop = () => {
    stopping = true
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM')
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

if (process.argv[1] && path.resolve(process.argv[1]) === url.fileURLToPath(import.meta.url)) {
  if (cluster.isPrimary && WORKERS > 1) superviseWorkers()
  else await serve()
}
