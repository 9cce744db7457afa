// The staff accounts table: name, username, a role select, status, authenticator, and the
// row actions (Disable / Re-enable, Reset password, and Remove authenticator when the
// member has one). It only reports what was asked for; `StaffScreen` runs the commands.
import { Badge, Button, Group, NativeSelect, Table } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { Role } from "../../bindings/Role";
import type { StaffMember } from "../../bindings/StaffMember";
import { isRole, ROLES } from "./options";

export type StaffAction =
  | { kind: "role"; member: StaffMember; role: Role }
  | { kind: "disabled"; member: StaffMember; disabled: boolean }
  | { kind: "reset_password"; member: StaffMember }
  | { kind: "reset_totp"; member: StaffMember };

type Props = {
  staff: StaffMember[];
  /** The row whose change is being saved (its controls are disabled). */
  busyId?: string;
  onAction: (action: StaffAction) => void;
};

export function StaffTable({ staff, busyId, onAction }: Props) {
  const { t } = useTranslation();
  return (
    <Table data-testid="staff-table" aria-label={t("admin.staff.tableLabel")} verticalSpacing="xs">
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">{t("admin.staff.col.name")}</Table.Th>
          <Table.Th scope="col">{t("admin.staff.col.username")}</Table.Th>
          <Table.Th scope="col">{t("admin.staff.col.role")}</Table.Th>
          <Table.Th scope="col">{t("admin.staff.col.status")}</Table.Th>
          <Table.Th scope="col">{t("admin.staff.col.authenticator")}</Table.Th>
          <Table.Th scope="col">{t("admin.staff.col.actions")}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {staff.map((m) => (
          <StaffRow key={m.id} member={m} busy={busyId === m.id} onAction={onAction} />
        ))}
      </Table.Tbody>
    </Table>
  );
}

function StaffRow({ member: m, busy, onAction }: { member: StaffMember; busy: boolean; onAction: Props["onAction"] }) {
  const { t } = useTranslation();
  const name = m.display_name;
  return (
    <Table.Tr data-testid={`staff-row-${m.username}`} data-disabled={m.disabled}>
      <Table.Td>{name}</Table.Td>
      <Table.Td>{m.username}</Table.Td>
      <Table.Td>
        <NativeSelect
          aria-label={t("admin.staff.roleOf", { name })}
          value={m.role}
          disabled={busy}
          onChange={(e) => {
            const role = e.currentTarget.value;
            if (isRole(role) && role !== m.role) onAction({ kind: "role", member: m, role });
          }}
          data={ROLES.map((r) => ({ value: r, label: t(`admin.role.${r}`) }))}
          data-testid={`staff-role-${m.username}`}
          size="xs"
        />
      </Table.Td>
      <Table.Td>
        <Badge color={m.disabled ? "gray" : "green"} variant="light" data-testid={`staff-status-${m.username}`}>
          {m.disabled ? t("admin.staff.disabled") : t("admin.staff.enabled")}
        </Badge>
      </Table.Td>
      <Table.Td data-testid={`staff-totp-${m.username}`}>
        {m.totp_enabled ? t("admin.staff.yes") : t("admin.staff.no")}
      </Table.Td>
      <Table.Td>
        <Group gap="xs" wrap="wrap">
          {m.disabled ? (
            <Button
              size="xs"
              variant="default"
              disabled={busy}
              aria-label={t("admin.staff.enableLabel", { name })}
              data-testid={`staff-enable-${m.username}`}
              onClick={() => onAction({ kind: "disabled", member: m, disabled: false })}
            >
              {t("admin.staff.enable")}
            </Button>
          ) : (
            <Button
              size="xs"
              variant="outline"
              color="red"
              disabled={busy}
              aria-label={t("admin.staff.disableLabel", { name })}
              data-testid={`staff-disable-${m.username}`}
              onClick={() => onAction({ kind: "disabled", member: m, disabled: true })}
            >
              {t("admin.staff.disable")}
            </Button>
          )}
          <Button
            size="xs"
            variant="default"
            disabled={busy}
            aria-label={t("admin.staff.resetPassword.openLabel", { name })}
            data-testid={`staff-reset-password-${m.username}`}
            onClick={() => onAction({ kind: "reset_password", member: m })}
          >
            {t("admin.staff.resetPassword.open")}
          </Button>
          {m.totp_enabled ? (
            <Button
              size="xs"
              variant="default"
              disabled={busy}
              aria-label={t("admin.staff.resetTotp.openLabel", { name })}
              data-testid={`staff-reset-totp-${m.username}`}
              onClick={() => onAction({ kind: "reset_totp", member: m })}
            >
              {t("admin.staff.resetTotp.open")}
            </Button>
          ) : null}
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}
