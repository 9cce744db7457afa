// The inputs of the add/edit dialog for one kind of entry: text inputs, dates as
// `YYYY-MM-DD` text (keyboard-first, like the registration form), the allergy severity
// as a native select and a plan's description as a textarea. Each error shows under
// its input (`chart-error-<field>`).
import { NativeSelect, Textarea, TextInput } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { ChartEntryKind } from "../../bindings/ChartEntryKind";
import { DATE_FIELDS, FIELDS, REQUIRED, SEVERITIES, type ChartField, type EntryValues } from "./model";

type Props = {
  kind: ChartEntryKind;
  values: EntryValues;
  errors: Partial<Record<ChartField, string>>;
  onChange: (field: ChartField, value: string) => void;
};

export function EntryFields({ kind, values, errors, onChange }: Props) {
  const { t } = useTranslation();
  return (
    <div className="form-grid">
      {FIELDS[kind].map((field: ChartField) => {
        const common = {
          label: t(`chart.field.${field}`),
          value: values[field] ?? "",
          error: errors[field],
          errorProps: { "data-testid": `chart-error-${field}` },
          "data-testid": `chart-field-${field}`,
          "data-autofocus": field === REQUIRED[kind] ? true : undefined,
        };
        if (field === "severity") {
          return (
            <NativeSelect
              key={field}
              {...common}
              onChange={(e) => onChange(field, e.currentTarget.value)}
              data={[
                { value: "", label: t("chart.severity.none") },
                ...SEVERITIES.map((s) => ({ value: s, label: t(`chart.severity.${s}`) })),
              ]}
            />
          );
        }
        if (field === "description") {
          return (
            <Textarea
              key={field}
              {...common}
              className="form-grid-wide"
              rows={5}
              onChange={(e) => onChange(field, e.currentTarget.value)}
            />
          );
        }
        const isDate = DATE_FIELDS.includes(field);
        const required = field === REQUIRED[kind];
        return (
          <TextInput
            key={field}
            {...common}
            onChange={(e) => onChange(field, e.currentTarget.value)}
            description={
              isDate
                ? t(field === "stop_date" ? "chart.help.stop_date" : "chart.help.date")
                : field === "icd10_code"
                  ? t("chart.help.icd10_code")
                  : undefined
            }
            placeholder={isDate ? "YYYY-MM-DD" : undefined}
            inputMode={isDate ? "numeric" : undefined}
            autoComplete="off"
            spellCheck={field === "icd10_code" || isDate ? false : undefined}
            withAsterisk={required}
            aria-required={required || undefined}
          />
        );
      })}
    </div>
  );
}
