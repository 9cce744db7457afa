// "Share with a colleague", inside the document viewer: the enabled doctors and nurses
// of the clinic (`list_colleagues`, the signed-in member left out) in a native select,
// and an optional note. The shell's `staff_id` complaint ("Share with an active doctor
// or nurse", "Choose someone else") shows under the select; the choice and note stay on
// any error.
import { Button, Center, Group, Loader, NativeSelect, Paper, Stack, Textarea, Title } from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useContext, useEffect, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { DocumentInfo } from "../../bindings/DocumentInfo";
import type { StaffMember } from "../../bindings/StaffMember";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { splitErrors } from "../admin/format";
import { ChartError } from "../chart/ChartError";
import { SessionContext } from "../session/SessionContext";
import { documentsKeys, listColleagues, shareDocument } from "./api";

type Props = {
  info: DocumentInfo;
  onCancel: () => void;
  /** After the share was saved, with the colleague's name. */
  onShared: (name: string) => void;
};

export function ShareForm({ info, onCancel, onShared }: Props) {
  const { t } = useTranslation();
  const self = useContext(SessionContext)?.staff_id;
  const colleagues = useQuery({ queryKey: documentsKeys.colleagues, queryFn: listColleagues });
  const [staffId, setStaffId] = useState("");
  const [note, setNote] = useState("");
  const [localError, setLocalError] = useState<string | null>(null);
  const selectRef = useRef<HTMLSelectElement>(null);
  useEffect(() => {
    if (colleagues.isSuccess) selectRef.current?.focus();
  }, [colleagues.isSuccess]);

  const save = useMutation<null, UiError, StaffMember>({
    mutationFn: (member) =>
      shareDocument({ id: info.id, staff_id: member.id, note: note.trim() }).catch((e: unknown) =>
        Promise.reject(toUiError(e)),
      ),
    onSuccess: (_, member) => onShared(member.display_name || member.username),
  });

  const others = (colleagues.data ?? []).filter((m) => m.id !== self && !m.disabled);
  const server = splitErrors(save.error, ["staff_id", "note"]);
  const staffError = localError ?? server.byField.staff_id;
  const titleId = "document-share-title";

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (save.isPending) return;
    const member = others.find((m) => m.id === staffId);
    if (!member) {
      save.reset();
      setLocalError(t("documents.share.chooseError"));
      return;
    }
    setLocalError(null);
    save.mutate(member);
  };

  const roleLabel = (m: StaffMember) =>
    m.role === "doctor" || m.role === "nurse" ? t(`documents.role.${m.role}`) : t("documents.role.other");

  let select;
  if (colleagues.isPending) {
    select = (
      <Center p="xs">
        <Loader size="sm" aria-label={t("documents.share.loadingColleagues")} />
      </Center>
    );
  } else if (colleagues.isError) {
    select = (
      <ChartError
        error={toUiError(colleagues.error)}
        testId="document-share-colleagues-error"
        title={t("documents.share.colleaguesError")}
      />
    );
  } else {
    select = (
      <NativeSelect
        label={t("documents.share.staff")}
        description={others.length === 0 ? t("documents.share.noColleagues") : undefined}
        value={staffId}
        onChange={(e) => {
          setStaffId(e.currentTarget.value);
          setLocalError(null);
        }}
        data={[
          { value: "", label: t("documents.share.choose") },
          ...others.map((m) => ({
            value: m.id,
            label: t("documents.share.option", { name: m.display_name || m.username, role: roleLabel(m) }),
          })),
        ]}
        error={staffError}
        errorProps={{ "data-testid": "document-share-error" }}
        withAsterisk
        aria-required
        ref={selectRef}
        data-testid="document-share-staff"
      />
    );
  }

  return (
    <Paper withBorder p="sm" component="section" aria-labelledby={titleId} data-testid="document-share-dialog">
      <form onSubmit={onSubmit} noValidate aria-busy={save.isPending}>
        <Stack gap="sm">
          <Title order={3} size="h5" id={titleId}>
            {t("documents.share.title")}
          </Title>
          {server.rest ? (
            <ChartError
              error={server.rest}
              testId={staffError ? "document-share-failed" : "document-share-error"}
              title={t("documents.share.errorTitle")}
            />
          ) : null}
          {select}
          <Textarea
            label={t("documents.share.note")}
            description={t("documents.share.noteHelp")}
            value={note}
            onChange={(e) => setNote(e.currentTarget.value)}
            error={server.byField.note}
            errorProps={{ "data-testid": "document-share-error-note" }}
            rows={2}
            data-testid="document-share-note"
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onCancel} disabled={save.isPending} data-testid="document-share-cancel">
              {t("documents.share.cancel")}
            </Button>
            <Button
              type="submit"
              loading={save.isPending}
              disabled={!colleagues.isSuccess}
              data-testid="document-share-submit"
            >
              {save.isPending ? t("documents.share.sharing") : t("documents.share.submit")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
