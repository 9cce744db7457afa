// Shared scheduling queries: the clinic's time zone (from the settings, unless a screen
// already knows it from a calendar), bookable providers, appointment types and rooms.
// Configuration changes rarely, so these stay fresh for a minute.
import { useQuery } from "@tanstack/react-query";
import {
  getScheduleSettings,
  listAppointmentTypes,
  listProviders,
  listRooms,
  scheduleKeys,
} from "./api";
import { browserTimeZone } from "./format";

const CONFIG_STALE_MS = 60_000;

/** `known` when given; else the clinic's zone from the settings (this computer's until loaded). */
export function useClinicTimeZone(known?: string): string {
  const settings = useQuery({
    queryKey: scheduleKeys.settings,
    queryFn: getScheduleSettings,
    enabled: !known,
    staleTime: CONFIG_STALE_MS,
  });
  return known ?? settings.data?.time_zone ?? browserTimeZone();
}

export const useProviders = () =>
  useQuery({ queryKey: scheduleKeys.providers, queryFn: listProviders, staleTime: CONFIG_STALE_MS });

/** Active appointment types only (the ones that can be booked). */
export const useAppointmentTypes = () =>
  useQuery({
    queryKey: scheduleKeys.types(false),
    queryFn: () => listAppointmentTypes(false),
    staleTime: CONFIG_STALE_MS,
  });

export const useRooms = () =>
  useQuery({ queryKey: scheduleKeys.rooms(false), queryFn: () => listRooms(false), staleTime: CONFIG_STALE_MS });
