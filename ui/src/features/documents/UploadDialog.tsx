// The "Upload a document" dialog: a native file input (PDF, PNG, JPEG or plain text), the
// type, title (prefilled from the file name), document date (today by default), author
// and source. The file is refused here when empty or over 20 MB; otherwise it is read,
// encoded as base64 and sent, with a progress line meanwhile. The shell's field errors
// show under their inputs (`file` and `file_name` under the file); every input stays on
// any error.
import { Button, Group, Input, Modal, NativeSelect, Progress, Stack, Text, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type ChangeEvent, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { DocumentInfo } from "../../bindings/DocumentInfo";
import type { DocumentType } from "../../bindings/DocumentType";
import type { PatientId } from "../../bindings/PatientId";
import type { UiError } from "../../bindings/UiError";
import type { UploadDocument } from "../../bindings/UploadDocument";
import { toUiError } from "../../shared/uiError";
import { splitErrors } from "../admin/format";
import { ChartError } from "../chart/ChartError";
import { todayIso } from "../patients/form/validation";
import { documentsKeys, uploadDocument } from "./api";
import { ACCEPTED_FILES, DOCUMENT_TYPES, fileStem, isDocumentType, MAX_UPLOAD_BYTES, readFileBase64 } from "./model";

type Props = {
  patientId: PatientId;
  onClose: () => void;
  onDone: (info: DocumentInfo) => void;
};

type UploadInput = { file: File; request: Omit<UploadDocument, "content_base64"> };
type Stage = "reading" | "sending";

const TEXT_FIELDS = ["title", "document_date", "author", "source"] as const;
type TextField = (typeof TEXT_FIELDS)[number];
const SERVER_FIELDS = ["type", ...TEXT_FIELDS, "file", "file_name"];
const FILE_INPUT_ID = "document-file-input";

export function UploadDialog({ patientId, onClose, onDone }: Props) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [type, setType] = useState<DocumentType>("other");
  const [values, setValues] = useState<Record<TextField, string>>({
    title: "",
    document_date: todayIso(),
    author: "",
    source: "",
  });
  // The title last filled in from a file name: replaced when another file is chosen,
  // unless the user typed their own.
  const [prefilled, setPrefilled] = useState("");
  const [fileError, setFileError] = useState<string | null>(null);
  const [stage, setStage] = useState<Stage>("reading");

  const save = useMutation<DocumentInfo, UiError, UploadInput>({
    mutationFn: async ({ file: chosen, request }) => {
      setStage("reading");
      let content_base64: string;
      try {
        content_base64 = await readFileBase64(chosen);
      } catch {
        return Promise.reject<DocumentInfo>({
          code: "validation",
          message: "unreadable file",
          fields: [{ field: "file", message: t("documents.uploadDialog.unreadable") }],
        } satisfies UiError);
      }
      setStage("sending");
      return uploadDocument({ ...request, content_base64 }).catch((e: unknown) => Promise.reject(toUiError(e)));
    },
    onSuccess: async (info) => {
      await client.invalidateQueries({ queryKey: documentsKeys.patient(patientId) });
      onDone(info);
    },
  });

  const server = splitErrors(save.error, SERVER_FIELDS);
  // A file error from the shell is about the file sent: hidden once another is chosen.
  const sameFile = save.variables?.file === file;
  const fileErrors = [fileError, sameFile ? server.byField.file : null, sameFile ? server.byField.file_name : null]
    .filter(Boolean)
    .join(" ");

  const change = (field: TextField, value: string) => setValues((prev) => ({ ...prev, [field]: value }));

  const onFile = (e: ChangeEvent<HTMLInputElement>) => {
    const chosen = e.currentTarget.files?.[0] ?? null;
    setFile(chosen);
    setFileError(null);
    if (chosen && (values.title.trim() === "" || values.title === prefilled)) {
      const stem = fileStem(chosen.name);
      setPrefilled(stem);
      change("title", stem);
    }
  };

  const close = () => {
    if (!save.isPending) onClose();
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (save.isPending) return;
    let problem: string | null = null;
    if (!file) problem = t("documents.uploadDialog.noFile");
    else if (file.size > MAX_UPLOAD_BYTES) problem = t("documents.uploadDialog.tooLarge");
    else if (file.size === 0) problem = t("documents.uploadDialog.empty");
    setFileError(problem);
    if (problem || !file) {
      save.reset();
      return;
    }
    save.mutate({
      file,
      request: {
        patient_id: patientId,
        type,
        title: values.title.trim(),
        document_date: values.document_date.trim(),
        author: values.author.trim(),
        source: values.source.trim(),
        file_name: file.name,
      },
    });
  };

  const textInput = (field: TextField, label: string, description?: string, required = false) => (
    <TextInput
      label={label}
      description={description}
      value={values[field]}
      onChange={(e) => change(field, e.currentTarget.value)}
      error={server.byField[field]}
      errorProps={{ "data-testid": `document-error-${field}` }}
      withAsterisk={required}
      aria-required={required || undefined}
      autoComplete="off"
      data-testid={`document-${field === "document_date" ? "date" : field}`}
    />
  );

  return (
    <Modal
      opened
      // Scroll locking injects a <style> element, which the strict CSP refuses.
      lockScroll={false}
      // A click beside the dialog must not throw away what was filled in.
      closeOnClickOutside={false}
      onClose={close}
      title={t("documents.uploadDialog.title")}
      size="lg"
      closeButtonProps={{ "aria-label": t("documents.uploadDialog.cancel") }}
    >
      <form onSubmit={onSubmit} noValidate data-testid="document-upload-dialog" aria-busy={save.isPending}>
        <Stack gap="sm">
          {server.rest ? (
            <ChartError error={server.rest} testId="document-upload-error" title={t("documents.uploadDialog.errorTitle")} />
          ) : null}
          <Input.Wrapper
            id={FILE_INPUT_ID}
            label={t("documents.uploadDialog.file")}
            description={t("documents.uploadDialog.fileHelp")}
            error={fileErrors || undefined}
            errorProps={{ "data-testid": "document-error-file" }}
            withAsterisk
          >
            <input
              id={FILE_INPUT_ID}
              type="file"
              accept={ACCEPTED_FILES}
              onChange={onFile}
              disabled={save.isPending}
              aria-required
              aria-invalid={fileErrors ? true : undefined}
              aria-describedby={`${FILE_INPUT_ID}-description${fileErrors ? ` ${FILE_INPUT_ID}-error` : ""}`}
              data-testid="document-file"
            />
          </Input.Wrapper>
          <NativeSelect
            label={t("documents.uploadDialog.type")}
            value={type}
            onChange={(e) => {
              const next = e.currentTarget.value;
              if (isDocumentType(next)) setType(next);
            }}
            data={DOCUMENT_TYPES.map((v) => ({ value: v, label: t(`documents.type.${v}`) }))}
            error={server.byField.type}
            errorProps={{ "data-testid": "document-error-type" }}
            data-testid="document-type"
          />
          {textInput("title", t("documents.uploadDialog.docTitle"), undefined, true)}
          {textInput("document_date", t("documents.uploadDialog.date"), t("documents.uploadDialog.dateHelp"), true)}
          {textInput("author", t("documents.uploadDialog.author"), t("documents.uploadDialog.authorHelp"))}
          {textInput("source", t("documents.uploadDialog.source"), t("documents.uploadDialog.sourceHelp"))}
          {save.isPending ? (
            <div role="status" data-testid="document-upload-progress" data-stage={stage}>
              <Text size="sm" mb={4}>
                {t(stage === "reading" ? "documents.uploadDialog.reading" : "documents.uploadDialog.sending")}
              </Text>
              <Progress
                value={stage === "reading" ? 40 : 100}
                striped
                animated
                aria-label={t(stage === "reading" ? "documents.uploadDialog.reading" : "documents.uploadDialog.sending")}
              />
            </div>
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={save.isPending} data-testid="document-cancel">
              {t("documents.uploadDialog.cancel")}
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="document-save">
              {t("documents.uploadDialog.save")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
