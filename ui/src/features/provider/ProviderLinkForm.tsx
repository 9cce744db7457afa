// The patient's link to their primary provider: which provider (the clinic's default
// unless one is chosen) and the patient's id there or an identifier to find them by
// (`system|value`). Shows the current link with "Change link" when it is known (to
// clinicians, who read the provider records); otherwise the form itself, which then
// replaces whatever link the patient has. The shell's field errors show under the inputs.
import { Alert, Button, Group, NativeSelect, Stack, Text, TextInput } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { PatientId } from "../../bindings/PatientId";
import type { PatientProviderLink } from "../../bindings/PatientProviderLink";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { toUiError } from "../../shared/uiError";
import { splitErrors } from "../admin/format";
import { formatInstant } from "../chart/format";
import { linkPatientProvider, listProviderEndpoints, providerKeys } from "./api";
import { linkIncomplete, linkToForm, toLinkInput, type LinkFormValues } from "./model";

type Props = {
  patientId: PatientId;
  /** The current link; null: none; undefined: not known to this role. */
  link: PatientProviderLink | null | undefined;
};

export function ProviderLinkSection({ patientId, link }: Props) {
  const { t, i18n } = useTranslation();
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const formShown = editing || !link;

  return (
    <Stack gap="xs" data-testid="provider-link">
      {saved ? (
        <Alert
          color="green"
          role="status"
          data-testid="provider-link-saved"
          withCloseButton
          closeButtonLabel={t("provider.link.dismiss")}
          onClose={() => setSaved(null)}
        >
          {t("provider.link.saved", { provider: saved })}
        </Alert>
      ) : null}
      {link ? (
        <Group justify="space-between" align="flex-start" wrap="wrap">
          <div>
            <Text size="sm" data-testid="provider-link-summary" data-provider-id={link.provider_id}>
              {t("provider.link.linkedTo", { provider: link.provider_name || t("provider.link.unnamed") })}
            </Text>
            {link.remote_patient_id ? (
              <Text size="xs" c="dimmed" data-testid="provider-link-remote-id-value">
                {t("provider.link.remoteIdValue", { id: link.remote_patient_id })}
              </Text>
            ) : null}
            {link.identifier ? (
              <Text size="xs" c="dimmed" data-testid="provider-link-identifier-value">
                {t("provider.link.identifierValue", { identifier: link.identifier })}
              </Text>
            ) : null}
            <Text size="xs" c="dimmed" data-testid="provider-link-last-synced">
              {link.last_synced_at
                ? t("provider.link.lastSynced", { date: formatInstant(link.last_synced_at, i18n.language, true) })
                : t("provider.link.notSyncedYet")}
            </Text>
          </div>
          {editing ? null : (
            <Button
              size="xs"
              variant="default"
              onClick={() => {
                setSaved(null);
                setEditing(true);
              }}
              data-testid="provider-link-edit"
            >
              {t("provider.link.change")}
            </Button>
          )}
        </Group>
      ) : link === null ? (
        <Text size="sm" c="dimmed" data-testid="provider-link-none">
          {t("provider.link.none")}
        </Text>
      ) : (
        <Text size="sm" c="dimmed" data-testid="provider-link-unknown">
          {t("provider.link.replaces")}
        </Text>
      )}
      {formShown ? (
        <LinkForm
          patientId={patientId}
          link={link ?? null}
          onCancel={link ? () => setEditing(false) : undefined}
          onSaved={(saved) => {
            setEditing(false);
            setSaved(saved.provider_name || t("provider.link.unnamed"));
          }}
        />
      ) : null}
    </Stack>
  );
}

type FormProps = {
  patientId: PatientId;
  link: PatientProviderLink | null;
  onCancel?: () => void;
  onSaved: (link: PatientProviderLink) => void;
};

function LinkForm({ patientId, link, onCancel, onSaved }: FormProps) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [values, setValues] = useState<LinkFormValues>(() => linkToForm(link));
  const [localError, setLocalError] = useState<string | null>(null);
  // Listed for whoever links patients; if refused, only "the clinic's default" is offered.
  const endpoints = useQuery({ queryKey: providerKeys.endpoints, queryFn: listProviderEndpoints });
  const mutation = useMutation<PatientProviderLink, UiError, LinkFormValues>({
    mutationFn: (v) => linkPatientProvider(toLinkInput(patientId, v)).catch((e: unknown) => Promise.reject(toUiError(e))),
    onSuccess: (saved) => {
      void client.invalidateQueries({ queryKey: providerKeys.all });
      onSaved(saved);
    },
  });
  const server = splitErrors(mutation.error, ["provider_id", "remote_patient_id", "identifier"]);
  const set = <K extends keyof LinkFormValues>(key: K, value: LinkFormValues[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    setLocalError(null);
  };

  const options = [
    { value: "", label: t("provider.link.clinicDefault") },
    ...(endpoints.data ?? []).map((e) => ({
      value: e.id,
      label: e.clinic_default ? t("provider.link.defaultMark", { name: e.name }) : e.name,
    })),
  ];
  // A linked provider no longer listed (or a refused list) still shows as chosen.
  if (values.providerId !== "" && !options.some((o) => o.value === values.providerId)) {
    options.push({ value: values.providerId, label: link?.provider_name || t("provider.link.unnamed") });
  }

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (linkIncomplete(values)) {
      setLocalError(t("provider.link.needOne"));
      mutation.reset();
      return;
    }
    mutation.mutate(values);
  };

  return (
    <form onSubmit={onSubmit} noValidate data-testid="provider-link-form">
      <Stack gap="xs">
        {server.rest ? <ErrorAlert error={server.rest} testId="provider-link-error" title={t("provider.link.failed")} /> : null}
        <NativeSelect
          label={t("provider.link.provider")}
          data={options}
          value={values.providerId}
          onChange={(e) => set("providerId", e.currentTarget.value)}
          error={server.byField.provider_id}
          data-testid="provider-link-provider"
        />
        <TextInput
          label={t("provider.link.remoteId")}
          description={t("provider.link.remoteIdHelp")}
          value={values.remotePatientId}
          onChange={(e) => set("remotePatientId", e.currentTarget.value)}
          error={localError ?? server.byField.remote_patient_id}
          autoComplete="off"
          data-testid="provider-link-remote-id"
        />
        <TextInput
          label={t("provider.link.identifier")}
          description={t("provider.link.identifierHelp")}
          value={values.identifier}
          onChange={(e) => set("identifier", e.currentTarget.value)}
          error={server.byField.identifier}
          autoComplete="off"
          data-testid="provider-link-identifier"
        />
        <Group gap="sm">
          <Button type="submit" size="xs" loading={mutation.isPending} data-testid="provider-link-save">
            {t("provider.link.save")}
          </Button>
          {onCancel ? (
            <Button size="xs" variant="default" onClick={onCancel} data-testid="provider-link-cancel">
              {t("provider.link.cancel")}
            </Button>
          ) : null}
        </Group>
      </Stack>
    </form>
  );
}
