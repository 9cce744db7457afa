// Staff accounts (administrators): the list with each account's role, status and
// authenticator, a role select and Disable/Re-enable per row, and the create form.
import { Alert, Badge, Button, Center, Loader, NativeSelect, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { StaffMember } from "../../bindings/StaffMember";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { adminKeys, listStaff, setStaffDisabled, setStaffRole } from "./api";
import { CommandError } from "./CommandError";
import { isRole, ROLES } from "./options";
import { StaffCreateForm } from "./StaffCreateForm";

type Change =
  | { kind: "role"; member: StaffMember; role: StaffMember["role"] }
  | { kind: "disabled"; member: StaffMember; disabled: boolean };

function applyChange(change: Change): Promise<StaffMember> {
  const staff_id = change.member.id;
  const call =
    change.kind === "role"
      ? setStaffRole({ staff_id, role: change.role })
      : setStaffDisabled({ staff_id, disabled: change.disabled });
  return call.catch((e: unknown) => Promise.reject(toUiError(e)));
}

export function StaffScreen() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const query = useQuery({ queryKey: adminKeys.staff, queryFn: listStaff });
  const [changed, setChanged] = useState<StaffMember | null>(null);

  const mutation = useMutation<StaffMember, UiError, Change>({
    mutationFn: applyChange,
    onMutate: () => setChanged(null),
    onSuccess: (member) => {
      client.setQueryData<StaffMember[]>(adminKeys.staff, (list) =>
        list?.map((m) => (m.id === member.id ? member : m)),
      );
      setChanged(member);
    },
  });
  const busyId = mutation.isPending ? mutation.variables?.member.id : undefined;

  let body;
  if (query.isPending) {
    body = (
      <Center p="lg">
        <Loader aria-label={t("admin.staff.loading")} data-testid="staff-loading" />
      </Center>
    );
  } else if (query.isError) {
    body = <CommandError error={toUiError(query.error)} testId="staff-load-error" />;
  } else if (query.data.length === 0) {
    body = <Text size="sm">{t("admin.staff.empty")}</Text>;
  } else {
    body = (
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
          {query.data.map((m) => (
            <Table.Tr key={m.id} data-testid={`staff-row-${m.username}`} data-disabled={m.disabled}>
              <Table.Td>{m.display_name}</Table.Td>
              <Table.Td>{m.username}</Table.Td>
              <Table.Td>
                <NativeSelect
                  aria-label={t("admin.staff.roleOf", { name: m.display_name })}
                  value={m.role}
                  disabled={busyId === m.id}
                  onChange={(e) => {
                    const role = e.currentTarget.value;
                    if (isRole(role) && role !== m.role) mutation.mutate({ kind: "role", member: m, role });
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
              <Table.Td>{m.totp_enabled ? t("admin.staff.yes") : t("admin.staff.no")}</Table.Td>
              <Table.Td>
                {m.disabled ? (
                  <Button
                    size="xs"
                    variant="default"
                    disabled={busyId === m.id}
                    aria-label={t("admin.staff.enableLabel", { name: m.display_name })}
                    data-testid={`staff-enable-${m.username}`}
                    onClick={() => mutation.mutate({ kind: "disabled", member: m, disabled: false })}
                  >
                    {t("admin.staff.enable")}
                  </Button>
                ) : (
                  <Button
                    size="xs"
                    variant="outline"
                    color="red"
                    disabled={busyId === m.id}
                    aria-label={t("admin.staff.disableLabel", { name: m.display_name })}
                    data-testid={`staff-disable-${m.username}`}
                    onClick={() => mutation.mutate({ kind: "disabled", member: m, disabled: true })}
                  >
                    {t("admin.staff.disable")}
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    );
  }

  return (
    <Stack gap="md">
      <Title order={1} size="h2">
        {t("admin.staff.title")}
      </Title>
      {mutation.error ? (
        <CommandError error={mutation.error} testId="staff-error" title={t("admin.staff.errorTitle")} />
      ) : null}
      {changed ? (
        <Alert color="green" role="status" data-testid="staff-changed">
          {t("admin.staff.changed", { name: changed.display_name })}
        </Alert>
      ) : null}
      {body}
      <StaffCreateForm />
    </Stack>
  );
}
