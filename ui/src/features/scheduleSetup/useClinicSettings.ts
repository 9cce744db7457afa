// The clinic's scheduling settings (time zone, kiosk idle reset, reminder lead time),
// shared by every scheduling set-up screen that shows instants or computes "today".
import { useQuery } from "@tanstack/react-query";
import { getScheduleSettings, scheduleKeys } from "../schedule/api";

export const useClinicSettings = () => useQuery({ queryKey: scheduleKeys.settings, queryFn: getScheduleSettings });
