// Step one of a merge: find the other record. As-you-type search through the shared
// `search_patients` (first page, 10 rows); the current patient and restricted (masked)
// rows are left out, since neither can be merged from here. Picking a row goes on to the
// side-by-side comparison.
import { Button, Loader, Stack, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { PatientId } from "../../../bindings/PatientId";
import type { PatientSummary } from "../../../bindings/PatientSummary";
import { ErrorAlert } from "../../../shared/ErrorAlert";
import { toUiError } from "../../../shared/uiError";
import { searchKeys, searchPatients } from "../../search/api";
import { DEBOUNCE_MS } from "../../search/searchState";
import { formatName } from "../format";

export const CANDIDATE_PAGE_SIZE = 10;

type Props = {
  currentId: PatientId;
  text: string;
  onText: (text: string) => void;
  onPick: (p: PatientSummary) => void;
};

export function MergeCandidates({ currentId, text, onText, onPick }: Props) {
  const { t } = useTranslation();
  const typed = text.trim();
  const [settled] = useDebouncedValue(typed, DEBOUNCE_MS);
  const query = useQuery({
    queryKey: searchKeys.page(settled, 0, CANDIDATE_PAGE_SIZE),
    queryFn: () => searchPatients({ text: settled, page: 0, page_size: CANDIDATE_PAGE_SIZE }),
    enabled: settled !== "",
  });
  const pending = typed !== settled || (settled !== "" && query.isFetching);
  const page = typed !== "" && typed === settled ? query.data : undefined;
  const candidates = (page?.items ?? []).filter((p) => p.id !== currentId && !p.restricted);

  return (
    <Stack gap="sm">
      <TextInput
        label={t("patients.merge.searchLabel")}
        placeholder={t("patients.merge.searchPlaceholder")}
        description={t("patients.merge.searchHint")}
        value={text}
        onChange={(e) => onText(e.currentTarget.value)}
        type="search"
        autoComplete="off"
        spellCheck={false}
        data-autofocus
        data-testid="merge-search"
        rightSection={pending ? <Loader size="xs" aria-label={t("patients.merge.searching")} /> : null}
      />
      {query.isError && typed !== "" ? (
        <ErrorAlert error={toUiError(query.error)} testId="merge-search-error" />
      ) : null}
      <div aria-busy={pending} aria-live="polite">
        {candidates.length > 0 ? (
          <Stack gap={6} role="list" aria-label={t("patients.merge.candidatesLabel")}>
            {candidates.map((p) => (
              <div role="listitem" key={p.id}>
                <Button
                  variant="default"
                  fullWidth
                  justify="flex-start"
                  data-testid="merge-candidate"
                  data-patient-id={p.id}
                  onClick={() => onPick(p)}
                >
                  {t("patients.merge.candidate", { name: formatName(p), dob: p.date_of_birth, mrn: p.mrn })}
                </Button>
              </div>
            ))}
          </Stack>
        ) : null}
        {page && candidates.length === 0 && !pending ? (
          <Text size="sm" data-testid="merge-no-candidates">
            {t("patients.merge.noCandidates", { text: typed })}
          </Text>
        ) : null}
      </div>
    </Stack>
  );
}
