import { createContext, useContext, type ReactNode } from 'react'

const NonceContext = createContext<string>('')

/** Carries the per-request CSP nonce to <Scripts>; browsers hide nonces from the DOM, so it is '' on the client. */
export function NonceProvider({ value, children }: { value: string; children: ReactNode }) {
  return <NonceContext.Provider value={value}>{children}</NonceContext.Provider>
}

export function useNonce(): string {
  return useContext(NonceContext)
}
