// The "Reset password" dialog of a staff row: a new password typed twice (the repeat is
// checked here), sent with `reset_staff_password`; the shell's strength complaints show
// under the input. The password is forgotten when the dialog closes.
import { Button, Group, Modal, PasswordInput, Stack, Text } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { StaffMember } from "../../bindings/StaffMember";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { resetStaffPassword } from "./api";
import { CommandError } from "./CommandError";
import { splitErrors } from "./format";

type Field = "new_password" | "confirm";

type Props = { member: StaffMember; onClose: () => void; onDone: (member: StaffMember) => void };

export function ResetPasswordDialog({ member, onClose, onDone }: Props) {
  const { t } = useTranslation();
  const [values, setValues] = useState<Record<Field, string>>({ new_password: "", confirm: "" });
  const [localErrors, setLocalErrors] = useState<Partial<Record<Field, string>>>({});
  const mutation = useMutation<StaffMember, UiError, string>({
    mutationFn: (password) =>
      resetStaffPassword({ staff_id: member.id, new_password: password }).catch((e: unknown) =>
        Promise.reject(toUiError(e)),
      ),
    gcTime: 0,
    onSuccess: onDone,
  });
  const server = splitErrors(mutation.error, ["new_password"]);
  const passwordError = localErrors.new_password ?? server.byField.new_password;
  const name = member.display_name;

  const set = (f: Field) => (e: { currentTarget: HTMLInputElement }) => {
    const v = e.currentTarget.value;
    setValues((prev) => ({ ...prev, [f]: v }));
    setLocalErrors((prev) => ({ ...prev, [f]: undefined }));
  };

  const close = () => {
    if (!mutation.isPending) onClose();
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (mutation.isPending) return;
    const problems: Partial<Record<Field, string>> = {};
    if (values.new_password === "") problems.new_password = t("admin.staff.resetPassword.required");
    if (values.confirm === "") problems.confirm = t("admin.staff.resetPassword.required");
    else if (!problems.new_password && values.confirm !== values.new_password) {
      problems.confirm = t("admin.staff.resetPassword.mismatch");
    }
    setLocalErrors(problems);
    if (Object.keys(problems).length > 0) {
      mutation.reset();
      return;
    }
    mutation.mutate(values.new_password);
  };

  return (
    <Modal
      opened
      onClose={close}
      title={t("admin.staff.resetPassword.title", { name })}
      closeButtonProps={{ "aria-label": t("admin.staff.resetPassword.cancel") }}
    >
      <form onSubmit={onSubmit} noValidate data-testid="staff-reset-password-dialog" aria-busy={mutation.isPending}>
        <Stack gap="sm">
          <Text size="sm">{t("admin.staff.resetPassword.body", { name })}</Text>
          {server.rest ? (
            <CommandError
              error={server.rest}
              testId="staff-reset-password-error"
              title={t("admin.staff.resetPassword.errorTitle")}
            />
          ) : null}
          <PasswordInput
            label={t("admin.staff.resetPassword.password")}
            description={t("admin.staff.resetPassword.passwordHelp")}
            value={values.new_password}
            onChange={set("new_password")}
            error={passwordError}
            // PasswordInput does not set aria-invalid itself.
            aria-invalid={Boolean(passwordError)}
            errorProps={{ "data-testid": "staff-reset-password-input-error" }}
            autoComplete="new-password"
            required
            data-autofocus
            data-testid="staff-reset-password-input"
          />
          <PasswordInput
            label={t("admin.staff.resetPassword.confirm")}
            value={values.confirm}
            onChange={set("confirm")}
            error={localErrors.confirm}
            aria-invalid={Boolean(localErrors.confirm)}
            errorProps={{ "data-testid": "staff-reset-password-confirm-error" }}
            autoComplete="new-password"
            required
            data-testid="staff-reset-password-confirm-input"
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={mutation.isPending} data-testid="staff-reset-password-cancel">
              {t("admin.staff.resetPassword.cancel")}
            </Button>
            <Button type="submit" loading={mutation.isPending} data-testid="staff-reset-password-submit">
              {mutation.isPending ? t("admin.staff.resetPassword.submitting") : t("admin.staff.resetPassword.submit")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
