// "Change your password" on My account: the current password, the new one and the new one
// again. Required fields and the repeat are checked here; the shell checks the current
// password (throttled like sign-in, with a countdown) and the new one's strength (shown
// under its input). The passwords are forgotten once the change is done.
import { Alert, Button, Paper, PasswordInput, Stack, Title } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { ChangePassword } from "../../bindings/ChangePassword";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { splitErrors } from "../admin/format";
import { SessionAlert } from "../session/SessionAlert";
import { useRetryCountdown } from "../session/useRetryCountdown";
import { changePassword } from "./api";

type Values = ChangePassword & { confirm_password: string };
type Field = keyof Values;

const EMPTY: Values = { current_password: "", new_password: "", confirm_password: "" };
const FIELDS: Field[] = ["current_password", "new_password", "confirm_password"];
/** The fields the shell may name in a `validation` error. */
const SERVER_FIELDS = ["current_password", "new_password"] as const;

const TEST_IDS: Record<Field, string> = {
  current_password: "account-current-password",
  new_password: "account-new-password",
  confirm_password: "account-confirm-password",
};

/** `username`: lets password managers update the right entry. */
export function ChangePasswordForm({ username }: { username: string }) {
  const { t } = useTranslation();
  const [values, setValues] = useState<Values>(EMPTY);
  const [checked, setChecked] = useState<Partial<Record<Field, string>>>({});
  // Fields changed since the last submit no longer show the shell's complaint.
  const [edited, setEdited] = useState<ReadonlySet<Field>>(new Set());
  const [changed, setChanged] = useState(false);
  const currentRef = useRef<HTMLInputElement>(null);

  const mutation = useMutation<null, UiError, ChangePassword>({
    mutationFn: (request) => changePassword(request).catch((e: unknown) => Promise.reject(toUiError(e))),
    gcTime: 0,
    onError: (e) => {
      if (e.code !== "invalid_credentials") return;
      setValues((v) => ({ ...v, current_password: "" }));
      currentRef.current?.focus();
    },
  });
  const error = mutation.error;
  const remaining = useRetryCountdown(error);
  const server = splitErrors(error, SERVER_FIELDS);
  const wrongCurrent = error?.code === "invalid_credentials" && !edited.has("current_password");
  const errorOf = (f: Field): string | undefined => checked[f] ?? (edited.has(f) ? undefined : server.byField[f]);
  const currentError = errorOf("current_password") ?? (wrongCurrent ? true : undefined);

  const set = (f: Field) => (e: { currentTarget: HTMLInputElement }) => {
    const v = e.currentTarget.value;
    setValues((prev) => ({ ...prev, [f]: v }));
    setChecked((prev) => ({ ...prev, [f]: undefined }));
    setEdited((prev) => new Set(prev).add(f));
    setChanged(false);
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (mutation.isPending || remaining > 0) return;
    const problems: Partial<Record<Field, string>> = {};
    for (const f of FIELDS) if (values[f] === "") problems[f] = t("session.errors.required");
    if (!problems.confirm_password && !problems.new_password && values.confirm_password !== values.new_password) {
      problems.confirm_password = t("session.account.password.mismatch");
    }
    setChecked(problems);
    setEdited(new Set());
    setChanged(false);
    if (Object.keys(problems).length > 0) {
      mutation.reset();
      return;
    }
    mutation.mutate(
      { current_password: values.current_password, new_password: values.new_password },
      {
        onSuccess: () => {
          setValues(EMPTY);
          setChanged(true);
          // Drop the passwords the mutation still holds.
          mutation.reset();
        },
      },
    );
  };

  // PasswordInput does not set aria-invalid itself.
  const input = (f: Field, label: string, autoComplete: string, error: string | boolean | undefined = errorOf(f)) => ({
    label,
    value: values[f],
    onChange: set(f),
    error,
    "aria-invalid": Boolean(error),
    required: true,
    autoComplete,
    "data-testid": TEST_IDS[f],
  });

  return (
    <Paper withBorder p="md" component="section">
      <form onSubmit={submit} noValidate aria-labelledby="account-password-title" aria-busy={mutation.isPending}>
        <Stack gap="sm">
          <Title order={2} size="h4" id="account-password-title">
            {t("session.account.password.title")}
          </Title>
          {server.rest ? (
            <SessionAlert
              error={server.rest}
              testId="account-password-error"
              remaining={remaining}
              context="change_password"
            />
          ) : null}
          {changed ? (
            <Alert color="green" role="status" data-testid="account-password-changed">
              {t("session.account.password.changed")}
            </Alert>
          ) : null}
          <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
          <PasswordInput
            ref={currentRef}
            // A wrong current password: the alert above says so, the field is only marked.
            {...input("current_password", t("session.account.password.current"), "current-password", currentError)}
          />
          <PasswordInput
            {...input("new_password", t("session.account.password.new"), "new-password")}
            description={t("session.account.password.newHelp")}
          />
          <PasswordInput {...input("confirm_password", t("session.account.password.confirm"), "new-password")} />
          <div>
            <Button
              type="submit"
              loading={mutation.isPending}
              disabled={remaining > 0}
              data-testid="account-change-password"
            >
              {mutation.isPending ? t("session.account.password.submitting") : t("session.account.password.submit")}
            </Button>
          </div>
        </Stack>
      </form>
    </Paper>
  );
}
