// A patient's restriction and care team (administrators): restricted on/off, the reason
// category, and which enabled staff members are on the care team. Save sends the
// restriction if it changed, then one care-team change per staff member that changed.
import { Alert, Button, Center, Checkbox, Group, Loader, NativeSelect, Paper, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { PatientId } from "../../bindings/PatientId";
import type { PatientRestrictionView } from "../../bindings/PatientRestrictionView";
import type { RestrictionCategory } from "../../bindings/RestrictionCategory";
import type { StaffMember } from "../../bindings/StaffMember";
import type { UiError } from "../../bindings/UiError";
import { toUiError } from "../../shared/uiError";
import { adminKeys, listStaff } from "../admin/api";
import { CommandError } from "../admin/CommandError";
import { splitErrors } from "../admin/format";
import { isRestrictionCategory, RESTRICTION_CATEGORIES } from "../admin/options";
import { patientKeys } from "../patients/api";
import { searchKeys } from "../search/api";
import { useNavigate } from "../shell/route";
import { getPatientRestriction, restrictionKeys, setCareTeamMember, setPatientRestriction } from "./api";

type Values = { restricted: boolean; category: RestrictionCategory | ""; careTeam: string[] };

const fromView = (v: PatientRestrictionView): Values => ({
  restricted: v.restriction.restricted,
  category: v.restriction.category ?? "",
  careTeam: [...v.care_team],
});

/** Sends what changed between `saved` and `next`, in order; stops at the first failure. */
async function save(id: PatientId, saved: Values, next: Values, staff: StaffMember[]): Promise<void> {
  const category = next.restricted && next.category !== "" ? next.category : null;
  if (next.restricted !== saved.restricted || (next.restricted && next.category !== saved.category)) {
    await setPatientRestriction({ patient_id: id, restricted: next.restricted, category });
  }
  for (const s of staff) {
    const was = saved.careTeam.includes(s.id);
    const is = next.careTeam.includes(s.id);
    if (was !== is) await setCareTeamMember({ patient_id: id, staff_id: s.id, member: is });
  }
}

function RestrictionForm({ id, view, staff }: { id: PatientId; view: PatientRestrictionView; staff: StaffMember[] }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [saved, setSaved] = useState<Values>(() => fromView(view));
  const [values, setValues] = useState<Values>(saved);
  const [categoryError, setCategoryError] = useState<string | null>(null);
  // Enabled staff, plus anyone already on the team (so they can be removed).
  const shown = staff.filter((s) => !s.disabled || saved.careTeam.includes(s.id));

  const mutation = useMutation<Values, UiError, Values>({
    mutationFn: (next) =>
      save(id, saved, next, shown).then(
        () => next,
        (e: unknown) => Promise.reject(toUiError(e)),
      ),
    onSuccess: (next) => setSaved(next),
    onSettled: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: restrictionKeys.one(id) }),
        client.invalidateQueries({ queryKey: patientKeys.one(id) }),
        client.invalidateQueries({ queryKey: searchKeys.all }),
      ]),
  });
  const server = splitErrors(mutation.error, ["category"]);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (values.restricted && values.category === "") {
      setCategoryError(t("admin.restriction.categoryRequired"));
      mutation.reset();
      return;
    }
    setCategoryError(null);
    mutation.mutate(values);
  };

  const toggleMember = (staffId: string, member: boolean) =>
    setValues((v) => ({
      ...v,
      careTeam: member ? [...v.careTeam, staffId] : v.careTeam.filter((x) => x !== staffId),
    }));

  return (
    <form onSubmit={onSubmit} noValidate>
      <Stack gap="md">
        {server.rest ? (
          <CommandError error={server.rest} testId="restriction-error" title={t("admin.restriction.errorTitle")} />
        ) : null}
        {mutation.isSuccess ? (
          <Alert color="green" role="status" data-testid="restriction-saved">
            {t("admin.restriction.saved")}
          </Alert>
        ) : null}
        <Paper withBorder p="md">
          <Stack gap="sm">
            <Checkbox
              label={t("admin.restriction.restricted")}
              description={t("admin.restriction.restrictedHelp")}
              checked={values.restricted}
              onChange={(e) => {
                const restricted = e.currentTarget.checked;
                setValues((v) => ({ ...v, restricted }));
                setCategoryError(null);
              }}
              data-testid="restriction-toggle"
            />
            <NativeSelect
              label={t("admin.restriction.category")}
              value={values.category}
              disabled={!values.restricted}
              onChange={(e) => {
                const v = e.currentTarget.value;
                setValues((prev) => ({ ...prev, category: isRestrictionCategory(v) ? v : "" }));
                setCategoryError(null);
              }}
              data={[
                { value: "", label: t("admin.restriction.chooseCategory") },
                ...RESTRICTION_CATEGORIES.map((c) => ({ value: c, label: t(`admin.restriction.categories.${c}`) })),
              ]}
              error={categoryError ?? server.byField.category}
              errorProps={{ "data-testid": "restriction-category-error" }}
              data-testid="restriction-category"
              maw={420}
            />
          </Stack>
        </Paper>
        <Paper withBorder p="md" component="fieldset" style={{ margin: 0 }}>
          <Text component="legend" fw={700} px={4}>
            {t("admin.restriction.careTeam")}
          </Text>
          <Text size="sm" c="dimmed" mb="xs">
            {t("admin.restriction.careTeamHelp")}
          </Text>
          {shown.length === 0 ? <Text size="sm">{t("admin.restriction.noStaff")}</Text> : null}
          <Stack gap={6} data-testid="care-team">
            {shown.map((s) => (
              <Checkbox
                key={s.id}
                label={`${s.display_name} (${s.username}) — ${t(`admin.role.${s.role}`)}`}
                checked={values.careTeam.includes(s.id)}
                onChange={(e) => toggleMember(s.id, e.currentTarget.checked)}
                data-testid={`care-team-${s.username}`}
              />
            ))}
          </Stack>
        </Paper>
        <Group>
          <Button type="submit" loading={mutation.isPending} data-testid="restriction-save">
            {mutation.isPending ? t("admin.restriction.saving") : t("admin.restriction.save")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function RestrictionScreen({ id, mrn }: { id: PatientId; mrn: string }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const view = useQuery({ queryKey: restrictionKeys.one(id), queryFn: () => getPatientRestriction(id) });
  const staff = useQuery({ queryKey: adminKeys.staff, queryFn: listStaff });
  const error = view.error ?? staff.error;

  return (
    <Stack gap="md" data-testid="restriction-screen" data-patient-id={id}>
      <Group>
        <Button variant="subtle" data-testid="restriction-back" onClick={() => navigate({ name: "search" })}>
          {t("admin.restriction.back")}
        </Button>
      </Group>
      <div>
        <Title order={1} size="h2">
          {t("admin.restriction.title")}
        </Title>
        {mrn ? (
          <Text mt={4} data-testid="restriction-mrn">
            {t("admin.restriction.subtitle", { mrn })}
          </Text>
        ) : null}
      </div>
      {error ? (
        <CommandError error={toUiError(error)} testId="restriction-load-error" />
      ) : view.data && staff.data ? (
        // Keyed by patient: the form starts from the stored values once, then keeps its edits.
        <RestrictionForm key={id} id={id} view={view.data} staff={staff.data} />
      ) : (
        <Center p="lg">
          <Loader aria-label={t("admin.restriction.loading")} data-testid="restriction-loading" />
        </Center>
      )}
    </Stack>
  );
}
