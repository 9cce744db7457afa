//! The closed catalogue of observation codes: display name, LOINC code, category,
//! canonical unit, accepted units with their conversion, plausible range (beyond
//! which a value is refused as a typo), reference range and critical limits (adult
//! defaults; a lab's own range travels with an imported result later).
//!
//! Units are UCUM codes; common spellings ("mmHg", "bpm", "°F", "lb") are accepted
//! as aliases. Adding a code: one row in [`CODES`]; never rename a code.
use clinic_protocol::{AbnormalFlag, ObservationCategory, ObservationCode};

/// How an accepted unit converts to the canonical one.
#[derive(Clone, Copy, Debug)]
pub enum Conversion {
    Factor(f64),
    /// Degrees Fahrenheit to Celsius.
    FahrenheitToCelsius,
}

impl Conversion {
    pub fn apply(self, v: f64) -> f64 {
        match self {
            Conversion::Factor(f) => v * f,
            Conversion::FahrenheitToCelsius => (v - 32.0) * 5.0 / 9.0,
        }
    }
}

pub struct Code {
    pub code: &'static str,
    pub display: &'static str,
    pub loinc: &'static str,
    pub category: ObservationCategory,
    pub unit: &'static str,
    /// Other accepted units (UCUM) and their conversion to `unit`.
    pub other_units: &'static [(&'static str, Conversion)],
    /// Values outside are refused as implausible (in `unit`).
    pub plausible: (f64, f64),
    pub reference: (Option<f64>, Option<f64>),
    pub critical: (Option<f64>, Option<f64>),
}

use Conversion::Factor;
use ObservationCategory::{Laboratory as Lab, VitalSigns as Vital};

const MMOL_CHOL: f64 = 38.67;

