// Shown instead of a chart the signed-in user may not open (`restricted_patient`): the
// reason, and for doctors and nurses "Request emergency access" (the break-glass dialog;
// the dialog refetches the chart once access is granted). Administrators get the way to
// the restriction panel.
import { Alert, Button, Group, Stack, Text } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { PatientId } from "../../../bindings/PatientId";
import type { PatientSearchPage } from "../../../bindings/PatientSearchPage";
import type { UiError } from "../../../bindings/UiError";
import { canBreakGlass } from "../../admin/options";
import { BreakGlassDialog } from "../../restricted/BreakGlassDialog";
import { searchKeys } from "../../search/api";
import { useSession } from "../../session/SessionContext";
import { useNavigate } from "../../shell/route";

type Props = { id: PatientId; error: UiError };

export function RestrictedChart({ id, error }: Props) {
  const { t } = useTranslation();
  const { role } = useSession();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [asking, setAsking] = useState(false);
  // The chart did not load, so the MRN comes from the search results that led here, if any.
  const mrn =
    client
      .getQueriesData<PatientSearchPage>({ queryKey: searchKeys.all })
      .flatMap(([, page]) => page?.items ?? [])
      .find((p) => p.id === id)?.mrn ?? "";

  return (
    <Stack gap="sm">
      <Alert color="orange" title={t("admin.restricted.profileTitle")} data-testid="restricted-message" role="alert">
        <Text size="sm">{t("admin.restricted.profileMessage")}</Text>
        {error.message ? (
          <Text size="xs" c="dimmed" mt={4}>
            {t("errors.detail", { message: error.message })}
          </Text>
        ) : null}
        {canBreakGlass(role) ? (
          <Text size="sm" mt="xs">
            {t("admin.restricted.profileBreakGlass")}
          </Text>
        ) : null}
      </Alert>
      <Group>
        {canBreakGlass(role) ? (
          <Button color="red" onClick={() => setAsking(true)} data-testid="request-break-glass">
            {t("admin.restricted.requestAccess")}
          </Button>
        ) : null}
        {role === "administrator" ? (
          <Button
            variant="default"
            onClick={() => navigate({ name: "restriction", id, mrn })}
            data-testid="profile-restriction"
          >
            {t("admin.restricted.restriction")}
          </Button>
        ) : null}
      </Group>
      {canBreakGlass(role) ? (
        <BreakGlassDialog
          patientId={id}
          mrn={mrn}
          opened={asking}
          onClose={() => setAsking(false)}
          // The dialog has refetched the chart by now; this screen re-renders with it.
          onGranted={() => setAsking(false)}
        />
      ) : null}
    </Stack>
  );
}
