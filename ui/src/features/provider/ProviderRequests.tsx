// Requests for more documents from the patient's provider: the list (what was asked,
// the type, who asked and when, and the status the provider's Task reports, until it is
// completed or refused) and "Request documents" (a description and optionally a type).
// A request is queued first and sent when the device is online.
import { Alert, Badge, Button, Group, NativeSelect, Stack, Text, Textarea, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { DocumentRequest } from "../../bindings/DocumentRequest";
import type { DocumentType } from "../../bindings/DocumentType";
import type { PatientId } from "../../bindings/PatientId";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { toUiError } from "../../shared/uiError";
import { splitErrors } from "../admin/format";
import { formatInstant } from "../chart/format";
import { DOCUMENT_TYPES, isDocumentType } from "../documents/model";
import { providerKeys, requestProviderDocuments } from "./api";
import { isOpenRequest, requestStatusColor } from "./model";

const MAX_DESCRIPTION = 1000;

type Props = {
  patientId: PatientId;
  /** The patient's requests; null when this role does not see them. */
  requests: DocumentRequest[] | null;
  /** False: the patient has no link yet (undefined: not known to this role). */
  linked: boolean | undefined;
};

export function ProviderRequests({ patientId, requests, linked }: Props) {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const [description, setDescription] = useState("");
  const [type, setType] = useState<DocumentType | "">("");
  const [localError, setLocalError] = useState<string | null>(null);
  const mutation = useMutation<DocumentRequest, UiError, void>({
    mutationFn: () =>
      requestProviderDocuments({
        patient_id: patientId,
        description: description.trim(),
        document_type: type === "" ? null : type,
      }).catch((e: unknown) => Promise.reject(toUiError(e))),
    onSuccess: () => {
      setDescription("");
      setType("");
      void client.invalidateQueries({ queryKey: providerKeys.all });
    },
  });
  const server = splitErrors(mutation.error, ["description", "document_type"]);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (description.trim() === "") {
      setLocalError(t("provider.requests.needDescription"));
      mutation.reset();
      return;
    }
    setLocalError(null);
    mutation.mutate();
  };

  return (
    <Stack gap="xs" data-testid="provider-requests">
      <Title order={3} size="h5">
        {t("provider.requests.title")}
      </Title>
      {requests === null ? null : requests.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="provider-requests-empty">
          {t("provider.requests.empty")}
        </Text>
      ) : (
        <ul className="plain-list" aria-label={t("provider.requests.title")}>
          {requests.map((r) => (
            <li key={r.id} className="candidate" data-testid="provider-request-row" data-status={r.status} data-request-id={r.id}>
              <Group justify="space-between" align="flex-start" wrap="wrap" gap="xs">
                <div className="chart-entry-body">
                  <Text size="sm" fw={600} className="chart-multiline" data-testid="provider-request-description-text">
                    {r.description}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {r.document_type ? `${t(`documents.type.${r.document_type}`)} · ` : ""}
                    {t("provider.requests.by", {
                      name: r.requested_by || t("documents.notRecorded"),
                      date: formatInstant(r.requested_at, i18n.language, true),
                    })}
                    {r.updated_at !== r.requested_at
                      ? ` · ${t("provider.requests.updated", { date: formatInstant(r.updated_at, i18n.language, true) })}`
                      : ""}
                  </Text>
                </div>
                <Badge
                  color={requestStatusColor(r.status)}
                  variant={isOpenRequest(r.status) ? "light" : "filled"}
                  data-testid="provider-request-status"
                >
                  {t(`provider.requestStatus.${r.status}`)}
                </Badge>
              </Group>
            </li>
          ))}
        </ul>
      )}
      {mutation.isSuccess ? (
        <Alert color="green" role="status" data-testid="provider-request-sent">
          {mutation.data.status === "queued" ? t("provider.requests.queued") : t("provider.requests.sent")}
        </Alert>
      ) : null}
      {server.rest ? <ErrorAlert error={server.rest} testId="provider-request-error" title={t("provider.requests.failed")} /> : null}
      <form onSubmit={onSubmit} noValidate data-testid="provider-request-form">
        <Stack gap="xs">
          <Textarea
            label={t("provider.requests.description")}
            placeholder={t("provider.requests.descriptionPlaceholder")}
            value={description}
            onChange={(e) => {
              setDescription(e.currentTarget.value);
              setLocalError(null);
            }}
            maxLength={MAX_DESCRIPTION}
            autosize
            minRows={2}
            error={localError ?? server.byField.description}
            data-testid="provider-request-description"
          />
          <NativeSelect
            label={t("provider.requests.type")}
            data={[
              { value: "", label: t("provider.requests.anyType") },
              ...DOCUMENT_TYPES.map((d) => ({ value: d, label: t(`documents.type.${d}`) })),
            ]}
            value={type}
            onChange={(e) => {
              const v = e.currentTarget.value;
              setType(isDocumentType(v) ? v : "");
            }}
            error={server.byField.document_type}
            data-testid="provider-request-type"
          />
          <Group>
            <Button
              type="submit"
              size="xs"
              loading={mutation.isPending}
              disabled={linked === false}
              data-testid="provider-request-submit"
            >
              {t("provider.requests.submit")}
            </Button>
            {linked === false ? (
              <Text size="xs" c="dimmed">
                {t("provider.requests.needsLink")}
              </Text>
            ) : null}
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}
