// A discount or insurance portion input: none, a percentage or an amount, and its value.
import { Group, NativeSelect, TextInput } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { PortionForm } from "./model";

type Props = { label: string; value: PortionForm; onChange: (v: PortionForm) => void; error?: string; testId: string };

export function PortionInput({ label, value, onChange, error, testId }: Props) {
  const { t } = useTranslation();
  return (
    <Group gap={4} align="flex-start" wrap="nowrap">
      <NativeSelect
        aria-label={label}
        value={value.kind}
        onChange={(e) => onChange({ ...value, kind: e.currentTarget.value as PortionForm["kind"] })}
        data={[
          { value: "none", label: t("billing.editor.none") },
          { value: "percent", label: t("billing.editor.percent") },
          { value: "fixed", label: t("billing.editor.fixed") },
        ]}
        w={90}
        data-testid={`${testId}-kind`}
      />
      {value.kind !== "none" ? (
        <TextInput
          aria-label={`${label}: ${t("billing.editor.value")}`}
          value={value.text}
          onChange={(e) => onChange({ ...value, text: e.currentTarget.value })}
          error={error}
          w={100}
          inputMode="decimal"
          data-testid={`${testId}-value`}
        />
      ) : null}
    </Group>
  );
}
