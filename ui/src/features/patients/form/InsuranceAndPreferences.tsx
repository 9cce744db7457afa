import { Checkbox, Fieldset, NativeSelect, Stack, Text, TextInput } from "@mantine/core";
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { COMMON_LANGUAGES, CONTACT_CHANNELS, errorTestIdFor, INSURANCE_KEYS } from "./formModel";
import { bind, type PatientFormApi } from "./usePatientForm";

export function InsuranceFields({ form }: { form: PatientFormApi }) {
  const { t } = useTranslation();
  const has = form.values.has_insurance;
  const errorId = useId();
  // Mantine's Checkbox has no error props: render its message ourselves, linked by id.
  const { errorProps: _unused, error, ...checkbox } = bind(form, "has_insurance", { type: "checkbox" });
  return (
    <Fieldset legend={t("form.sections.insurance")}>
      <Stack gap="sm">
        <Checkbox
          label={t("form.insurance.has")}
          {...checkbox}
          error={Boolean(error)}
          aria-invalid={Boolean(error)}
          aria-describedby={error ? errorId : undefined}
        />
        {error ? (
          <Text id={errorId} size="sm" c="var(--mantine-color-error)" data-testid={errorTestIdFor("has_insurance")}>
            {error}
          </Text>
        ) : null}
        {has ? (
          <div className="form-grid">
            {INSURANCE_KEYS.map((k) => (
              <TextInput
                key={k}
                label={t(`form.insurance.${k}`)}
                withAsterisk={k !== "group_number"}
                aria-required={k !== "group_number"}
                {...bind(form, `insurance.${k}`)}
              />
            ))}
          </div>
        ) : null}
      </Stack>
    </Fieldset>
  );
}

/** Language options: the common ones plus whatever the record already has. */
export function languageOptions(current: string, uiLanguage: string) {
  const tags = COMMON_LANGUAGES.includes(current) || current === "" ? COMMON_LANGUAGES : [...COMMON_LANGUAGES, current];
  let names: Intl.DisplayNames | null = null;
  try {
    names = new Intl.DisplayNames([uiLanguage], { type: "language" });
  } catch {
    names = null;
  }
  return tags.map((tag) => {
    let name: string | undefined;
    try {
      name = names?.of(tag);
    } catch {
      name = undefined;
    }
    return { value: tag, label: name && name !== tag ? `${name} (${tag})` : tag };
  });
}

export function PreferencesFields({ form }: { form: PatientFormApi }) {
  const { t, i18n } = useTranslation();
  const channels = CONTACT_CHANNELS.map((c) => ({ value: c, label: t(`channel.${c}`) }));
  return (
    <Fieldset legend={t("form.sections.preferences")}>
      <div className="form-grid">
      <NativeSelect
        label={t("form.preferences.language")}
        data={languageOptions(form.values.preferences.language, i18n.language)}
        {...bind(form, "preferences.language")}
      />
      <NativeSelect
        label={t("form.preferences.contact_channel")}
        data={channels}
        {...bind(form, "preferences.contact_channel")}
      />
      </div>
    </Fieldset>
  );
}
