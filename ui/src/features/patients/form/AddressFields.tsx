import { Fieldset, TextInput } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { ADDRESS_KEYS } from "./formModel";
import { bind, type PatientFormApi } from "./usePatientForm";

const AUTOCOMPLETE = {
  line1: "address-line1",
  line2: "address-line2",
  city: "address-level2",
  region: "address-level1",
  postal_code: "postal-code",
  country: "country",
} as const;

export function AddressFields({ form }: { form: PatientFormApi }) {
  const { t } = useTranslation();
  return (
    <Fieldset legend={t("form.sections.address")}>
      <div className="form-grid">
      {ADDRESS_KEYS.map((k) => (
        <TextInput
          key={k}
          label={t(`form.address.${k}`)}
          autoComplete={AUTOCOMPLETE[k]}
          {...bind(form, `address.${k}`)}
        />
      ))}
      </div>
    </Fieldset>
  );
}
