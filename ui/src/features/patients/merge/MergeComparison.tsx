// Step two of a merge: the two records side by side (name, date of birth, sex, phone,
// email, address, MRN; rows that differ are marked) and the choice of the record that
// survives.
import { Badge, Group, Radio, Stack, Table } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { Patient } from "../../../bindings/Patient";
import { ADDRESS_KEYS } from "../form/formModel";
import { formatName } from "../format";

export type Survivor = "current" | "other";

type Props = {
  current: Patient;
  other: Patient;
  survivor: Survivor;
  onSurvivor: (s: Survivor) => void;
  disabled: boolean;
};

const FIELDS = ["name", "dob", "sex", "phone", "email", "address", "mrn"] as const;
type Field = (typeof FIELDS)[number];

export function MergeComparison({ current, other, survivor, onSurvivor, disabled }: Props) {
  const { t } = useTranslation();
  const none = t("profile.notRecorded");
  const label: Record<Field, string> = {
    name: t("patients.merge.name"),
    dob: t("profile.dob"),
    sex: t("form.sex"),
    phone: t("form.phone"),
    email: t("form.email"),
    address: t("form.sections.address"),
    mrn: t("profile.mrn"),
  };
  const value = (p: Patient, f: Field): string => {
    const d = p.details;
    switch (f) {
      case "name":
        return formatName(d);
      case "dob":
        return d.date_of_birth;
      case "sex":
        return d.sex ? t(`sex.${d.sex}`) : none;
      case "phone":
        return d.phone.trim() || none;
      case "email":
        return d.email.trim() || none;
      case "address":
        return ADDRESS_KEYS.map((k) => d.address[k].trim()).filter(Boolean).join(", ") || none;
      case "mrn":
        return p.mrn;
    }
  };

  return (
    <Stack gap="sm">
      <Table withTableBorder withColumnBorders aria-label={t("patients.merge.compareLabel")} data-testid="merge-compare">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("patients.merge.field")}</Table.Th>
            <Table.Th scope="col">{t("patients.merge.thisRecord")}</Table.Th>
            <Table.Th scope="col">{t("patients.merge.otherRecord")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {FIELDS.map((f) => {
            const [a, b] = [value(current, f), value(other, f)];
            const differs = f !== "mrn" && a !== b;
            return (
              <Table.Tr key={f} data-differs={differs ? "true" : undefined}>
                <Table.Th scope="row">
                  <Group gap={6} wrap="nowrap">
                    {label[f]}
                    {differs ? (
                      <Badge size="xs" color="orange" variant="light">
                        {t("patients.merge.differs")}
                      </Badge>
                    ) : null}
                  </Group>
                </Table.Th>
                <Table.Td data-testid={`merge-current-${f}`}>{a}</Table.Td>
                <Table.Td data-testid={`merge-other-${f}`}>{b}</Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      <Radio.Group
        label={t("patients.merge.survivorLegend")}
        value={survivor}
        onChange={(v) => onSurvivor(v === "other" ? "other" : "current")}
      >
        <Stack gap={6} mt={6}>
          <Radio
            value="current"
            disabled={disabled}
            label={t("patients.merge.keepCurrent", { mrn: current.mrn })}
            data-testid="merge-survivor-current"
          />
          <Radio
            value="other"
            disabled={disabled}
            label={t("patients.merge.keepOther", { mrn: other.mrn })}
            data-testid="merge-survivor-other"
          />
        </Stack>
      </Radio.Group>
    </Stack>
  );
}
