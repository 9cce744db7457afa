// The "Leave & holidays" tab: exceptions overlapping the next 365 days (from today in
// the clinic's time zone) with who they apply to (a provider or the whole clinic), their
// dates, kind and note. Administrators and front desk add them (`ExceptionDialog`) and
// remove them.
import { Alert, Badge, Button, Center, Group, Loader, Stack, Table, Text } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { ScheduleException } from "../../bindings/ScheduleException";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { listProviders, listScheduleExceptions, removeScheduleException, scheduleKeys } from "../schedule/api";
import { ExceptionDialog } from "./ExceptionDialog";
import { addDays, formatDate, todayInZone } from "./model";
import { SetupError } from "./SetupError";
import { useClinicSettings } from "./useClinicSettings";

export function ExceptionsTab({ canEdit }: { canEdit: boolean }) {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const settings = useClinicSettings();
  const today = settings.data ? todayInZone(settings.data.time_zone) : "";
  const to = today ? addDays(today, 365) : "";
  const providers = useQuery({ queryKey: scheduleKeys.providers, queryFn: listProviders });
  const exceptions = useQuery({
    queryKey: scheduleKeys.exceptions(today, to),
    queryFn: () => listScheduleExceptions(today, to),
    enabled: today !== "",
  });
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState<"added" | "removed" | null>(null);

  const refresh = () =>
    Promise.all([
      client.invalidateQueries({ queryKey: ["schedule", "exceptions"] }),
      client.invalidateQueries({ queryKey: ["schedule", "calendar"] }),
    ]);
  const remove = useMutation<null, UiError, ScheduleException>({
    mutationFn: (x) => removeScheduleException({ id: x.id }).catch((e: unknown) => Promise.reject(toUiError(e))),
    onMutate: () => setNotice(null),
    onSuccess: async () => {
      await refresh();
      setNotice("removed");
    },
  });

  const nameOf = (x: ScheduleException) =>
    x.provider_id === null
      ? t("scheduleSetup.exceptions.wholeClinic")
      : (providers.data?.find((p) => p.id === x.provider_id)?.display_name ?? t("scheduleSetup.exceptions.otherProvider"));
  const datesOf = (x: ScheduleException) =>
    x.starts_on === x.ends_on
      ? formatDate(x.starts_on, i18n.language)
      : t("scheduleSetup.range", { from: formatDate(x.starts_on, i18n.language), to: formatDate(x.ends_on, i18n.language) });

  const loadError = settings.error ?? exceptions.error;
  let body;
  if (loadError) {
    body = <SetupError error={toUiError(loadError)} testId="exceptions-load-error" title={t("scheduleSetup.errors.loadTitle")} />;
  } else if (!exceptions.data) {
    body = (
      <Center p="lg">
        <Loader aria-label={t("scheduleSetup.loading")} />
      </Center>
    );
  } else if (exceptions.data.length === 0) {
    body = (
      <Text size="sm" data-testid="exceptions-empty">
        {t("scheduleSetup.exceptions.empty")}
      </Text>
    );
  } else {
    body = (
      <Table data-testid="exceptions-table" aria-label={t("scheduleSetup.tabs.exceptions")} verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("scheduleSetup.exceptions.col.who")}</Table.Th>
            <Table.Th scope="col">{t("scheduleSetup.exceptions.col.dates")}</Table.Th>
            <Table.Th scope="col">{t("scheduleSetup.exceptions.col.kind")}</Table.Th>
            <Table.Th scope="col">{t("scheduleSetup.exceptions.col.note")}</Table.Th>
            {canEdit ? <Table.Th scope="col">{t("scheduleSetup.col.actions")}</Table.Th> : null}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {exceptions.data.map((x) => (
            <Table.Tr key={x.id} data-testid={`exception-row-${x.id}`}>
              <Table.Td>{nameOf(x)}</Table.Td>
              <Table.Td>{datesOf(x)}</Table.Td>
              <Table.Td>
                <Badge variant="light" color={x.kind === "holiday" ? "grape" : x.kind === "leave" ? "blue" : "gray"}>
                  {t(`scheduleSetup.exceptionKind.${x.kind}`)}
                </Badge>
              </Table.Td>
              <Table.Td>{x.note}</Table.Td>
              {canEdit ? (
                <Table.Td>
                  <Button
                    size="xs"
                    variant="subtle"
                    color="red"
                    loading={remove.isPending && remove.variables?.id === x.id}
                    disabled={remove.isPending}
                    onClick={() => remove.mutate(x)}
                    aria-label={t("scheduleSetup.exceptions.removeOf", { who: nameOf(x), dates: datesOf(x) })}
                    data-testid={`exception-remove-${x.id}`}
                  >
                    {t("scheduleSetup.remove")}
                  </Button>
                </Table.Td>
              ) : null}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    );
  }

  return (
    <Stack gap="sm">
      {canEdit ? (
        <Group>
          <Button
            onClick={() => {
              setNotice(null);
              remove.reset();
              setAdding(true);
            }}
            disabled={today === ""}
            data-testid="exception-add"
          >
            {t("scheduleSetup.exceptions.add")}
          </Button>
        </Group>
      ) : (
        <Text size="sm" c="dimmed">
          {t("scheduleSetup.readOnlyPlanning")}
        </Text>
      )}
      {remove.error ? <SetupError error={remove.error} testId="exception-remove-error" /> : null}
      {notice ? (
        <Alert color="green" role="status" data-testid={`exception-${notice}`}>
          {t(`scheduleSetup.exceptions.${notice}`)}
        </Alert>
      ) : null}
      {body}
      {adding ? (
        <ExceptionDialog
          today={today}
          providers={providers.data ?? []}
          onClose={() => setAdding(false)}
          onSaved={async () => {
            await refresh();
            setAdding(false);
            setNotice("added");
          }}
        />
      ) : null}
    </Stack>
  );
}
