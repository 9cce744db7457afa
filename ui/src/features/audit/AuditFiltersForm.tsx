// The audit report's filter inputs: date range, staff member, patient id, action and
// category. Changes are reported at once; the screen decides when to query.
import { Button, NativeSelect, SimpleGrid, TextInput, VisuallyHidden } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { StaffMember } from "../../bindings/StaffMember";
import { AUDIT_ACTIONS, AUDIT_CATEGORIES, isAuditAction, isAuditCategory } from "../admin/options";
import type { AuditFilters } from "./auditQuery";

type Props = {
  values: AuditFilters;
  onChange: (patch: Partial<AuditFilters>) => void;
  onClear: () => void;
  errors: Partial<Record<keyof AuditFilters, string>>;
  staff: StaffMember[];
};

export function AuditFiltersForm({ values, onChange, onClear, errors, staff }: Props) {
  const { t } = useTranslation();
  return (
    <fieldset style={{ border: 0, margin: 0, padding: 0, minWidth: 0 }}>
      <VisuallyHidden component="legend">{t("admin.audit.filters")}</VisuallyHidden>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="sm">
        <TextInput
          label={t("admin.audit.from")}
          placeholder="2026-01-31"
          value={values.from}
          onChange={(e) => onChange({ from: e.currentTarget.value })}
          error={errors.from}
          errorProps={{ "data-testid": "audit-filter-from-error" }}
          data-testid="audit-filter-from"
          autoComplete="off"
        />
        <TextInput
          label={t("admin.audit.to")}
          placeholder="2026-01-31"
          value={values.to}
          onChange={(e) => onChange({ to: e.currentTarget.value })}
          error={errors.to}
          errorProps={{ "data-testid": "audit-filter-to-error" }}
          data-testid="audit-filter-to"
          autoComplete="off"
        />
        <NativeSelect
          label={t("admin.audit.user")}
          value={values.actorId}
          onChange={(e) => onChange({ actorId: e.currentTarget.value })}
          data={[
            { value: "", label: t("admin.audit.allUsers") },
            ...staff.map((s) => ({ value: s.id, label: `${s.display_name} (${s.username})` })),
          ]}
          error={errors.actorId}
          data-testid="audit-filter-user"
        />
        <TextInput
          label={t("admin.audit.patient")}
          value={values.patientId}
          onChange={(e) => onChange({ patientId: e.currentTarget.value })}
          error={errors.patientId}
          data-testid="audit-filter-patient"
          autoComplete="off"
          spellCheck={false}
        />
        <NativeSelect
          label={t("admin.audit.action")}
          value={values.action}
          onChange={(e) => {
            const v = e.currentTarget.value;
            onChange({ action: isAuditAction(v) ? v : "" });
          }}
          data={[
            { value: "", label: t("admin.audit.allActions") },
            ...AUDIT_ACTIONS.map((a) => ({ value: a, label: t(`admin.audit.actions.${a}`) })),
          ]}
          data-testid="audit-filter-action"
        />
        <NativeSelect
          label={t("admin.audit.category")}
          value={values.category}
          onChange={(e) => {
            const v = e.currentTarget.value;
            onChange({ category: isAuditCategory(v) ? v : "" });
          }}
          data={[
            { value: "", label: t("admin.audit.allCategories") },
            ...AUDIT_CATEGORIES.map((c) => ({ value: c, label: t(`admin.audit.categories.${c}`) })),
          ]}
          data-testid="audit-filter-category"
        />
      </SimpleGrid>
      <Button variant="subtle" size="xs" mt="xs" onClick={onClear} data-testid="audit-clear">
        {t("admin.audit.clear")}
      </Button>
    </fieldset>
  );
}
