// The shell's catalogue of observation codes (vital signs and laboratory tests), loaded
// once per app run and shared by every dialog, table and chart that needs it.
import { useQuery } from "@tanstack/react-query";
import { listObservationCodes, resultsKeys } from "./api";

export function useObservationCodes() {
  return useQuery({ queryKey: resultsKeys.codes, queryFn: listObservationCodes, staleTime: Infinity });
}
