// The pages of a PDF, drawn by pdf.js onto canvases. The document viewer loads this module
// lazily, so pdf.js stays out of the main bundle. The bytes (decoded from the base64 that
// `get_document` returned) go to pdf.js's worker, which comes from the app's own bundle
// (the CSP allows `worker-src 'self'`): no URL, no network. Eval is off (no `'unsafe-eval'`),
// and so is WebAssembly (no `'wasm-unsafe-eval'`: pdf.js uses its JavaScript decoders).
// pdf.js logs errors only, and nothing here logs: a PDF's content never reaches the console.
// The first pages are drawn at once, more on request, at the width of the viewer. Any
// failure (damaged, password, no worker) shows a short message; the viewer keeps the text.
import { Alert, Box, Button, Center, Loader, Paper, Stack, Text } from "@mantine/core";
import {
  GlobalWorkerOptions,
  PDFWorker,
  RenderingCancelledException,
  VerbosityLevel,
  getDocument,
  type PDFDocumentLoadingTask,
  type PDFDocumentProxy,
  type RenderTask,
} from "pdfjs-dist";
import workerUrl from "pdfjs-dist/build/pdf.worker.min.mjs?url";
import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

// pdf.js's own fallback (when the worker below cannot start): it tries this URL itself, and
// as a last resort runs the same file on the main thread (allowed by `script-src 'self'`).
GlobalWorkerOptions.workerSrc = workerUrl;

/** Pages drawn when a PDF opens, and added by each "Show more pages". */
const PDF_PAGES_AT_ONCE = 3;
/** How long the worker may take to say it is ready before pdf.js's fallback is used. */
const WORKER_START_MS = 15_000;
/** Width used when the viewer cannot be measured (no layout). */
const FALLBACK_WIDTH = 760;
/** Canvas pixels per CSS pixel, at most (sharp on high-DPI screens, bounded memory). */
const MAX_PIXEL_RATIO = 2;

type Props = {
  /** The PDF's bytes, standard base64 (as `get_document` sends them). */
  base64: string;
  /** The document's title, for the pages' accessible names. */
  title: string;
};

type State =
  | { status: "loading" }
  | { status: "ready"; doc: PDFDocumentProxy }
  /** `kind`: the error's class name only (never its message: no document content). */
  | { status: "error"; reason: "password" | "other"; kind: string };

export default function PdfPages({ base64, title }: Props) {
  const { t } = useTranslation();
  const [state, setState] = useState<State>({ status: "loading" });
  const [shown, setShown] = useState(PDF_PAGES_AT_ONCE);
  const width = useWidth();

  useEffect(() => {
    let cancelled = false;
    let task: PDFDocumentLoadingTask | null = null;
    let pdfWorker: PDFWorker | null = null;
    let port: Worker | null = null;
    const fail = (e: unknown) => {
      const kind = e instanceof Error ? e.name : e === null ? "worker" : typeof e;
      if (!cancelled) setState({ status: "error", reason: isPasswordError(e) ? "password" : "other", kind });
    };
    const onWorkerError = () => fail(null);
    setState({ status: "loading" });
    setShown(PDF_PAGES_AT_ONCE);

    void (async () => {
      const data = base64ToBytes(base64);
      const started = await startWorker();
      if (cancelled) {
        started?.terminate();
        return;
      }
      if (started) {
        port = started;
        port.addEventListener("error", onWorkerError);
        pdfWorker = PDFWorker.create({ port, verbosity: VerbosityLevel.ERRORS });
      }
      task = getDocument({
        data,
        worker: pdfWorker ?? undefined,
        isEvalSupported: false,
        useWasm: false,
        verbosity: VerbosityLevel.ERRORS,
        stopAtErrors: false,
      });
      const doc = await task.promise;
      if (!cancelled) setState({ status: "ready", doc });
    })().catch(fail);

    return () => {
      cancelled = true;
      const [t0, w0, p0] = [task, pdfWorker, port];
      p0?.removeEventListener("error", onWorkerError);
      void (t0 ? t0.destroy() : Promise.resolve())
        .catch(() => undefined)
        .finally(() => {
          w0?.destroy();
          p0?.terminate();
        });
    };
  }, [base64]);

  if (state.status === "error") {
    return (
      <Alert color="yellow" role="status" data-testid="document-pdf-render-error" data-kind={state.kind}>
        {state.reason === "password" ? t("documents.viewer.pdf.password") : t("documents.viewer.pdf.error")}
      </Alert>
    );
  }

  const count = state.status === "ready" ? state.doc.numPages : 0;
  const visible = Math.min(shown, count);
  return (
    <Paper withBorder>
      <Box
        // A scroll box of its own, so the text and the actions stay within reach.
        style={{ maxHeight: "70vh", overflowY: "auto", scrollbarGutter: "stable" }}
        p="xs"
        tabIndex={0}
        role="region"
        aria-label={t("documents.viewer.pdf.pagesLabel")}
        aria-busy={state.status === "loading"}
      >
        {/* The pages' width: this box's, measured. */}
        <div ref={width.ref}>
          {state.status === "loading" ? (
            <Center p="md">
              <Loader size="sm" aria-label={t("documents.viewer.pdf.loading")} data-testid="document-pdf-loading" />
            </Center>
          ) : (
            <Stack gap="xs" data-testid="document-pdf-pages" data-page-count={count}>
              {Array.from({ length: visible }, (_, i) => (
                <PdfPage key={i + 1} doc={state.doc} pageNumber={i + 1} count={count} width={width.value} title={title} />
              ))}
              {visible < count ? (
                <Center>
                  <Button
                    variant="default"
                    onClick={() => setShown((n) => n + PDF_PAGES_AT_ONCE)}
                    data-testid="document-pdf-more"
                  >
                    {t("documents.viewer.pdf.more", { count: count - visible })}
                  </Button>
                </Center>
              ) : null}
            </Stack>
          )}
        </div>
      </Box>
    </Paper>
  );
}

