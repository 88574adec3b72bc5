import { Writable } from 'node:stream'
import type { ReactNode } from 'react'
import { renderToPipeableStream } from 'react-dom/server'

export interface RenderedDocument {
  /** The whole page, as React wrote it. */
  body: Uint8Array<ArrayBuffer>
  /** React reported an error while rendering (a boundary showed its fallback): the page is sent with status 500. */
  failed: boolean
}

/**
 * Renders a React tree completely (every Suspense boundary resolved, as `onAllReady` promises) and returns the bytes
 * in one Buffer. React's Node renderer writes to a Node Writable; here that Writable only keeps the pieces, so nothing
 * is streamed and nothing waits on a socket. Rejects if the shell itself cannot render, or if the tree is still not
 * ready after `timeout` ms (React is then aborted, so nothing keeps running).
 */
export function renderDocument(tree: ReactNode, options: { nonce?: string; timeout: number; onError?: (error: unknown) => void }): Promise<RenderedDocument> {
  return new Promise((resolve, reject) => {
    const pieces: Uint8Array[] = []
    let failed = false
    let shellFailed = false
    const sink = new Writable({
      write(chunk: Uint8Array, _encoding, done) {
        // React starts a new 2 KB view after handing one over and never writes to a piece again, so keeping the
        // piece itself is safe (they are copied once, into the whole page, at the end).
        pieces.push(chunk)
        done()
      },
      final(done) {
        clearTimeout(timer)
        resolve({ body: joined(pieces), failed })
        done()
      },
    })
    const { pipe, abort } = renderToPipeableStream(tree, {
      nonce: options.nonce,
      onAllReady() {
        if (!shellFailed) pipe(sink)
      },
      onShellError(error: unknown) {
        shellFailed = true
        clearTimeout(timer)
        reject(error)
      },
      onError(error: unknown) {
        failed = true
        options.onError?.(error)
      },
    })
    const timer = setTimeout(() => {
      abort(new Error(`The page was not ready to send after ${options.timeout} ms`))
    }, options.timeout)
  })
}

function joined(pieces: Uint8Array[]): Uint8Array<ArrayBuffer> {
  let length = 0
  for (const piece of pieces) length += piece.byteLength
  const body = new Uint8Array(length)
  let at = 0
  for (const piece of pieces) {
    body.set(piece, at)
    at += piece.byteLength
  }
  return body
}
