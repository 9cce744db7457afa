// The "add a staff member" form: username, display name, role and an initial password.
// Required fields are checked here; everything else (username rules, password strength,
// a taken username) comes back from `create_staff` as field errors under the inputs.
import { Alert, Button, NativeSelect, Paper, PasswordInput, SimpleGrid, Stack, TextInput, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { CreateStaff } from "../../bindings/CreateStaff";
import type { StaffMember } from "../../bindings/StaffMember";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { adminKeys, createStaff } from "./api";
import { CommandError } from "./CommandError";
import { splitErrors } from "./format";
import { isRole, ROLES } from "./options";

const FIELDS = ["username", "display_name", "role", "password"] as const;
type Field = (typeof FIELDS)[number];

const empty: CreateStaff = { username: "", display_name: "", role: "front_desk", password: "" };

export function StaffCreateForm() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [values, setValues] = useState<CreateStaff>(empty);
  const [localErrors, setLocalErrors] = useState<Partial<Record<Field, string>>>({});
  const [created, setCreated] = useState<StaffMember | null>(null);

  const mutation = useMutation<StaffMember, UiError, CreateStaff>({
    mutationFn: (request) => createStaff(request).catch((e: unknown) => Promise.reject(toUiError(e))),
    onSuccess: (member) => {
      client.setQueryData<StaffMember[]>(adminKeys.staff, (list) => (list ? [...list, member] : list));
      void client.invalidateQueries({ queryKey: adminKeys.staff });
      setCreated(member);
      setValues(empty);
    },
  });
  const server = splitErrors(mutation.error, FIELDS);
  const errorOf = (f: Field) => localErrors[f] ?? server.byField[f];

  const set = (f: Field, v: string) => {
    setValues((prev) => ({ ...prev, [f]: v }));
    setLocalErrors((prev) => ({ ...prev, [f]: undefined }));
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setCreated(null);
    const missing: Partial<Record<Field, string>> = {};
    for (const f of ["username", "display_name", "password"] as const) {
      if (values[f].trim() === "") missing[f] = t("admin.staff.create.required");
    }
    setLocalErrors(missing);
    if (Object.keys(missing).length > 0) {
      mutation.reset();
      return;
    }
    mutation.mutate({ ...values, username: values.username.trim(), display_name: values.display_name.trim() });
  };

  const errorProps = (f: Field) => ({ "data-testid": `staff-create-error-${f}` });

  return (
    <Paper withBorder p="md" component="section">
      <form onSubmit={onSubmit} noValidate aria-labelledby="staff-create-title">
        <Stack gap="sm">
          <Title order={2} size="h4" id="staff-create-title">
            {t("admin.staff.create.title")}
          </Title>
          {server.rest ? (
            <CommandError error={server.rest} testId="staff-create-error" title={t("admin.staff.create.errorTitle")} />
          ) : null}
          {created ? (
            <Alert color="green" role="status" data-testid="staff-created">
              {t("admin.staff.create.created", { name: created.display_name, username: created.username })}
            </Alert>
          ) : null}
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput
              label={t("admin.staff.create.username")}
              description={t("admin.staff.create.usernameHelp")}
              value={values.username}
              onChange={(e) => set("username", e.currentTarget.value)}
              error={errorOf("username")}
              errorProps={errorProps("username")}
              data-testid="staff-create-username"
              autoComplete="off"
              spellCheck={false}
              required
            />
            <TextInput
              label={t("admin.staff.create.displayName")}
              value={values.display_name}
              onChange={(e) => set("display_name", e.currentTarget.value)}
              error={errorOf("display_name")}
              errorProps={errorProps("display_name")}
              data-testid="staff-create-display-name"
              autoComplete="off"
              required
            />
            <NativeSelect
              label={t("admin.staff.create.role")}
              value={values.role}
              onChange={(e) => {
                const v = e.currentTarget.value;
                if (isRole(v)) set("role", v);
              }}
              data={ROLES.map((r) => ({ value: r, label: t(`admin.role.${r}`) }))}
              error={errorOf("role")}
              errorProps={errorProps("role")}
              data-testid="staff-create-role"
            />
            <PasswordInput
              label={t("admin.staff.create.password")}
              description={t("admin.staff.create.passwordHelp")}
              value={values.password}
              onChange={(e) => set("password", e.currentTarget.value)}
              error={errorOf("password")}
              errorProps={errorProps("password")}
              data-testid="staff-create-password"
              autoComplete="new-password"
              required
            />
          </SimpleGrid>
          <div>
            <Button type="submit" loading={mutation.isPending} data-testid="staff-create-submit">
              {mutation.isPending ? t("admin.staff.create.submitting") : t("admin.staff.create.submit")}
            </Button>
          </div>
        </Stack>
      </form>
    </Paper>
  );
}
