// The "Working hours" tab: pick a provider, then edit their week in `WeekEditor`. The
// "saved" notice lives here because a save reloads the editor with the new version.
import { Alert, Center, Loader, NativeSelect, Stack, Text } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { ProviderHours } from "../../bindings/ProviderHours";
import { toUiError } from "../../shared/uiError";
import { getProviderHours, listProviders, listRooms, scheduleKeys } from "../schedule/api";
import { SetupError } from "./SetupError";
import { WeekEditor } from "./WeekEditor";

export function HoursTab({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const providers = useQuery({ queryKey: scheduleKeys.providers, queryFn: listProviders });
  const rooms = useQuery({ queryKey: scheduleKeys.rooms(true), queryFn: () => listRooms(true) });
  const [providerId, setProviderId] = useState("");
  const [saved, setSaved] = useState(false);
  const hours = useQuery({
    queryKey: scheduleKeys.hours(providerId),
    queryFn: () => getProviderHours(providerId),
    enabled: providerId !== "",
  });

  const onSaved = (next: ProviderHours) => {
    setSaved(true);
    client.setQueryData(scheduleKeys.hours(next.provider_id), next);
    void client.invalidateQueries({ queryKey: scheduleKeys.providers });
  };

  let editor = null;
  if (providerId === "") {
    // Nothing to edit until a provider is chosen.
  } else if (hours.isPending) {
    editor = (
      <Center p="lg">
        <Loader aria-label={t("scheduleSetup.loading")} />
      </Center>
    );
  } else if (hours.isError) {
    editor = <SetupError error={toUiError(hours.error)} testId="hours-load-error" title={t("scheduleSetup.errors.loadTitle")} />;
  } else {
    editor = (
      <WeekEditor
        key={`${providerId}:${hours.data.version}`}
        hours={hours.data}
        rooms={rooms.data ?? []}
        canEdit={canEdit}
        onEdited={() => setSaved(false)}
        onSaved={onSaved}
        onReload={() => void client.invalidateQueries({ queryKey: scheduleKeys.hours(providerId) })}
      />
    );
  }

  return (
    <Stack gap="sm">
      {canEdit ? null : (
        <Text size="sm" c="dimmed">
          {t("scheduleSetup.readOnlyPlanning")}
        </Text>
      )}
      {providers.isError ? (
        <SetupError error={toUiError(providers.error)} testId="hours-providers-error" title={t("scheduleSetup.errors.loadTitle")} />
      ) : null}
      <NativeSelect
        label={t("scheduleSetup.hours.provider")}
        value={providerId}
        onChange={(e) => {
          setProviderId(e.currentTarget.value);
          setSaved(false);
        }}
        data={[
          { value: "", label: t("scheduleSetup.chooseProvider") },
          ...(providers.data ?? []).map((p) => ({ value: p.id, label: p.display_name })),
        ]}
        disabled={providers.isPending}
        w={320}
        data-testid="hours-provider"
      />
      {saved ? (
        <Alert color="green" role="status" data-testid="hours-saved">
          {t("scheduleSetup.hours.saved")}
        </Alert>
      ) : null}
      {editor}
    </Stack>
  );
}
