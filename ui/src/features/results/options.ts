// The catalogue as native-select options, grouped into vital signs and laboratory tests;
// for trends, blood pressure (systolic and diastolic together) comes first.
import type { ComboboxData } from "@mantine/core";
import type { TFunction } from "i18next";
import type { ObservationCode } from "../../bindings/ObservationCode";
import { BLOOD_PRESSURE, BP_CODES, codesOf } from "./model";

export function codeOptions(t: TFunction, codes: readonly ObservationCode[], withBloodPressure = false): ComboboxData {
  const option = (c: ObservationCode) => ({ value: c.code, label: c.display });
  const vitals = codesOf(codes, "vital_signs").map(option);
  const hasBp = BP_CODES.every((code) => codes.some((c) => c.code === code));
  if (withBloodPressure && hasBp) vitals.unshift({ value: BLOOD_PRESSURE, label: t("results.trend.bloodPressure") });
  const groups = [
    { group: t("results.category.vital_signs"), items: vitals },
    { group: t("results.category.laboratory"), items: codesOf(codes, "laboratory").map(option) },
  ];
  return groups.filter((g) => g.items.length > 0);
}
