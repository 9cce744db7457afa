// The kiosk's second step: "Hello <given name>", the appointment time and provider, and
// the patient's contact, address and insurance details to confirm. "Save changes" sends
// `kioskUpdateDetails` (errors next to their fields, input kept); "Check in" saves any
// unsaved change first, then sends `kioskCheckIn`. A `kiosk_visit_ended` from either goes
// to `onEnded` (the kiosk resets).
import { Alert, Button, Group, Stack, Text, Title } from "@mantine/core";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { KioskDetails } from "../../bindings/KioskDetails";
import type { KioskVisit } from "../../bindings/KioskVisit";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { kioskCheckIn, kioskUpdateDetails } from "./api";
import { DetailsFields } from "./DetailsFields";
import {
  detailsToForm,
  formToDetails,
  placeDetailsErrors,
  sameDetails,
  type DetailsField,
  type DetailsForm,
  type PlacedErrors,
} from "./model";

type Props = {
  visit: KioskVisit;
  onCheckedIn: (visit: KioskVisit) => void;
  /** The visit token stopped working: start over. */
  onEnded: () => void;
};

const noErrors = (): PlacedErrors<DetailsField> => ({ byField: {}, other: [] });

export function VisitStep({ visit, onCheckedIn, onEnded }: Props) {
  const { t } = useTranslation();
  const [saved, setSaved] = useState<KioskDetails>(visit.details);
  const [form, setForm] = useState<DetailsForm>(() => detailsToForm(visit.details));
  const [fieldErrors, setFieldErrors] = useState(noErrors);
  const [error, setError] = useState<UiError | null>(null);
  const [busy, setBusy] = useState<"save" | "checkin" | null>(null);
  const [justSaved, setJustSaved] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => heading.current?.focus(), []);

  const change = (field: DetailsField, value: string) => {
    setForm((f) => ({ ...f, [field]: value }));
    setFieldErrors((e) => ({ ...e, byField: { ...e.byField, [field]: undefined } }));
    setJustSaved(false);
  };

  /** A failed call: reset on an ended visit, else errors next to fields or in the alert. */
  const fail = (x: unknown) => {
    const err = toUiError(x);
    if (err.code === "kiosk_visit_ended") {
      onEnded();
      return;
    }
    setFieldErrors(err.code === "validation" ? placeDetailsErrors(err.fields) : noErrors());
    setError(err);
  };

  /** Saves the form; true when saved. */
  const save = async (): Promise<boolean> => {
    setError(null);
    setJustSaved(false);
    try {
      const updated = await kioskUpdateDetails(visit.token, formToDetails(form));
      setSaved(updated.details);
      setForm(detailsToForm(updated.details));
      setFieldErrors(noErrors());
      setJustSaved(true);
      return true;
    } catch (x) {
      fail(x);
      return false;
    }
  };

  const onSave = async () => {
    if (busy) return;
    setBusy("save");
    await save();
    setBusy(null);
  };

  const onCheckIn = async () => {
    if (busy) return;
    setBusy("checkin");
    if (!sameDetails(form, saved) && !(await save())) {
      setBusy(null);
      return;
    }
    setError(null);
    try {
      onCheckedIn(await kioskCheckIn(visit.token));
    } catch (x) {
      fail(x);
      setBusy(null);
    }
  };

  return (
    <form onSubmit={(e) => e.preventDefault()} noValidate autoComplete="off" aria-labelledby="kiosk-greeting">
      <Stack gap="lg">
        <div>
          <Title order={1} id="kiosk-greeting" ref={heading} tabIndex={-1} className="kiosk-title focus-target" data-testid="kiosk-greeting">
            {t("kiosk.visit.greeting", { name: visit.given_name })}
          </Title>
          <Text className="kiosk-lead" data-testid="kiosk-appointment">
            {t("kiosk.visit.appointment", { time: visit.appointment_time, provider: visit.provider_name })}
          </Text>
        </div>
        <div>
          <Title order={2} className="kiosk-subtitle">
            {t("kiosk.visit.detailsTitle")}
          </Title>
          <Text className="kiosk-hint">{t("kiosk.visit.detailsIntro")}</Text>
        </div>
        <DetailsFields form={form} errors={fieldErrors.byField} disabled={busy !== null} onChange={change} />
        {error ? (
          <Alert color="red" variant="outline" role="alert" data-testid="kiosk-error" data-code={error.code}>
            <Text className="kiosk-alert-text">
              {error.code === "validation" ? t("kiosk.visit.problems") : t("kiosk.error.generic")}
            </Text>
            {fieldErrors.other.map((m) => (
              <Text key={m} className="kiosk-alert-text">
                {m}
              </Text>
            ))}
          </Alert>
        ) : null}
        {justSaved ? (
          <Alert color="green" variant="outline" role="status" data-testid="kiosk-details-saved">
            <Text className="kiosk-alert-text">{t("kiosk.visit.saved")}</Text>
          </Alert>
        ) : null}
        <Group gap="md" grow wrap="wrap">
          <Button
            size="xl"
            variant="default"
            onClick={() => void onSave()}
            loading={busy === "save"}
            disabled={busy === "checkin"}
            data-testid="kiosk-save-details"
          >
            {t("kiosk.visit.save")}
          </Button>
          <Button
            size="xl"
            onClick={() => void onCheckIn()}
            loading={busy === "checkin"}
            disabled={busy === "save"}
            data-testid="kiosk-check-in"
          >
            {t("kiosk.visit.checkIn")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
