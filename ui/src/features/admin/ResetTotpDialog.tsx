// The "Remove authenticator" confirmation of a staff row (`reset_staff_totp`), for a
// member who lost their phone. Removing one's own ends one's session at the next command
// (the session gate then shows sign-in); the dialog says so first.
import { Alert, Button, Group, Modal, Stack, Text } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { StaffMember } from "../../bindings/StaffMember";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { resetStaffTotp } from "./api";
import { CommandError } from "./CommandError";

type Props = {
  member: StaffMember;
  /** The member is the signed-in administrator. */
  self: boolean;
  onClose: () => void;
  onDone: (member: StaffMember) => void;
};

export function ResetTotpDialog({ member, self, onClose, onDone }: Props) {
  const { t } = useTranslation();
  const mutation = useMutation<StaffMember, UiError, void>({
    mutationFn: () => resetStaffTotp({ staff_id: member.id }).catch((e: unknown) => Promise.reject(toUiError(e))),
    onSuccess: onDone,
  });
  const name = member.display_name;
  const close = () => {
    if (!mutation.isPending) onClose();
  };

  return (
    <Modal
      opened
      onClose={close}
      title={t("admin.staff.resetTotp.title", { name })}
      closeButtonProps={{ "aria-label": t("admin.staff.resetTotp.cancel") }}
    >
      <Stack gap="md" data-testid="staff-reset-totp-dialog">
        <Text size="sm">{t("admin.staff.resetTotp.body", { name })}</Text>
        {self ? (
          <Alert color="orange" data-testid="staff-reset-totp-self">
            <Text size="sm">{t("admin.staff.resetTotp.self")}</Text>
          </Alert>
        ) : null}
        {mutation.error ? (
          <CommandError
            error={mutation.error}
            testId="staff-reset-totp-error"
            title={t("admin.staff.resetTotp.errorTitle")}
          />
        ) : null}
        <Group justify="flex-end">
          <Button
            variant="default"
            onClick={close}
            disabled={mutation.isPending}
            // The safe choice has the focus.
            data-autofocus
            data-testid="staff-reset-totp-cancel"
          >
            {t("admin.staff.resetTotp.cancel")}
          </Button>
          <Button
            color="red"
            loading={mutation.isPending}
            onClick={() => mutation.mutate()}
            data-testid="staff-reset-totp-confirm"
          >
            {mutation.isPending ? t("admin.staff.resetTotp.running") : t("admin.staff.resetTotp.confirm")}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
