// The document viewer (a dialog): the document's details, then an image (as a `data:`
// URL), a text file's text, or a PDF: its pages drawn by pdf.js (a lazily loaded module,
// see PdfPages) with the extracted text below them, as the accessible, searchable
// alternative that stays whatever pdf.js manages. Its actions: "Save a copy" (the shell
// asks where; "Saved to PATH"), "Share" and "Entered in error", whose forms open inside the
// dialog so the document stays loaded (and its view is audited once).
import { Alert, Badge, Button, Center, Group, Image, Loader, Modal, Paper, ScrollArea, Stack, Text } from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { Component, lazy, Suspense, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { DocumentContent } from "../../bindings/DocumentContent";
import type { DocumentInfo } from "../../bindings/DocumentInfo";
import type { DocumentSaved } from "../../bindings/DocumentSaved";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { ChartError } from "../chart/ChartError";
import { formatInstant } from "../chart/format";
import { documentsKeys, getDocument, saveDocumentCopy } from "./api";
import { EnteredInErrorForm } from "./EnteredInErrorForm";
import { formatSize, imageDataUrl } from "./model";
import { ShareForm } from "./ShareForm";

// pdf.js and its worker load only when a PDF is opened (a chunk of their own). If the
// chunk cannot load, the viewer says so and keeps the text.
const PdfPages = lazy(() =>
  import("./PdfPages").catch((e: unknown) => ({
    default: () => <PdfPagesUnavailable kind={`import:${e instanceof Error ? e.name : typeof e}`} />,
  })),
);

type Props = {
  info: DocumentInfo;
  onClose: () => void;
  /** After "Entered in error" was saved (the viewer is then closed by the caller). */
  onEnteredInError: (info: DocumentInfo) => void;
};

type Panel = "share" | "eie" | null;

export function DocumentViewer({ info: initial, onClose, onEnteredInError }: Props) {
  const { t, i18n } = useTranslation();
  const content = useQuery({
    queryKey: documentsKeys.content(initial.patient_id, initial.id),
    queryFn: () => getDocument(initial.id),
    // The bytes never change; each fetch is an audited view. Not kept long after closing.
    staleTime: Infinity,
    gcTime: 60_000,
  });
  const [panel, setPanel] = useState<Panel>(null);
  const [sharedWith, setSharedWith] = useState<string | null>(null);
  const saveCopy = useMutation<DocumentSaved | null, UiError, void>({
    mutationFn: () => saveDocumentCopy(initial.id).catch((e: unknown) => Promise.reject(toUiError(e))),
  });

  const info = content.data?.info ?? initial;
  const title = info.title || t("documents.untitled");
  const current = info.status === "current";
  const dash = t("documents.notRecorded");
  const details: [string, string, string][] = [
    ["type", t("documents.viewer.type"), t(`documents.type.${info.type}`)],
    ["date", t("documents.viewer.date"), info.document_date],
    ["author", t("documents.viewer.author"), info.author || dash],
    ["source", t("documents.viewer.source"), info.source || dash],
    ["file", t("documents.viewer.fileName"), info.file_name],
    ["size", t("documents.viewer.size"), formatSize(t, info.size, i18n.language)],
    [
      "recorded",
      t("documents.viewer.recorded"),
      t("documents.viewer.recordedValue", {
        date: formatInstant(info.recorded_at, i18n.language, true),
        name: info.recorded_by || dash,
      }),
    ],
  ];

  const openPanel = (next: Panel) => {
    setSharedWith(null);
    saveCopy.reset();
    setPanel(next);
  };

  return (
    <Modal
      opened
      // Scroll locking injects a <style> element, which the strict CSP refuses.
      lockScroll={false}
      onClose={onClose}
      title={title}
      size="xl"
      closeButtonProps={{ "aria-label": t("documents.viewer.close") }}
    >
      <Stack gap="sm" data-testid="document-viewer" data-document-id={info.id} data-media-type={info.media_type}>
        {current ? null : (
          <Alert color="gray" role="status" data-testid="document-viewer-error-status">
            <Badge color="gray" variant="light" mr="xs">
              {t("documents.status.entered_in_error")}
            </Badge>
            {t("documents.viewer.enteredInError")}
          </Alert>
        )}
        <dl className="details" aria-label={t("documents.viewer.details")}>
          {details.map(([key, label, value]) => (
            <div className="details-row" key={key}>
              <dt>{label}</dt>
              <dd data-testid={`document-viewer-${key}`}>{value}</dd>
            </div>
          ))}
        </dl>
        <ContentView content={content.data} error={content.isError ? toUiError(content.error) : null} />
        {saveCopy.data ? (
          <Alert color="green" role="status" data-testid="document-saved">
            {t("documents.viewer.saved", { path: saveCopy.data.path })}
          </Alert>
        ) : null}
        {saveCopy.error ? (
          <ChartError error={saveCopy.error} testId="document-save-copy-error" title={t("documents.viewer.saveError")} />
        ) : null}
        {sharedWith ? (
          <Alert color="green" role="status" data-testid="document-shared">
            {t("documents.share.done", { name: sharedWith })}
          </Alert>
        ) : null}
        {panel === "share" ? (
          <ShareForm
            info={info}
            onCancel={() => setPanel(null)}
            onShared={(name) => {
              setPanel(null);
              setSharedWith(name);
            }}
          />
        ) : null}
        {panel === "eie" ? (
          <EnteredInErrorForm info={info} onCancel={() => setPanel(null)} onDone={onEnteredInError} />
        ) : null}
        {panel === null ? (
          <Group justify="flex-end" gap="sm">
            <Button
              variant="default"
              onClick={() => {
                setSharedWith(null);
                saveCopy.mutate();
              }}
              loading={saveCopy.isPending}
              data-testid="document-save-copy"
            >
              {saveCopy.isPending ? t("documents.viewer.saving") : t("documents.viewer.saveCopy")}
            </Button>
            {current ? (
              <>
                <Button variant="default" onClick={() => openPanel("share")} data-testid="document-share">
                  {t("documents.viewer.share")}
                </Button>
                <Button variant="default" color="red" onClick={() => openPanel("eie")} data-testid="document-entered-in-error">
                  {t("documents.viewer.markError")}
                </Button>
              </>
            ) : null}
            <Button onClick={onClose} data-testid="document-viewer-close">
              {t("documents.viewer.close")}
            </Button>
          </Group>
        ) : null}
      </Stack>
    </Modal>
  );
}

/** The document itself: an image, or its text in a scrollable block. */
function ContentView({ content, error }: { content: DocumentContent | undefined; error: UiError | null }) {
  const { t } = useTranslation();
  if (error) return <ChartError error={error} testId="document-viewer-load-error" title={t("documents.viewer.errorTitle")} />;
  if (!content) {
    return (
      <Center p="md">
        <Loader size="sm" aria-label={t("documents.viewer.loading")} data-testid="document-viewer-loading" />
      </Center>
    );
  }
  const { info } = content;
  const image = imageDataUrl(info.media_type, content.content_base64);
  if (image) {
    return (
      <Paper withBorder p="xs">
        <Image src={image} alt={info.title || t("documents.untitled")} fit="contain" mah={600} data-testid="document-image" />
      </Paper>
    );
  }
  const pdf = info.media_type === "application/pdf";
  if (!pdf && info.media_type !== "text/plain") {
    return (
      <Text size="sm" data-testid="document-unknown-type">
        {t("documents.viewer.unknownType")}
      </Text>
    );
  }
  const hasText = content.text.trim() !== "";
  return (
    <Stack gap="xs">
      {pdf ? (
        content.content_base64 === "" ? (
          <PdfPagesUnavailable />
        ) : (
          <PdfPagesBoundary key={info.id}>
            <Suspense
              fallback={
                <Center p="md">
                  <Loader size="sm" aria-label={t("documents.viewer.pdf.loading")} data-testid="document-pdf-loading" />
                </Center>
              }
            >
              <PdfPages base64={content.content_base64} title={info.title || t("documents.untitled")} />
            </Suspense>
          </PdfPagesBoundary>
        )
      ) : null}
      {pdf ? (
        <Alert color="blue" role="note" data-testid="document-pdf-note">
          {hasText ? t("documents.viewer.pdfNote") : t("documents.viewer.pdfNoText")}
        </Alert>
      ) : null}
      {hasText ? (
        <Paper withBorder>
          <ScrollArea.Autosize mah={420} type="auto">
            <Text
              component="pre"
              className="chart-multiline"
              size="sm"
              ff="monospace"
              p="sm"
              m={0}
              tabIndex={0}
              aria-label={t("documents.viewer.textLabel")}
              data-testid="document-text"
            >
              {content.text}
            </Text>
          </ScrollArea.Autosize>
        </Paper>
      ) : pdf ? null : (
        <Text size="sm" c="dimmed" data-testid="document-no-text">
          {t("documents.viewer.noText")}
        </Text>
      )}
    </Stack>
  );
}

/** Instead of the pages when pdf.js is not available or failed outright. */
/** `kind`: where and what failed (an error's class name only, never its message). */
function PdfPagesUnavailable({ kind = "none" }: { kind?: string }) {
  const { t } = useTranslation();
  return (
    <Alert color="yellow" role="status" data-testid="document-pdf-render-error" data-kind={kind}>
      {t("documents.viewer.pdf.error")}
    </Alert>
  );
}

/** Whatever goes wrong while drawing the pages leaves the rest of the viewer (and the text). */
class PdfPagesBoundary extends Component<{ children: ReactNode }, { failed: string | null }> {
  state = { failed: null as string | null };

  static getDerivedStateFromError(e: unknown) {
    return { failed: `render:${e instanceof Error ? e.name : typeof e}` };
  }

  render() {
    return this.state.failed !== null ? <PdfPagesUnavailable kind={this.state.failed} /> : this.props.children;
  }
}
