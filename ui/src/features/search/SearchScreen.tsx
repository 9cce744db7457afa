// Find patient: as-you-type search (debounced), paginated results, an empty state that
// points to registration. Default screen; the search box takes focus on arrival.
// Opening a restricted result goes through `RestrictedOpen` (break-glass, restriction
// panel or a "care team only" note, by role).
import { Alert, Button, Group, Loader, Stack, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState, type Dispatch, type KeyboardEvent } from "react";
import type { PatientSummary } from "../../bindings/PatientSummary";
import { useTranslation } from "react-i18next";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { toUiError } from "../../shared/uiError";
import { useDelayedFlag } from "../../shared/useDelayedFlag";
import { useNavigate } from "../shell/route";
import { searchKeys, searchPatients } from "./api";
import { RestrictedOpen } from "./RestrictedOpen";
import { SearchResults } from "./SearchResults";
import { DEBOUNCE_MS, PAGE_SIZE, searchRequest, type SearchAction, type SearchState } from "./searchState";

type Props = { state: SearchState; dispatch: Dispatch<SearchAction>; focusTick: number };

export function SearchScreen({ state, dispatch, focusTick }: Props) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const inputRef = useRef<HTMLInputElement>(null);
  const resultsRef = useRef<HTMLDivElement>(null);
  const typed = state.text.trim();
  const [settled] = useDebouncedValue(typed, DEBOUNCE_MS);
  const request = searchRequest(settled, state.page);

  const query = useQuery({
    queryKey: searchKeys.page(settled, state.page, PAGE_SIZE),
    queryFn: () => searchPatients(request!),
    enabled: request !== null,
    // Keep the old page on screen while paging the same text, never for different text.
    placeholderData: (prev, prevQuery) => (prevQuery?.queryKey[1] === settled ? prev : undefined),
  });

  useEffect(() => {
    const input = inputRef.current;
    if (!input) return;
    input.focus();
    // Caret at the end, so typing continues the current search.
    input.setSelectionRange(input.value.length, input.value.length);
  }, [focusTick]);

  const pending = typed !== settled || (request !== null && query.isFetching);
  const spinner = useDelayedFlag(pending, 200);
  const page = request && typed === settled ? query.data : undefined;
  const items = page?.items ?? [];

  // The restricted row being opened; `n` remounts `RestrictedOpen` for a repeated open.
  const [restricted, setRestricted] = useState<{ patient: PatientSummary; n: number } | null>(null);
  const open = (p: PatientSummary) => {
    if (p.restricted) setRestricted((r) => ({ patient: p, n: (r?.n ?? 0) + 1 }));
    else navigate({ name: "profile", id: p.id });
  };
  const focusFirstRow = () => resultsRef.current?.querySelector<HTMLElement>("[data-testid=search-result]")?.focus();

  const onInputKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      focusFirstRow();
    } else if (e.key === "Enter" && items.length > 0) {
      e.preventDefault();
      if (items.length === 1 && items[0]) open(items[0]);
      else focusFirstRow();
    }
  };

  return (
    <Stack gap="md">
      <Title order={1} size="h2">
        {t("nav.search")}
      </Title>
      <TextInput
        ref={inputRef}
        label={t("search.label")}
        placeholder={t("search.placeholder")}
        value={state.text}
        onChange={(e) => dispatch({ type: "text", text: e.currentTarget.value })}
        onKeyDown={onInputKey}
        data-testid="search-input"
        type="search"
        autoComplete="off"
        spellCheck={false}
        size="md"
        rightSection={spinner ? <Loader size="xs" aria-label={t("search.loading")} data-testid="search-loading" /> : null}
      />
      {typed === "" ? (
        <Text size="sm" c="dimmed" data-testid="search-hint">
          {t("search.hint")}
        </Text>
      ) : null}
      {query.isError && request ? <ErrorAlert error={toUiError(query.error)} testId="search-error" /> : null}
      {restricted ? (
        <RestrictedOpen
          key={`${restricted.patient.id}-${restricted.n}`}
          patient={restricted.patient}
          onDone={() => setRestricted(null)}
        />
      ) : null}
      <div ref={resultsRef} aria-busy={pending} aria-live="polite">
        {items.length > 0 ? (
          <SearchResults items={items} onOpen={open} onLeaveTop={() => inputRef.current?.focus()} />
        ) : null}
        {page && items.length === 0 && !pending ? (
          state.page === 0 ? (
            <Alert color="gray" title={t("search.emptyTitle")} data-testid="search-empty">
              <Text size="sm" mb="sm">
                {t("search.emptyBody", { text: typed })}
              </Text>
              <Button data-testid="search-empty-register" onClick={() => navigate({ name: "register" })}>
                {t("search.emptyRegister")}
              </Button>
            </Alert>
          ) : (
            <Text size="sm">{t("search.noMore")}</Text>
          )
        ) : null}
      </div>
      {page && (items.length > 0 || state.page > 0) ? (
        <Group justify="space-between">
          <Button
            variant="default"
            data-testid="search-prev"
            disabled={state.page === 0 || pending}
            onClick={() => dispatch({ type: "prev" })}
          >
            {t("search.prev")}
          </Button>
          <Text size="sm" data-testid="search-page">
            {t("search.page", { page: state.page + 1 })}
          </Text>
          <Button
            variant="default"
            data-testid="search-next"
            disabled={!page.has_more || pending}
            onClick={() => dispatch({ type: "next", hasMore: page.has_more })}
          >
            {t("search.next")}
          </Button>
        </Group>
      ) : null}
    </Stack>
  );
}