pub const CODES: &[Code] = &[
    Code {
        code: "systolic_bp",
        display: "Systolic blood pressure",
        loinc: "8480-6",
        category: Vital,
        unit: "mm[Hg]",
        other_units: &[],
        plausible: (40.0, 300.0),
        reference: (Some(90.0), Some(130.0)),
        critical: (Some(70.0), Some(180.0)),
    },
    Code {
        code: "diastolic_bp",
        display: "Diastolic blood pressure",
        loinc: "8462-4",
        category: Vital,
        unit: "mm[Hg]",
        other_units: &[],
        plausible: (20.0, 200.0),
        reference: (Some(60.0), Some(80.0)),
        critical: (Some(40.0), Some(120.0)),
    },
    Code {
        code: "heart_rate",
        display: "Heart rate",
        loinc: "8867-4",
        category: Vital,
        unit: "/min",
        other_units: &[],
        plausible: (20.0, 300.0),
        reference: (Some(60.0), Some(100.0)),
        critical: (Some(40.0), Some(130.0)),
    },
    Code {
        code: "respiratory_rate",
        display: "Respiratory rate",
        loinc: "9279-1",
        category: Vital,
        unit: "/min",
        other_units: &[],
        plausible: (4.0, 80.0),
        reference: (Some(12.0), Some(20.0)),
        critical: (Some(8.0), Some(30.0)),
    },
    Code {
        code: "temperature",
        display: "Body temperature",
        loinc: "8310-5",
        category: Vital,
        unit: "Cel",
        other_units: &[("[degF]", Conversion::FahrenheitToCelsius)],
        plausible: (25.0, 45.0),
        reference: (Some(36.1), Some(37.8)),
        critical: (Some(35.0), Some(40.0)),
    },
    Code {
        code: "spo2",
        display: "Oxygen saturation",
        loinc: "59408-5",
        category: Vital,
        unit: "%",
        other_units: &[],
        plausible: (40.0, 100.0),
        reference: (Some(95.0), None),
        critical: (Some(88.0), None),
    },
    Code {
        code: "weight",
        display: "Body weight",
        loinc: "29463-7",
        category: Vital,
        unit: "kg",
        other_units: &[("[lb_av]", Factor(0.453_592_37)), ("g", Factor(0.001))],
        plausible: (0.3, 500.0),
        reference: (None, None),
        critical: (None, None),
    },
    Code {
        code: "height",
        display: "Body height",
        loinc: "8302-2",
        category: Vital,
        unit: "cm",
        other_units: &[("m", Factor(100.0)), ("[in_i]", Factor(2.54))],
        plausible: (20.0, 260.0),
        reference: (None, None),
        critical: (None, None),
    },
    Code {
        code: "bmi",
        display: "Body mass index",
        loinc: "39156-5",
        category: Vital,
        unit: "kg/m2",
        other_units: &[],
        plausible: (8.0, 100.0),
        reference: (Some(18.5), Some(25.0)),
        critical: (None, None),
    },
    Code {
        code: "glucose",
        display: "Glucose",
        loinc: "2345-7",
        category: Lab,
        unit: "mg/dL",
        other_units: &[("mmol/L", Factor(18.016))],
        plausible: (5.0, 2000.0),
        reference: (Some(70.0), Some(99.0)),
        critical: (Some(54.0), Some(400.0)),
    },
    Code {
        code: "hba1c",
        display: "Hemoglobin A1c",
        loinc: "4548-4",
        category: Lab,
        unit: "%",
        other_units: &[],
        plausible: (2.0, 25.0),
        reference: (Some(4.0), Some(5.6)),
        critical: (None, Some(14.0)),
    },
    Code {
        code: "cholesterol_total",
        display: "Cholesterol, total",
        loinc: "2093-3",
        category: Lab,
        unit: "mg/dL",
        other_units: &[("mmol/L", Factor(MMOL_CHOL))],
        plausible: (30.0, 1500.0),
        reference: (None, Some(200.0)),
        critical: (None, None),
    },
    Code {
        code: "ldl",
        display: "LDL cholesterol",
        loinc: "18262-6",
        category: Lab,
        unit: "mg/dL",
        other_units: &[("mmol/L", Factor(MMOL_CHOL))],
        plausible: (5.0, 1000.0),
        reference: (None, Some(100.0)),
        critical: (None, None),
    },
    Code {
        code: "hdl",
        display: "HDL cholesterol",
        loinc: "2085-9",
        category: Lab,
        unit: "mg/dL",
        other_units: &[("mmol/L", Factor(MMOL_CHOL))],
        plausible: (5.0, 300.0),
        reference: (Some(40.0), None),
        critical: (None, None),
    },
    Code {
        code: "triglycerides",
        display: "Triglycerides",
        loinc: "2571-8",
        category: Lab,
        unit: "mg/dL",
        other_units: &[("mmol/L", Factor(88.57))],
        plausible: (10.0, 10000.0),
        reference: (None, Some(150.0)),
        critical: (None, Some(1000.0)),
    },
    Code {
        code: "creatinine",
        display: "Creatinine",
        loinc: "2160-0",
        category: Lab,
        unit: "mg/dL",
        other_units: &[("umol/L", Factor(1.0 / 88.4))],
        plausible: (0.05, 30.0),
        reference: (Some(0.6), Some(1.3)),
        critical: (None, Some(10.0)),
    },
    Code {
        code: "egfr",
        display: "eGFR",
        loinc: "33914-3",
        category: Lab,
        unit: "mL/min/{1.73_m2}",
        other_units: &[],
        plausible: (1.0, 200.0),
        reference: (Some(60.0), None),
        critical: (Some(15.0), None),
    },
    Code {
        code: "hemoglobin",
        display: "Hemoglobin",
        loinc: "718-7",
        category: Lab,
        unit: "g/dL",
        other_units: &[("g/L", Factor(0.1))],
        plausible: (2.0, 25.0),
        reference: (Some(12.0), Some(17.5)),
        critical: (Some(7.0), Some(20.0)),
    },
    Code {
        code: "potassium",
        display: "Potassium",
        loinc: "2823-3",
        category: Lab,
        unit: "mmol/L",
        other_units: &[("meq/L", Factor(1.0))],
        plausible: (1.0, 12.0),
        reference: (Some(3.5), Some(5.1)),
        critical: (Some(2.5), Some(6.5)),
    },
    Code {
        code: "sodium",
        display: "Sodium",
        loinc: "2951-2",
        category: Lab,
        unit: "mmol/L",
        other_units: &[("meq/L", Factor(1.0))],
        plausible: (90.0, 200.0),
        reference: (Some(135.0), Some(145.0)),
        critical: (Some(120.0), Some(160.0)),
    },
    Code {
        code: "tsh",
        display: "TSH",
        loinc: "3016-3",
        category: Lab,
        unit: "m[IU]/L",
        other_units: &[("u[IU]/mL", Factor(1.0))],
        plausible: (0.001, 500.0),
        reference: (Some(0.4), Some(4.0)),
        critical: (None, None),
    },
];