type PageProps = { doc: PDFDocumentProxy; pageNumber: number; count: number; width: number; title: string };

/** One page on a canvas, drawn again when the width changes. */
function PdfPage({ doc, pageNumber, count, width, title }: PageProps) {
  const { t } = useTranslation();
  const canvas = useRef<HTMLCanvasElement>(null);
  const [drawn, setDrawn] = useState(false);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let cancelled = false;
    let render: RenderTask | null = null;
    void (async () => {
      const page = await doc.getPage(pageNumber);
      const target = canvas.current;
      if (cancelled || !target) return;
      const natural = page.getViewport({ scale: 1 });
      const ratio = Math.min(window.devicePixelRatio || 1, MAX_PIXEL_RATIO);
      const viewport = page.getViewport({ scale: (width / natural.width) * ratio });
      target.width = Math.max(1, Math.floor(viewport.width));
      target.height = Math.max(1, Math.floor(viewport.height));
      render = page.render({ canvas: target, viewport });
      await render.promise;
      if (!cancelled) setDrawn(true);
    })().catch((e: unknown) => {
      if (!cancelled && !(e instanceof RenderingCancelledException)) setFailed(true);
    });
    return () => {
      cancelled = true;
      render?.cancel();
    };
  }, [doc, pageNumber, width]);

  const label = t("documents.viewer.pdf.page", { page: pageNumber, count });
  return (
    <Stack gap={2}>
      <Text size="xs" c="dimmed" aria-hidden>
        {label}
      </Text>
      {failed ? (
        <Text size="sm" c="dimmed" data-testid={`document-pdf-page-error-${pageNumber}`}>
          {t("documents.viewer.pdf.pageError", { page: pageNumber })}
        </Text>
      ) : null}
      <canvas
        ref={canvas}
        role="img"
        aria-label={`${title}: ${label}`}
        data-testid={`document-pdf-page-${pageNumber}`}
        data-drawn={drawn ? "true" : "false"}
        // Width of the viewer; the height follows the page's proportions.
        style={{ display: failed ? "none" : "block", width: "100%", height: "auto", background: "white" }}
      />
    </Stack>
  );
}

/** The width of an element (debounced while resizing); `FALLBACK_WIDTH` without layout. */
function useWidth() {
  const ref = useRef<HTMLDivElement>(null);
  const [value, setValue] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => Math.floor(el.clientWidth) || FALLBACK_WIDTH;
    setValue(measure());
    if (typeof ResizeObserver === "undefined") return;
    let timer = 0;
    const observer = new ResizeObserver(() => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => setValue(measure()), 150);
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      window.clearTimeout(timer);
    };
  }, []);
  return { ref, value: value || FALLBACK_WIDTH };
}

/**
 * Starts pdf.js's worker from the bundle and waits for its "ready" message. Started here
 * (not by pdf.js) because pdf.js would wrap a URL it deems cross-origin — as the custom
 * `tauri://` scheme may look — in a `blob:` worker, which the CSP refuses. Null when it
 * cannot start (pdf.js then falls back to `GlobalWorkerOptions.workerSrc`).
 */
function startWorker(): Promise<Worker | null> {
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(workerUrl, { type: "module", name: "pdf.js" });
    } catch {
      resolve(null);
      return;
    }
    let timer = 0;
    const finish = (ok: boolean) => {
      window.clearTimeout(timer);
      worker.removeEventListener("message", onMessage);
      worker.removeEventListener("error", onError);
      if (!ok) worker.terminate();
      resolve(ok ? worker : null);
    };
    const onMessage = (e: MessageEvent<unknown>) => {
      const data = e.data as { action?: unknown } | null;
      if (data && typeof data === "object" && data.action === "ready") finish(true);
    };
    const onError = () => finish(false);
    worker.addEventListener("message", onMessage);
    worker.addEventListener("error", onError);
    timer = window.setTimeout(() => finish(false), WORKER_START_MS);
  });
}

/** Standard base64 to bytes (a fresh buffer: pdf.js transfers it to its worker). */
function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const isPasswordError = (e: unknown): boolean =>
  typeof e === "object" && e !== null && (e as { name?: unknown }).name === "PasswordException";
