// Carries every failed query and mutation of a QueryClient to the session gate, so a
// `locked` / `session_ended` / `account_disabled` from any screen reaches it (the gate
// ignores every other code: the screen shows those). One bus per client (see
// `makeQueryClient`); a query or mutation with `meta.sessionErrors: "local"` handles all
// its errors itself, even those, and is not forwarded (sign-in, where nobody is signed in).
import type { QueryClient } from "@tanstack/react-query";

export type ErrorListener = (error: unknown) => void;

export type ErrorBus = {
  emit: (error: unknown, meta?: Record<string, unknown>) => void;
  subscribe: (listener: ErrorListener) => () => void;
};

export function createErrorBus(): ErrorBus {
  const listeners = new Set<ErrorListener>();
  return {
    emit(error, meta) {
      if (meta?.sessionErrors === "local") return;
      for (const l of [...listeners]) l(error);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

const buses = new WeakMap<QueryClient, ErrorBus>();

export function attachErrorBus(client: QueryClient, bus: ErrorBus): void {
  buses.set(client, bus);
}

/** Listens to the command errors of `client`; a client made without a bus has none. */
export function subscribeCommandErrors(client: QueryClient, listener: ErrorListener): () => void {
  return buses.get(client)?.subscribe(listener) ?? (() => {});
}

/** Marks a query or mutation whose errors its own screen handles (sign-in, for one). */
export const LOCAL_ERRORS = { sessionErrors: "local" } as const;