/// Common spellings of UCUM units, lower-cased.
const ALIASES: &[(&str, &str)] = &[
    ("mmhg", "mm[Hg]"),
    ("bpm", "/min"),
    ("beats/min", "/min"),
    ("breaths/min", "/min"),
    ("c", "Cel"),
    ("°c", "Cel"),
    ("degc", "Cel"),
    ("f", "[degF]"),
    ("°f", "[degF]"),
    ("degf", "[degF]"),
    ("lb", "[lb_av]"),
    ("lbs", "[lb_av]"),
    ("in", "[in_i]"),
    ("kg/m²", "kg/m2"),
    ("µmol/l", "umol/L"),
    ("miu/l", "m[IU]/L"),
    ("uiu/ml", "u[IU]/mL"),
    ("ml/min/1.73m2", "mL/min/{1.73_m2}"),
    ("ml/min", "mL/min/{1.73_m2}"),
];

pub fn find(code: &str) -> Option<&'static Code> {
    CODES.iter().find(|c| c.code == code)
}

/// The conversion of `unit` (UCUM or an alias, any case) to `code`'s unit, or
/// `None` when the unit does not fit the code.
pub fn conversion(code: &Code, unit: &str) -> Option<Conversion> {
    let unit = unit.trim();
    let lower = unit.to_lowercase();
    let canonical = ALIASES
        .iter()
        .find(|(alias, _)| *alias == lower)
        .map(|(_, ucum)| *ucum)
        .unwrap_or(unit);
    if canonical.eq_ignore_ascii_case(code.unit) {
        return Some(Conversion::Factor(1.0));
    }
    code.other_units
        .iter()
        .find(|(u, _)| u.eq_ignore_ascii_case(canonical))
        .map(|(_, c)| *c)
}

/// The flag of `value` (in the code's unit).
pub fn flag(code: &Code, value: f64) -> AbnormalFlag {
    let (crit_low, crit_high) = code.critical;
    let (low, high) = code.reference;
    if crit_low.is_some_and(|l| value < l) {
        AbnormalFlag::CriticalLow
    } else if crit_high.is_some_and(|h| value > h) {
        AbnormalFlag::CriticalHigh
    } else if low.is_some_and(|l| value < l) {
        AbnormalFlag::Low
    } else if high.is_some_and(|h| value > h) {
        AbnormalFlag::High
    } else {
        AbnormalFlag::Normal
    }
}

pub fn describe(c: &Code) -> ObservationCode {
    ObservationCode {
        code: c.code.into(),
        display: c.display.into(),
        loinc: c.loinc.into(),
        category: c.category,
        unit: c.unit.into(),
        accepted_units: std::iter::once(c.unit)
            .chain(c.other_units.iter().map(|(u, _)| *u))
            .map(String::from)
            .collect(),
        ref_low: c.reference.0,
        ref_high: c.reference.1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_ranges_consistent() {
        for (i, c) in CODES.iter().enumerate() {
            assert!(
                CODES[i + 1..].iter().all(|o| o.code != c.code),
                "{}",
                c.code
            );
            assert!(c.plausible.0 < c.plausible.1, "{}", c.code);
            if let (Some(l), Some(h)) = c.reference {
                assert!(l < h, "{}", c.code);
            }
        }
    }

    #[test]
    fn units_convert() {
        let glucose = find("glucose").unwrap();
        let to_mg = conversion(glucose, "mmol/l").unwrap().apply(5.5);
        assert!((to_mg - 99.088).abs() < 0.01, "{to_mg}");
        assert!(conversion(glucose, "kg").is_none());
        let temp = find("temperature").unwrap();
        assert!((conversion(temp, "°F").unwrap().apply(98.6) - 37.0).abs() < 0.01);
        assert!(conversion(find("systolic_bp").unwrap(), "mmHg").is_some());
        assert_eq!(flag(glucose, 450.0), AbnormalFlag::CriticalHigh);
        assert_eq!(flag(glucose, 120.0), AbnormalFlag::High);
        assert_eq!(flag(glucose, 85.0), AbnormalFlag::Normal);
        assert_eq!(flag(find("spo2").unwrap(), 86.0), AbnormalFlag::CriticalLow);
    }
}
