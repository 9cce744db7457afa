// Test fixtures for vital signs and results (used by tests only): a catalogue like the
// shell's (vitals and a few laboratory tests), observations and trend points, and the
// chart's handlers with these answered.
import type { AbnormalFlag } from "../../bindings/AbnormalFlag";
import type { Observation } from "../../bindings/Observation";
import type { ObservationCode } from "../../bindings/ObservationCode";
import type { ObservationSummary } from "../../bindings/ObservationSummary";
import type { TrendPoint } from "../../bindings/TrendPoint";
import type { Handlers } from "../../test/render";
import { chartHandlers, chartSummary, PATIENT } from "../chart/testing";

type Range = [low: number | null, high: number | null];
const vital = (code: string, display: string, unit: string, units: string[], [low, high]: Range): ObservationCode => ({
  code,
  display,
  loinc: "0000-0",
  category: "vital_signs",
  unit,
  accepted_units: [unit, ...units],
  ref_low: low,
  ref_high: high,
});
const lab = (code: string, display: string, unit: string, units: string[], range: Range): ObservationCode => ({
  ...vital(code, display, unit, units, range),
  category: "laboratory",
});

export const CODES: ObservationCode[] = [
  vital("systolic_bp", "Systolic blood pressure", "mm[Hg]", [], [90, 130]),
  vital("diastolic_bp", "Diastolic blood pressure", "mm[Hg]", [], [60, 80]),
  vital("heart_rate", "Heart rate", "/min", [], [60, 100]),
  vital("respiratory_rate", "Respiratory rate", "/min", [], [12, 20]),
  vital("temperature", "Body temperature", "Cel", ["[degF]"], [36.1, 37.8]),
  vital("spo2", "Oxygen saturation", "%", [], [95, null]),
  vital("weight", "Body weight", "kg", ["[lb_av]", "g"], [null, null]),
  vital("height", "Body height", "cm", ["m", "[in_i]"], [null, null]),
  vital("bmi", "Body mass index", "kg/m2", [], [18.5, 25]),
  lab("glucose", "Glucose", "mg/dL", ["mmol/L"], [70, 99]),
  lab("hba1c", "Hemoglobin A1c", "%", [], [4, 5.6]),
  lab("potassium", "Potassium", "mmol/L", ["meq/L"], [3.5, 5.1]),
];

export const codeOf = (code: string): ObservationCode => {
  const c = CODES.find((x) => x.code === code);
  if (!c) throw new Error(`no code ${code}`);
  return c;
};

let seq = 0;
export const observation = (code: string, value: number, over: Partial<Observation> = {}): Observation => {
  const c = codeOf(code);
  return {
    id: `obs-${++seq}`,
    patient_id: PATIENT.id,
    encounter_id: null,
    category: c.category,
    code,
    display: c.display,
    loinc: c.loinc,
    value,
    unit: c.unit,
    entered_value: value,
    entered_unit: c.unit,
    ref_low: c.ref_low,
    ref_high: c.ref_high,
    flag: "normal",
    effective_at: "2026-01-05T09:30:00Z",
    source: "",
    status: "final",
    status_reason: "",
    recorded_by: "Nurse Joy",
    version: 1,
    ...over,
  };
};

export const point = (effective_at: string, value: number, flag: AbnormalFlag = "normal"): TrendPoint => ({
  id: `pt-${++seq}`,
  effective_at,
  value,
  flag,
});

/** The chart's handlers (empty chart) with the catalogue, this summary and any others. */
export const resultsHandlers = (
  summary: ObservationSummary = { latest_vitals: [], recent_results: [] },
  more: Handlers = {},
): Handlers =>
  chartHandlers(() => chartSummary(), {
    list_observation_codes: () => CODES,
    get_observation_summary: () => summary,
    ...more,
  });
