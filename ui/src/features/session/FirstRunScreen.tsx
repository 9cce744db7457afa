// First run: name the clinic and create the first administrator. On success the shell
// returns a session limited to TOTP enrollment, which the gate shows next. "Join an
// existing clinic" (or a join already under way) shows the sync feature's `JoinClinic`.
import { Button, PasswordInput, Stack, Text, TextInput } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { ClinicCreated } from "../../bindings/ClinicCreated";
import type { CreateClinic } from "../../bindings/CreateClinic";
import { toUiError } from "../../shared/uiError";
import { AuthLayout } from "./AuthLayout";
import { createClinic } from "./api";
import { fieldErrors } from "./errors";
import { SessionAlert } from "./SessionAlert";
import { JoinClinic } from "../sync/JoinClinic";
import { useJoinResume } from "../sync/useJoinResume";

type Values = CreateClinic & { admin_password_confirm: string };
type Field = keyof Values;

const EMPTY: Values = {
  clinic_name: "",
  admin_username: "",
  admin_display_name: "",
  admin_password: "",
  admin_password_confirm: "",
};

const REQUIRED: Field[] = ["clinic_name", "admin_username", "admin_display_name", "admin_password"];

const TEST_IDS: Record<Field, string> = {
  clinic_name: "clinic-name",
  admin_username: "admin-username",
  admin_display_name: "admin-display-name",
  admin_password: "admin-password",
  admin_password_confirm: "admin-password-confirm",
};

type Props = { testKey: boolean; onCreated: (created: ClinicCreated) => void };

export function FirstRunScreen({ testKey, onCreated }: Props) {
  const { t } = useTranslation();
  const [values, setValues] = useState<Values>(EMPTY);
  const [checked, setChecked] = useState<Partial<Record<Field, string>>>({});
  // Fields changed since the last submit no longer show the shell's complaint.
  const [edited, setEdited] = useState<ReadonlySet<Field>>(new Set());
  // The passwords leave the cache as soon as this screen does.
  const mutation = useMutation({ mutationFn: createClinic, gcTime: 0, onSuccess: onCreated });
  const error = mutation.error ? toUiError(mutation.error) : null;
  const server = fieldErrors(error);
  const errorOf = (f: Field) => checked[f] ?? (edited.has(f) ? undefined : server[f]);
  const [joining, setJoining] = useState(false);
  const resume = useJoinResume();

  const set = (f: Field) => (e: { currentTarget: HTMLInputElement }) => {
    const v = e.currentTarget.value;
    setValues((prev) => ({ ...prev, [f]: v }));
    setChecked((prev) => ({ ...prev, [f]: undefined }));
    setEdited((prev) => new Set(prev).add(f));
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (mutation.isPending) return;
    const problems: Partial<Record<Field, string>> = {};
    for (const f of REQUIRED) if (values[f].trim() === "") problems[f] = t("session.errors.required");
    if (values.admin_password_confirm !== values.admin_password) {
      problems.admin_password_confirm = t("session.firstRun.mismatch");
    }
    setChecked(problems);
    setEdited(new Set());
    if (Object.keys(problems).length > 0) return;
    const { admin_password_confirm: _confirm, ...request } = values;
    mutation.mutate(request);
  };

  const input = (f: Field, label: string, extra: { description?: string; autoComplete?: string } = {}) => ({
    label,
    value: values[f],
    onChange: set(f),
    error: errorOf(f),
    required: true,
    "data-testid": TEST_IDS[f],
    ...extra,
  });

  if (joining || resume) return <JoinClinic testKey={testKey} resume={resume} onBack={() => setJoining(false)} />;

  return (
    <AuthLayout clinicName={null} testKey={testKey} title={t("session.firstRun.title")}>
      <form onSubmit={submit} noValidate data-testid="first-run-form" aria-busy={mutation.isPending}>
        <Stack gap="sm">
          <Text size="sm">{t("session.firstRun.intro")}</Text>
          {error ? <SessionAlert error={error} testId="first-run-error" /> : null}
          <TextInput {...input("clinic_name", t("session.firstRun.clinicName"), { autoComplete: "organization" })} />
          <TextInput
            {...input("admin_username", t("session.firstRun.adminUsername"), {
              description: t("session.firstRun.usernameHelp"),
              autoComplete: "username",
            })}
          />
          <TextInput {...input("admin_display_name", t("session.firstRun.adminDisplayName"), { autoComplete: "name" })} />
          <PasswordInput
            {...input("admin_password", t("session.firstRun.password"), {
              description: t("session.firstRun.passwordHelp"),
              autoComplete: "new-password",
            })}
          />
          <PasswordInput
            {...input("admin_password_confirm", t("session.firstRun.passwordConfirm"), { autoComplete: "new-password" })}
          />
          <Button type="submit" loading={mutation.isPending} data-testid="first-run-submit">
            {mutation.isPending ? t("session.firstRun.submitting") : t("session.firstRun.submit")}
          </Button>
          <Button
            variant="subtle"
            onClick={() => setJoining(true)}
            disabled={mutation.isPending}
            data-testid="join-clinic-link"
          >
            {t("sync.join.link")}
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
