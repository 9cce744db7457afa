// The "Appointment types" tab: every type (inactive ones too) with its duration, colour
// and whether it can be booked; administrators add and edit types in `TypeDialog`.
import { Alert, Badge, Button, Center, ColorSwatch, Group, Loader, Stack, Table, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { AppointmentType } from "../../bindings/AppointmentType";
import { toUiError } from "../../shared/uiError";
import { listAppointmentTypes, scheduleKeys } from "../schedule/api";
import { SetupError } from "./SetupError";
import { TypeDialog } from "./TypeDialog";

/** `null`: the dialog is closed; `"new"`: adding. */
type Editing = AppointmentType | "new" | null;

export function TypesTab({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const types = useQuery({ queryKey: scheduleKeys.types(true), queryFn: () => listAppointmentTypes(true) });
  const [editing, setEditing] = useState<Editing>(null);
  const [saved, setSaved] = useState<string | null>(null);

  let body;
  if (types.isPending) {
    body = (
      <Center p="lg">
        <Loader aria-label={t("scheduleSetup.loading")} />
      </Center>
    );
  } else if (types.isError) {
    body = <SetupError error={toUiError(types.error)} testId="types-load-error" title={t("scheduleSetup.errors.loadTitle")} />;
  } else if (types.data.length === 0) {
    body = (
      <Text size="sm" data-testid="types-empty">
        {t("scheduleSetup.types.empty")}
      </Text>
    );
  } else {
    body = (
      <Table data-testid="types-table" aria-label={t("scheduleSetup.types.title")} verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("scheduleSetup.types.col.name")}</Table.Th>
            <Table.Th scope="col">{t("scheduleSetup.types.col.duration")}</Table.Th>
            <Table.Th scope="col">{t("scheduleSetup.types.col.colour")}</Table.Th>
            <Table.Th scope="col">{t("scheduleSetup.types.col.active")}</Table.Th>
            {canEdit ? <Table.Th scope="col">{t("scheduleSetup.col.actions")}</Table.Th> : null}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {types.data.map((type) => (
            <Table.Tr key={type.id} data-testid={`type-row-${type.id}`} data-active={type.active}>
              <Table.Td>{type.name}</Table.Td>
              <Table.Td>{t("scheduleSetup.types.minutes", { count: type.duration_minutes })}</Table.Td>
              <Table.Td>
                <Group gap="xs">
                  <ColorSwatch color={type.colour} size={18} aria-hidden />
                  <Text size="sm" ff="monospace">
                    {type.colour}
                  </Text>
                </Group>
              </Table.Td>
              <Table.Td>
                <Badge color={type.active ? "green" : "gray"} variant="light">
                  {type.active ? t("scheduleSetup.active") : t("scheduleSetup.inactive")}
                </Badge>
              </Table.Td>
              {canEdit ? (
                <Table.Td>
                  <Button
                    size="xs"
                    variant="default"
                    onClick={() => {
                      setSaved(null);
                      setEditing(type);
                    }}
                    aria-label={t("scheduleSetup.editOf", { name: type.name })}
                    data-testid={`type-edit-${type.id}`}
                  >
                    {t("scheduleSetup.edit")}
                  </Button>
                </Table.Td>
              ) : null}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    );
  }

  return (
    <Stack gap="sm">
      {canEdit ? (
        <Group>
          <Button
            onClick={() => {
              setSaved(null);
              setEditing("new");
            }}
            data-testid="type-add"
          >
            {t("scheduleSetup.types.add")}
          </Button>
        </Group>
      ) : (
        <Text size="sm" c="dimmed">
          {t("scheduleSetup.readOnlyAdmin")}
        </Text>
      )}
      {saved ? (
        <Alert color="green" role="status" data-testid="type-saved">
          {t("scheduleSetup.savedName", { name: saved })}
        </Alert>
      ) : null}
      {body}
      {editing ? (
        <TypeDialog
          type={editing === "new" ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={(type) => {
            setEditing(null);
            setSaved(type.name);
          }}
        />
      ) : null}
    </Stack>
  );
}
