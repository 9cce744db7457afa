// Staff accounts (administrators): the list (`StaffTable`) with each account's role,
// status and authenticator; a role change and Disable/Re-enable per row, saved at once;
// "Reset password" and "Remove authenticator" per row, through their dialogs; and the
// create form. Errors of a row change show here, those of a dialog in the dialog.
import { Alert, Center, Loader, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useContext, useState } from "react";
import { useTranslation } from "react-i18next";
import type { StaffMember } from "../../bindings/StaffMember";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { SessionContext } from "../session/SessionContext";
import { adminKeys, listStaff, setStaffDisabled, setStaffRole } from "./api";
import { CommandError } from "./CommandError";
import { ResetPasswordDialog } from "./ResetPasswordDialog";
import { ResetTotpDialog } from "./ResetTotpDialog";
import { StaffCreateForm } from "./StaffCreateForm";
import { StaffTable, type StaffAction } from "./StaffTable";

type Change = Extract<StaffAction, { kind: "role" | "disabled" }>;
type Dialog = Extract<StaffAction, { kind: "reset_password" | "reset_totp" }>;
/** What the last successful change was, for the confirmation above the table. */
type Notice = { kind: "changed" | "password_reset" | "totp_reset"; member: StaffMember };

const NOTICE_TEST_IDS: Record<Notice["kind"], string> = {
  changed: "staff-changed",
  password_reset: "staff-password-reset",
  totp_reset: "staff-totp-reset",
};

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
  // Read without `useSession()`: the screen also renders on its own (tests).
  const selfId = useContext(SessionContext)?.staff_id;
  const query = useQuery({ queryKey: adminKeys.staff, queryFn: listStaff });
  const [notice, setNotice] = useState<Notice | null>(null);
  const [dialog, setDialog] = useState<Dialog | null>(null);

  const replaceMember = (member: StaffMember) =>
    client.setQueryData<StaffMember[]>(adminKeys.staff, (list) => list?.map((m) => (m.id === member.id ? member : m)));

  const mutation = useMutation<StaffMember, UiError, Change>({
    mutationFn: applyChange,
    onMutate: () => setNotice(null),
    onSuccess: (member) => {
      replaceMember(member);
      setNotice({ kind: "changed", member });
    },
  });
  const busyId = mutation.isPending ? mutation.variables?.member.id : undefined;

  const onAction = (action: StaffAction) => {
    if (action.kind === "role" || action.kind === "disabled") {
      mutation.mutate(action);
      return;
    }
    mutation.reset();
    setNotice(null);
    setDialog(action);
  };

  const finish = (kind: Notice["kind"]) => (member: StaffMember) => {
    replaceMember(member);
    setDialog(null);
    setNotice({ kind, member });
    // Removing one's own authenticator ends the session at the next command: make that
    // command now, so the session gate goes to sign-in at once.
    if (kind === "totp_reset" && member.id === selfId) void client.invalidateQueries({ queryKey: adminKeys.staff });
  };

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
    body = <StaffTable staff={query.data} busyId={busyId} onAction={onAction} />;
  }

  return (
    <Stack gap="md">
      <Title order={1} size="h2">
        {t("admin.staff.title")}
      </Title>
      {mutation.error ? (
        <CommandError error={mutation.error} testId="staff-error" title={t("admin.staff.errorTitle")} />
      ) : null}
      {notice ? (
        <Alert color="green" role="status" data-testid={NOTICE_TEST_IDS[notice.kind]}>
          {notice.kind === "changed"
            ? t("admin.staff.changed", { name: notice.member.display_name })
            : notice.kind === "password_reset"
              ? t("admin.staff.resetPassword.done", { name: notice.member.display_name })
              : t("admin.staff.resetTotp.done", { name: notice.member.display_name })}
        </Alert>
      ) : null}
      {body}
      <StaffCreateForm />
      {dialog?.kind === "reset_password" ? (
        <ResetPasswordDialog
          key={dialog.member.id}
          member={dialog.member}
          onClose={() => setDialog(null)}
          onDone={finish("password_reset")}
        />
      ) : null}
      {dialog?.kind === "reset_totp" ? (
        <ResetTotpDialog
          key={dialog.member.id}
          member={dialog.member}
          self={dialog.member.id === selfId}
          onClose={() => setDialog(null)}
          onDone={finish("totp_reset")}
        />
      ) : null}
    </Stack>
  );
}
