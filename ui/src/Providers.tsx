// App-wide providers. Mantine is set up for a strict CSP: no runtime <style> tags (theme
// variables live in app.css) and the colour scheme is kept in memory, not localStorage.
// Every failed query and mutation also goes to the session gate (see `errorBus.ts`).
import { createTheme, MantineProvider, type MantineColorSchemeManager } from "@mantine/core";
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { attachErrorBus, createErrorBus } from "./features/session/errorBus";

const memoryColorScheme: MantineColorSchemeManager = {
  get: (fallback) => fallback,
  set: () => {},
  subscribe: () => {},
  unsubscribe: () => {},
  clear: () => {},
};

const theme = createTheme({});

/** Local commands fail deterministically, so no retries; data stays in memory only. */
export function makeQueryClient(): QueryClient {
  const bus = createErrorBus();
  const client = new QueryClient({
    queryCache: new QueryCache({ onError: (error, query) => bus.emit(error, query.meta) }),
    mutationCache: new MutationCache({
      onError: (error, _variables, _result, mutation) => bus.emit(error, mutation.meta),
    }),
    defaultOptions: {
      queries: { retry: false, refetchOnWindowFocus: false, gcTime: 5 * 60_000 },
      mutations: { retry: false },
    },
  });
  attachErrorBus(client, bus);
  return client;
}

export function Providers({ client, children }: { client: QueryClient; children: ReactNode }) {
  return (
    <QueryClientProvider client={client}>
      <MantineProvider
        theme={theme}
        colorSchemeManager={memoryColorScheme}
        forceColorScheme="light"
        withCssVariables={false}
        withGlobalClasses={false}
      >
        {children}
      </MantineProvider>
    </QueryClientProvider>
  );
}
