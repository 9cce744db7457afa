// The filters above a patient's document list: type, from/to document dates
// (YYYY-MM-DD; a malformed date is flagged here and left out of the query), keywords
// (the caller debounces them) and "Show entered in error". `toFilters` turns what is
// typed into the list query's filters.
import { NativeSelect, Switch, TextInput } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { DocumentType } from "../../bindings/DocumentType";
import { isIsoDate } from "../patients/form/validation";
import type { DocumentFilters } from "./api";
import { DOCUMENT_TYPES, isDocumentType } from "./model";

export type FilterValues = {
  type: DocumentType | "";
  from: string;
  to: string;
  keywords: string;
  includeError: boolean;
};

export const EMPTY_FILTERS: FilterValues = { type: "", from: "", to: "", keywords: "", includeError: false };

const dateOk = (s: string) => s.trim() === "" || isIsoDate(s.trim());
const dateOrNull = (s: string) => (s.trim() !== "" && isIsoDate(s.trim()) ? s.trim() : null);

/** The query's filters: malformed dates are left out, keywords as given (already debounced). */
export function toFilters(v: FilterValues, keywords: string): DocumentFilters {
  return {
    type: v.type === "" ? null : v.type,
    from: dateOrNull(v.from),
    to: dateOrNull(v.to),
    keywords: keywords.trim(),
    include_entered_in_error: v.includeError,
  };
}

/** True when anything narrows the list (for the empty-state text). */
export function isFiltered(f: DocumentFilters): boolean {
  return f.type !== null || f.from !== null || f.to !== null || f.keywords !== "";
}

type Props = {
  values: FilterValues;
  onChange: (next: FilterValues) => void;
  /** The shell's complaints about `from` / `to`, if any. */
  serverErrors?: Record<string, string>;
};

export function DocumentFiltersBar({ values, onChange, serverErrors = {} }: Props) {
  const { t } = useTranslation();
  const set = <K extends keyof FilterValues>(key: K, value: FilterValues[K]) => onChange({ ...values, [key]: value });
  // A date being typed is only flagged once complete or left.
  const [left, setLeft] = useState<Record<"from" | "to", boolean>>({ from: false, to: false });
  const dateError = (field: "from" | "to") =>
    dateOk(values[field]) || (!left[field] && values[field].trim().length < 10)
      ? serverErrors[field]
      : t("documents.filters.badDate");
  const dateProps = (field: "from" | "to") => ({
    value: values[field],
    onChange: (e: { currentTarget: HTMLInputElement }) => {
      set(field, e.currentTarget.value);
      setLeft((prev) => ({ ...prev, [field]: false }));
    },
    onBlur: () => setLeft((prev) => ({ ...prev, [field]: true })),
    error: dateError(field),
    errorProps: { "data-testid": `documents-filter-${field}-error` },
    autoComplete: "off",
    "data-testid": `documents-filter-${field}`,
  });

  return (
    <div className="form-grid" role="search" aria-label={t("documents.filters.label")}>
      <NativeSelect
        label={t("documents.filters.type")}
        value={values.type}
        onChange={(e) => {
          const next = e.currentTarget.value;
          set("type", isDocumentType(next) ? next : "");
        }}
        data={[
          { value: "", label: t("documents.filters.allTypes") },
          ...DOCUMENT_TYPES.map((v) => ({ value: v, label: t(`documents.type.${v}`) })),
        ]}
        data-testid="documents-filter-type"
      />
      <TextInput
        label={t("documents.filters.from")}
        placeholder={t("documents.filters.dateHelp")}
        {...dateProps("from")}
      />
      <TextInput
        label={t("documents.filters.to")}
        placeholder={t("documents.filters.dateHelp")}
        {...dateProps("to")}
      />
      <TextInput
        type="search"
        label={t("documents.filters.search")}
        placeholder={t("documents.filters.searchPlaceholder")}
        value={values.keywords}
        onChange={(e) => set("keywords", e.currentTarget.value)}
        autoComplete="off"
        data-testid="documents-search"
      />
      <Switch
        label={t("documents.filters.includeError")}
        checked={values.includeError}
        onChange={(e) => set("includeError", e.currentTarget.checked)}
        data-testid="documents-filter-include-error"
      />
    </div>
  );
}
