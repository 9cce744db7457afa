// The "connect to a sync server" form, shared by the Sync screen (administrators,
// `connect_sync_server`) and first run (`join_clinic`): server address, one-time
// enrollment code, device name and an optional clinic CA certificate. Checks here
// first; the shell's field errors show under their inputs until the field is edited.
// The code leaves the form's state when the form unmounts; it is never shown back.
import { Button, PasswordInput, Stack, Text, Textarea, TextInput } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { ConnectSyncServer } from "../../bindings/ConnectSyncServer";
import type { UiError } from "../../bindings/UiError";
import { ErrorAlert } from "../../shared/ErrorAlert";
import { fieldErrors } from "../session/errors";
import {
  EMPTY_CONNECT,
  MAX_DEVICE_NAME,
  toRequest,
  validateConnect,
  type ConnectField,
  type ConnectValues,
} from "./validate";

type Props = {
  /** Test-id prefix: "join" on first run, "sync" on the Sync screen. */
  prefix: "join" | "sync";
  submitLabel: string;
  submittingLabel: string;
  pending: boolean;
  error: UiError | null;
  onSubmit: (request: ConnectSyncServer) => void;
};

const IDS: Record<ConnectField, string> = {
  server_url: "server-url",
  enrollment_code: "code",
  device_name: "device-name",
  ca_pem: "ca",
};

export function ConnectForm({ prefix, submitLabel, submittingLabel, pending, error, onSubmit }: Props) {
  const { t } = useTranslation();
  const [values, setValues] = useState<ConnectValues>(EMPTY_CONNECT);
  const [checked, setChecked] = useState<Partial<Record<ConnectField, string>>>({});
  const [edited, setEdited] = useState<ReadonlySet<ConnectField>>(new Set());
  const server = fieldErrors(error);
  const errorOf = (f: ConnectField) => checked[f] ?? (edited.has(f) ? undefined : server[f]);
  // Field errors the inputs show; anything else goes in the alert.
  const unplaced = error?.code === "validation" && !(error.fields ?? []).some((x) => x.field in IDS);

  const set = (f: ConnectField) => (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => {
    const v = e.currentTarget.value;
    setValues((prev) => ({ ...prev, [f]: v }));
    setChecked((prev) => ({ ...prev, [f]: undefined }));
    setEdited((prev) => new Set(prev).add(f));
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (pending) return;
    const problems = validateConnect(values);
    const messages: Partial<Record<ConnectField, string>> = {};
    for (const [f, p] of Object.entries(problems) as [ConnectField, NonNullable<(typeof problems)[ConnectField]>][]) {
      messages[f] = t(`sync.connect.check.${p}`, { max: MAX_DEVICE_NAME });
    }
    setChecked(messages);
    setEdited(new Set());
    if (Object.keys(messages).length > 0) return;
    onSubmit(toRequest(values));
  };

  const field = (f: ConnectField, label: string, description: string, required = true) => ({
    label,
    description,
    value: values[f],
    onChange: set(f),
    error: errorOf(f),
    errorProps: { "data-testid": `${prefix}-${IDS[f]}-error` },
    required,
    disabled: pending,
    "data-testid": `${prefix}-${IDS[f]}`,
  });

  return (
    <form onSubmit={submit} noValidate data-testid={`${prefix}-form`} aria-busy={pending}>
      <Stack gap="sm">
        {error && (error.code !== "validation" || unplaced) ? (
          <ErrorAlert error={error} testId={`${prefix}-error`} title={t("sync.connect.errorTitle")}>
            {unplaced && error.message ? (
              <Text size="xs" mt={4}>
                {error.message}
              </Text>
            ) : null}
          </ErrorAlert>
        ) : null}
        <TextInput
          {...field("server_url", t("sync.connect.serverUrl"), t("sync.connect.serverUrlHelp"))}
          type="url"
          autoComplete="url"
          spellCheck={false}
        />
        <PasswordInput
          {...field("enrollment_code", t("sync.connect.code"), t("sync.connect.codeHelp"))}
          autoComplete="one-time-code"
        />
        <TextInput
          {...field("device_name", t("sync.connect.deviceName"), t("sync.connect.deviceNameHelp"))}
          autoComplete="off"
        />
        <Textarea
          {...field("ca_pem", t("sync.connect.ca"), t("sync.connect.caHelp"), false)}
          autosize={false}
          rows={4}
          spellCheck={false}
          className="sync-pem"
        />
        <Button type="submit" loading={pending} data-testid={`${prefix}-submit`}>
          {pending ? submittingLabel : submitLabel}
        </Button>
      </Stack>
    </form>
  );
}
