// One form for registering and editing a patient. Input is never cleared on an error:
// client checks and the server's field errors appear under their fields (aria-describedby
// via Mantine), focus moves to the first invalid field, other problems go in a summary.
import { Button, Fieldset, Group, List, Loader, NativeSelect, Stack, TextInput } from "@mantine/core";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { FieldError } from "../../../bindings/FieldError";
import type { UiError } from "../../../bindings/UiError";
import { ErrorAlert } from "../../../shared/ErrorAlert";
import { AddressFields } from "./AddressFields";
import { EmergencyContactsFields } from "./EmergencyContactsFields";
import { SEXES, testIdFor, type PatientFormValues } from "./formModel";
import { InsuranceFields, PreferencesFields } from "./InsuranceAndPreferences";
import { firstInvalidPath, splitFieldErrors } from "./serverErrors";
import { bind, type PatientFormApi } from "./usePatientForm";

type Props = {
  form: PatientFormApi;
  mode: "register" | "edit";
  submitting: boolean;
  /** The last failed submission to show; a new object each time it should be (re)applied. */
  error: UiError | null;
  onSubmit: (values: PatientFormValues) => void;
  onCancel?: () => void;
};

type Summary = { error: UiError; unmatched: FieldError[] };

export function PatientForm({ form, mode, submitting, error, onSubmit, onCancel }: Props) {
  const { t } = useTranslation();
  const formRef = useRef<HTMLFormElement>(null);
  const summaryRef = useRef<HTMLDivElement>(null);
  const [summary, setSummary] = useState<Summary | null>(null);

  const focusPath = (path: string) =>
    formRef.current?.querySelector<HTMLElement>(`[data-testid="${testIdFor(path)}"]`)?.focus();

  useEffect(() => {
    if (!error) {
      setSummary(null);
      return;
    }
    const values = form.getValues();
    const { byPath, unmatched } = splitFieldErrors(error.fields ?? [], values);
    form.setErrors(byPath);
    const first = firstInvalidPath(byPath, values);
    const showSummary = unmatched.length > 0 || first === undefined;
    setSummary(showSummary ? { error, unmatched } : null);
    if (first) focusPath(first);
    else requestAnimationFrame(() => summaryRef.current?.focus());
    // Re-apply only when a new error arrives, not on every keystroke.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [error]);

  const submit = form.onSubmit(
    (values) => onSubmit(values),
    (errors) => {
      const first = firstInvalidPath(errors, form.getValues());
      if (first) focusPath(first);
    },
  );

  const sexOptions = [
    { value: "", label: t("sex.notRecorded") },
    ...SEXES.map((s) => ({ value: s, label: t(`sex.${s}`) })),
  ];

  return (
    <form ref={formRef} onSubmit={submit} noValidate data-testid="patient-form" aria-busy={submitting}>
      <Stack gap="md">
        {summary ? (
          <div ref={summaryRef} tabIndex={-1}>
            <ErrorAlert error={summary.error} testId="form-error">
              {summary.unmatched.length > 0 ? (
                <List size="sm" mt="xs">
                  {summary.unmatched.map((f, i) => (
                    <List.Item key={i}>{f.message}</List.Item>
                  ))}
                </List>
              ) : null}
            </ErrorAlert>
          </div>
        ) : null}
        <Fieldset legend={t("form.sections.person")}>
          <div className="form-grid">
            <TextInput label={t("form.given_name")} withAsterisk aria-required autoComplete="off" {...bind(form, "given_name")} />
            <TextInput label={t("form.middle_name")} autoComplete="off" {...bind(form, "middle_name")} />
            <TextInput label={t("form.family_name")} withAsterisk aria-required autoComplete="off" {...bind(form, "family_name")} />
            <TextInput
              label={t("form.date_of_birth")}
              description={t("form.dobHelp")}
              placeholder="YYYY-MM-DD"
              inputMode="numeric"
              autoComplete="off"
              withAsterisk
              aria-required
              {...bind(form, "date_of_birth")}
            />
            <NativeSelect label={t("form.sex")} data={sexOptions} {...bind(form, "sex")} />
          </div>
        </Fieldset>
        <Fieldset legend={t("form.sections.contact")}>
          <div className="form-grid">
            <TextInput label={t("form.phone")} type="tel" autoComplete="off" {...bind(form, "phone")} />
            <TextInput label={t("form.email")} type="email" autoComplete="off" {...bind(form, "email")} />
          </div>
        </Fieldset>
        <AddressFields form={form} />
        <EmergencyContactsFields form={form} />
        <InsuranceFields form={form} />
        <PreferencesFields form={form} />
        <Group justify="flex-end">
          {onCancel ? (
            <Button variant="default" onClick={onCancel} disabled={submitting} data-testid="cancel-edit">
              {t("form.cancel")}
            </Button>
          ) : null}
          <Button
            type="submit"
            disabled={submitting}
            leftSection={submitting ? <Loader size="xs" color="white" aria-hidden /> : null}
            data-testid={mode === "register" ? "register-submit" : "save-patient"}
          >
            {mode === "register"
              ? t(submitting ? "form.registering" : "form.register")
              : t(submitting ? "form.saving" : "form.save")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
