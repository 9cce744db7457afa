// What opening a restricted search result does, by the signed-in role: doctors and
// nurses get the break-glass dialog (then the profile), administrators go to the
// restriction panel, everyone else is told the record is limited to its care team.
// Mounted only when a restricted row is opened, so the session is read only then.
import { Alert } from "@mantine/core";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import type { PatientSummary } from "../../bindings/PatientSummary";
import { canBreakGlass } from "../admin/options";
import { BreakGlassDialog } from "../restricted/BreakGlassDialog";
import { useSession } from "../session/SessionContext";
import { useNavigate } from "../shell/route";

type Props = { patient: PatientSummary; onDone: () => void };

export function RestrictedOpen({ patient, onDone }: Props) {
  const { t } = useTranslation();
  const { role } = useSession();
  const navigate = useNavigate();
  const { id, mrn } = patient;

  useEffect(() => {
    if (role === "administrator") navigate({ name: "restriction", id, mrn });
  }, [role, navigate, id, mrn]);

  if (role === "administrator") return null;
  if (canBreakGlass(role)) {
    return (
      <BreakGlassDialog
        patientId={id}
        mrn={mrn}
        opened
        onClose={onDone}
        onGranted={() => navigate({ name: "profile", id })}
      />
    );
  }
  return (
    <Alert
      color="orange"
      role="status"
      data-testid="search-restricted-message"
      withCloseButton
      closeButtonLabel={t("admin.restricted.dismiss")}
      onClose={onDone}
    >
      {t("admin.restricted.careTeamOnly", { mrn })}
    </Alert>
  );
}
