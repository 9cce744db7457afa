// The "Rooms" tab: every room (inactive ones too); administrators add and rename rooms
// and switch them on or off in `RoomDialog` (field errors under their inputs, input
// kept; an edit conflict offers a reload).
import { Alert, Badge, Button, Center, Group, Loader, Modal, Stack, Switch, Table, Text, TextInput } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { Room } from "../../bindings/Room";
import type { SaveRoom } from "../../bindings/SaveRoom";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { listRooms, saveRoom, scheduleKeys } from "../schedule/api";
import { splitFieldErrors } from "./model";
import { SetupError } from "./SetupError";

const ROOMS_KEY = ["schedule", "rooms"] as const;

export function RoomsTab({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const rooms = useQuery({ queryKey: scheduleKeys.rooms(true), queryFn: () => listRooms(true) });
  const [editing, setEditing] = useState<Room | "new" | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const open = (room: Room | "new") => {
    setSaved(null);
    setEditing(room);
  };

  let body;
  if (rooms.isPending) {
    body = (
      <Center p="lg">
        <Loader aria-label={t("scheduleSetup.loading")} />
      </Center>
    );
  } else if (rooms.isError) {
    body = <SetupError error={toUiError(rooms.error)} testId="rooms-load-error" title={t("scheduleSetup.errors.loadTitle")} />;
  } else if (rooms.data.length === 0) {
    body = (
      <Text size="sm" data-testid="rooms-empty">
        {t("scheduleSetup.rooms.empty")}
      </Text>
    );
  } else {
    body = (
      <Table data-testid="rooms-table" aria-label={t("scheduleSetup.rooms.title")} verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("scheduleSetup.rooms.col.name")}</Table.Th>
            <Table.Th scope="col">{t("scheduleSetup.rooms.col.active")}</Table.Th>
            {canEdit ? <Table.Th scope="col">{t("scheduleSetup.col.actions")}</Table.Th> : null}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rooms.data.map((room) => (
            <Table.Tr key={room.id} data-testid={`room-row-${room.id}`} data-active={room.active}>
              <Table.Td>{room.name}</Table.Td>
              <Table.Td>
                <Badge color={room.active ? "green" : "gray"} variant="light">
                  {room.active ? t("scheduleSetup.active") : t("scheduleSetup.inactive")}
                </Badge>
              </Table.Td>
              {canEdit ? (
                <Table.Td>
                  <Button
                    size="xs"
                    variant="default"
                    onClick={() => open(room)}
                    aria-label={t("scheduleSetup.editOf", { name: room.name })}
                    data-testid={`room-edit-${room.id}`}
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
          <Button onClick={() => open("new")} data-testid="room-add">
            {t("scheduleSetup.rooms.add")}
          </Button>
        </Group>
      ) : (
        <Text size="sm" c="dimmed">
          {t("scheduleSetup.readOnlyAdmin")}
        </Text>
      )}
      {saved ? (
        <Alert color="green" role="status" data-testid="room-saved">
          {t("scheduleSetup.savedName", { name: saved })}
        </Alert>
      ) : null}
      {body}
      {editing ? (
        <RoomDialog
          room={editing === "new" ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={(room) => {
            setEditing(null);
            setSaved(room.name);
          }}
        />
      ) : null}
    </Stack>
  );
}

type DialogProps = { room: Room | null; onClose: () => void; onSaved: (room: Room) => void };

function RoomDialog({ room, onClose, onSaved }: DialogProps) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [name, setName] = useState(room?.name ?? "");
  const [active, setActive] = useState(room?.active ?? true);
  const [nameProblem, setNameProblem] = useState<string | null>(null);
  const save = useMutation<Room, UiError, SaveRoom>({
    mutationFn: (r) => saveRoom(r).catch((e: unknown) => Promise.reject(toUiError(e))),
    onSuccess: async (saved) => {
      await client.invalidateQueries({ queryKey: ROOMS_KEY });
      onSaved(saved);
    },
  });
  const server = splitFieldErrors(save.error, ["name", "active"]);
  const close = () => {
    if (!save.isPending) onClose();
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (save.isPending) return;
    if (name.trim() === "") {
      setNameProblem(t("scheduleSetup.nameRequired"));
      save.reset();
      return;
    }
    save.mutate({ id: room?.id ?? null, expected_version: room ? room.version : null, name: name.trim(), active });
  };

  return (
    <Modal
      opened
      // Scroll locking injects a <style> element, which the strict CSP refuses.
      lockScroll={false}
      onClose={close}
      title={room ? t("scheduleSetup.rooms.editTitle") : t("scheduleSetup.rooms.addTitle")}
      closeButtonProps={{ "aria-label": t("scheduleSetup.cancel") }}
    >
      <form onSubmit={onSubmit} noValidate data-testid="room-dialog" aria-busy={save.isPending}>
        <Stack gap="sm">
          {server.rest ? (
            <SetupError
              error={server.rest}
              testId="room-save-error"
              onReload={() => {
                void client.invalidateQueries({ queryKey: ROOMS_KEY });
                onClose();
              }}
            />
          ) : null}
          <TextInput
            label={t("scheduleSetup.rooms.name")}
            value={name}
            onChange={(e) => {
              setName(e.currentTarget.value);
              setNameProblem(null);
            }}
            error={nameProblem ?? server.byField.name}
            errorProps={{ "data-testid": "room-name-error" }}
            withAsterisk
            aria-required
            autoComplete="off"
            data-autofocus
            data-testid="room-name"
          />
          <Switch
            label={t("scheduleSetup.rooms.activeLabel")}
            checked={active}
            onChange={(e) => setActive(e.currentTarget.checked)}
            error={server.byField.active}
            data-testid="room-active"
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={save.isPending} data-testid="room-cancel">
              {t("scheduleSetup.cancel")}
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="room-save">
              {save.isPending ? t("scheduleSetup.saving") : t("scheduleSetup.save")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
