// The inputs of the kiosk's details form (contact, address, insurance), large and
// labelled, each showing its own error. Controlled: the visit step owns the values.
import { Fieldset, Stack, Text, TextInput } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { DetailsField, DetailsForm } from "./model";

type Props = {
  form: DetailsForm;
  errors: Partial<Record<DetailsField, string>>;
  disabled: boolean;
  onChange: (field: DetailsField, value: string) => void;
};

type Spec = {
  field: DetailsField;
  label: string;
  testId: string;
  type?: "tel" | "email";
  inputMode?: "tel" | "email" | "text";
};

export function DetailsFields({ form, errors, disabled, onChange }: Props) {
  const { t } = useTranslation();
  const input = ({ field, label, testId, type, inputMode }: Spec) => (
    <TextInput
      key={field}
      size="lg"
      label={label}
      value={form[field]}
      onChange={(e) => onChange(field, e.currentTarget.value)}
      error={errors[field]}
      disabled={disabled}
      type={type ?? "text"}
      inputMode={inputMode}
      autoComplete="off"
      spellCheck={false}
      data-testid={testId}
    />
  );
  return (
    <Stack gap="lg">
      <Fieldset legend={t("kiosk.visit.contact")} className="kiosk-fieldset">
        <div className="kiosk-grid">
          {input({ field: "phone", label: t("kiosk.visit.phone"), testId: "kiosk-phone", type: "tel", inputMode: "tel" })}
          {input({ field: "email", label: t("kiosk.visit.email"), testId: "kiosk-email", type: "email", inputMode: "email" })}
        </div>
      </Fieldset>
      <Fieldset legend={t("kiosk.visit.address")} className="kiosk-fieldset">
        <div className="kiosk-grid">
          {input({ field: "line1", label: t("kiosk.visit.line1"), testId: "kiosk-address-line1" })}
          {input({ field: "line2", label: t("kiosk.visit.line2"), testId: "kiosk-address-line2" })}
          {input({ field: "city", label: t("kiosk.visit.city"), testId: "kiosk-city" })}
          {input({ field: "region", label: t("kiosk.visit.region"), testId: "kiosk-region" })}
          {input({ field: "postalCode", label: t("kiosk.visit.postalCode"), testId: "kiosk-postal-code" })}
          {input({ field: "country", label: t("kiosk.visit.country"), testId: "kiosk-country" })}
        </div>
      </Fieldset>
      <Fieldset legend={t("kiosk.visit.insurance")} className="kiosk-fieldset">
        <Text className="kiosk-hint" mb="sm">
          {t("kiosk.visit.insuranceHint")}
        </Text>
        <div className="kiosk-grid">
          {input({ field: "payer", label: t("kiosk.visit.payer"), testId: "kiosk-insurance-payer" })}
          {input({ field: "memberId", label: t("kiosk.visit.memberId"), testId: "kiosk-insurance-member" })}
          {input({ field: "groupNumber", label: t("kiosk.visit.groupNumber"), testId: "kiosk-insurance-group" })}
        </div>
      </Fieldset>
    </Stack>
  );
}
