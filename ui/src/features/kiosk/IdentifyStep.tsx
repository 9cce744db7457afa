// The kiosk's first step: family name, date of birth (one "YYYY-MM-DD" input that also
// reads 1980/4/25 or 19800425), and either the appointment code or the last 4 digits of
// the phone number. Continue sends `kioskIdentify`. A "no match" shows the server's
// generic message and keeps everything typed for correction; "throttled" counts down and
// holds the Continue button until the wait is over.
import { Alert, Button, Radio, Stack, Text, TextInput, Title } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { KioskVisit } from "../../bindings/KioskVisit";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { useRetryCountdown } from "../session/useRetryCountdown";
import { kioskIdentify } from "./api";
import {
  buildIdentify,
  emptyIdentifyForm,
  localToday,
  placeIdentifyErrors,
  type IdentifyField,
  type IdentifyForm,
  type PlacedErrors,
  type Problem,
} from "./model";

type Props = {
  /** The clinic's name for the welcome line, once known. */
  clinicName: string | null;
  onIdentified: (visit: KioskVisit) => void;
};

const noServerErrors = (): PlacedErrors<IdentifyField> => ({ byField: {}, other: [] });

export function IdentifyStep({ clinicName, onIdentified }: Props) {
  const { t } = useTranslation();
  const [form, setForm] = useState<IdentifyForm>(emptyIdentifyForm);
  const [problems, setProblems] = useState<Partial<Record<IdentifyField, Problem>>>({});
  const [server, setServer] = useState(noServerErrors);
  const [error, setError] = useState<UiError | null>(null);
  const [busy, setBusy] = useState(false);
  const wait = useRetryCountdown(error);

  const set = (field: keyof IdentifyForm, value: string) => {
    setForm((f) => ({ ...f, [field]: value }));
    if (field !== "factorKind") {
      setProblems(({ [field]: _, ...rest }) => rest);
      setServer((s) => ({ ...s, byField: { ...s.byField, [field]: undefined } }));
    }
  };

  const fieldError = (field: IdentifyField): string | undefined => {
    const p = problems[field];
    return p ? t(`kiosk.check.${p.key}`, { max: p.max ?? 0 }) : server.byField[field];
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || wait > 0) return;
    const built = buildIdentify(form, localToday());
    setServer(noServerErrors());
    if (!built.ok) {
      setProblems(built.problems);
      setError(null);
      return;
    }
    setProblems({});
    setError(null);
    setBusy(true);
    try {
      onIdentified(await kioskIdentify(built.request));
    } catch (x) {
      const err = toUiError(x);
      if (err.code === "validation") setServer(placeIdentifyErrors(err.fields));
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const isPhone = form.factorKind === "phone_last_digits";
  return (
    <form onSubmit={(e) => void submit(e)} noValidate autoComplete="off" aria-labelledby="kiosk-identify-title">
      <Stack gap="lg">
        <div>
          <Title order={1} id="kiosk-identify-title" className="kiosk-title">
            {clinicName ? t("kiosk.welcome", { clinic: clinicName }) : t("kiosk.welcomePlain")}
          </Title>
          <Text className="kiosk-lead">{t("kiosk.intro")}</Text>
        </div>
        <TextInput
          size="xl"
          label={t("kiosk.identify.familyName")}
          description={t("kiosk.identify.familyNameHint")}
          value={form.familyName}
          onChange={(e) => set("familyName", e.currentTarget.value)}
          error={fieldError("familyName")}
          autoComplete="off"
          autoCapitalize="words"
          spellCheck={false}
          required
          data-testid="kiosk-family-name"
        />
        <TextInput
          size="xl"
          label={t("kiosk.identify.dob")}
          description={t("kiosk.identify.dobHint")}
          placeholder={t("kiosk.identify.dobPlaceholder")}
          value={form.dob}
          onChange={(e) => set("dob", e.currentTarget.value)}
          error={fieldError("dob")}
          autoComplete="off"
          inputMode="numeric"
          maxLength={20}
          required
          data-testid="kiosk-dob"
        />
        <Radio.Group
          size="lg"
          label={t("kiosk.identify.factorLegend")}
          value={form.factorKind}
          onChange={(v) => {
            setForm((f) => ({ ...f, factorKind: v === "phone_last_digits" ? v : "appointment_code", factorValue: "" }));
            setProblems(({ factorValue: _, ...rest }) => rest);
          }}
        >
          <Stack gap="sm" mt="sm">
            <Radio
              size="lg"
              value="appointment_code"
              label={t("kiosk.identify.factorCode")}
              className="kiosk-choice"
              data-testid="kiosk-factor-code"
            />
            <Radio
              size="lg"
              value="phone_last_digits"
              label={t("kiosk.identify.factorPhone")}
              className="kiosk-choice"
              data-testid="kiosk-factor-phone"
            />
          </Stack>
        </Radio.Group>
        <TextInput
          size="xl"
          label={isPhone ? t("kiosk.identify.phoneLabel") : t("kiosk.identify.codeLabel")}
          description={isPhone ? t("kiosk.identify.phoneHint") : t("kiosk.identify.codeHint")}
          value={form.factorValue}
          onChange={(e) => set("factorValue", e.currentTarget.value)}
          error={fieldError("factorValue")}
          autoComplete="off"
          autoCapitalize={isPhone ? "off" : "characters"}
          spellCheck={false}
          inputMode={isPhone ? "numeric" : "text"}
          maxLength={isPhone ? 8 : 20}
          required
          data-testid="kiosk-factor-value"
        />
        {error ? <IdentifyError error={error} wait={wait} /> : null}
        <Button type="submit" size="xl" loading={busy} disabled={wait > 0} data-testid="kiosk-continue">
          {t("kiosk.identify.continue")}
        </Button>
      </Stack>
    </form>
  );
}

function IdentifyError({ error, wait }: { error: UiError; wait: number }) {
  const { t } = useTranslation();
  let body;
  switch (error.code) {
    case "kiosk_no_match":
      body = (
        <>
          <Text className="kiosk-alert-text">{error.message}</Text>
          <Text className="kiosk-alert-text">{t("kiosk.identify.noMatchHint")}</Text>
        </>
      );
      break;
    case "throttled":
      body = (
        <Text className="kiosk-alert-text" data-testid="kiosk-countdown" data-seconds={wait}>
          {wait > 0 ? t("kiosk.identify.throttled", { count: wait }) : t("kiosk.identify.throttledNow")}
        </Text>
      );
      break;
    case "validation":
      body = <Text className="kiosk-alert-text">{t("kiosk.visit.problems")}</Text>;
      break;
    default:
      body = <Text className="kiosk-alert-text">{t("kiosk.error.generic")}</Text>;
  }
  return (
    <Alert color="red" variant="outline" role="alert" data-testid="kiosk-error" data-code={error.code}>
      {body}
    </Alert>
  );
}
