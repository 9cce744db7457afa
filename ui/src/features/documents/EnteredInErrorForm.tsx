// "Mark as entered in error", inside the document viewer: the reason (required; the
// shell judges it and its error shows under the textarea) and a confirmation button. The
// reason stays on any error; on success every list of the patient's documents and the
// shared-with-me inbox are refreshed.
import { Button, Group, Paper, Stack, Text, Textarea, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { DocumentInfo } from "../../bindings/DocumentInfo";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { splitErrors } from "../admin/format";
import { ChartError } from "../chart/ChartError";
import { documentsKeys, setDocumentEnteredInError } from "./api";

type Props = {
  info: DocumentInfo;
  onCancel: () => void;
  onDone: (info: DocumentInfo) => void;
};

export function EnteredInErrorForm({ info, onCancel, onDone }: Props) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [reason, setReason] = useState("");

  const save = useMutation<DocumentInfo, UiError, void>({
    mutationFn: () =>
      setDocumentEnteredInError({ id: info.id, expected_version: info.version, reason: reason.trim() }).catch(
        (e: unknown) => Promise.reject(toUiError(e)),
      ),
    onSuccess: async (saved) => {
      await Promise.all([
        client.invalidateQueries({ queryKey: documentsKeys.patient(info.patient_id) }),
        client.invalidateQueries({ queryKey: documentsKeys.shared }),
      ]);
      onDone(saved);
    },
  });
  const server = splitErrors(save.error, ["reason"]);
  const titleId = "document-eie-title";

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!save.isPending) save.mutate();
  };

  return (
    <Paper withBorder p="sm" component="section" aria-labelledby={titleId} data-testid="document-eie-dialog">
      <form onSubmit={onSubmit} noValidate aria-busy={save.isPending}>
        <Stack gap="sm">
          <Title order={3} size="h5" id={titleId}>
            {t("documents.eie.title")}
          </Title>
          <Text size="sm">{t("documents.eie.body")}</Text>
          {server.rest ? (
            <ChartError error={server.rest} testId="document-eie-error" title={t("documents.eie.errorTitle")} />
          ) : null}
          <Textarea
            label={t("documents.eie.reason")}
            description={t("documents.eie.reasonHelp")}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            error={server.byField.reason}
            errorProps={{ "data-testid": "document-eie-error-reason" }}
            withAsterisk
            aria-required
            rows={2}
            autoFocus
            data-testid="document-eie-reason"
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onCancel} disabled={save.isPending} data-testid="document-eie-cancel">
              {t("documents.eie.cancel")}
            </Button>
            <Button type="submit" color="red" loading={save.isPending} data-testid="document-eie-submit">
              {save.isPending ? t("documents.eie.saving") : t("documents.eie.submit")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
