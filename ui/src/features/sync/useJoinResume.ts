// First run: is this device already joining a clinic (enrolled, first download not
// finished — the app was closed during it)? Asked once, outside the query cache; any
// failure (e.g. the shell refusing without a session) means "no".
import { useEffect, useState } from "react";
import type { SyncStatus } from "../../bindings/SyncStatus";
import { getSyncStatus } from "./api";
import { isEnrolled } from "./model";

export function useJoinResume(): SyncStatus | null {
  const [resume, setResume] = useState<SyncStatus | null>(null);
  useEffect(() => {
    let active = true;
    Promise.resolve()
      .then(() => getSyncStatus())
      .then((s) => {
        if (active && s && isEnrolled(s) && !s.first_sync_done) setResume(s);
      })
      .catch(() => {});
    return () => {
      active = false;
    };
  }, []);
  return resume;
}
