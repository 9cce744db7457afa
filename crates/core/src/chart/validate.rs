//! Field-level validation of chart entries, per kind: required fields, lengths,
//! control characters, dates (not in the future; a medication stops after it
//! starts) and the shape of ICD-10 codes. Normalizes as it checks (trims, upper-
//! cases ICD-10 codes). Field paths are those of the details object
//! (`substance`, `onset_date`, …) so the UI shows each error under its field.
use crate::validation::Check;
use chrono::NaiveDate;
use clinic_protocol::{
    AllergyDetails, ChartEntryDetails, FieldError, MedicationDetails, PlanDetails, ProblemDetails,
};

pub const MAX_SHORT: usize = 200;
pub const MAX_DOSE: usize = 100;
pub const MAX_REACTION: usize = 500;
pub const MAX_PLAN: usize = 4000;
pub const MAX_REASON: usize = 500;

/// ICD-10 shape: a letter, two characters (digits, or a digit and A/B for some
/// chapters), then optionally a dot and 1–4 more. Checks the form, not the catalogue.
pub fn is_icd10(code: &str) -> bool {
    let b = code.as_bytes();
    if b.len() < 3 || !b[0].is_ascii_uppercase() || !b[1].is_ascii_digit() {
        return false;
    }
    if !(b[2].is_ascii_digit() || b[2] == b'A' || b[2] == b'B') {
        return false;
    }
    match &code[3..] {
        "" => true,
        rest => {
            let Some(tail) = rest.strip_prefix('.') else {
                return false;
            };
            (1..=4).contains(&tail.len())
                && tail
                    .bytes()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        }
    }
}

fn allergy(c: &mut Check, d: &mut AllergyDetails, today: NaiveDate) {
    c.text("substance", &mut d.substance, true, MAX_SHORT);
    c.text("reaction", &mut d.reaction, false, MAX_REACTION);
    c.past_date("onset_date", &mut d.onset_date, false, today);
}

fn medication(c: &mut Check, d: &mut MedicationDetails, today: NaiveDate) {
    c.text("name", &mut d.name, true, MAX_SHORT);
    c.text("dose", &mut d.dose, false, MAX_DOSE);
    c.text("route", &mut d.route, false, MAX_DOSE);
    c.text("frequency", &mut d.frequency, false, MAX_DOSE);
    c.text("prescriber", &mut d.prescriber, false, MAX_SHORT);
    c.past_date("start_date", &mut d.start_date, false, today);
    // A planned stop date may be in the future.
    let far = today + chrono::Duration::days(366 * 5);
    c.past_date("stop_date", &mut d.stop_date, false, far);
    if !d.start_date.is_empty() && !d.stop_date.is_empty() && d.stop_date < d.start_date {
        c.fail("stop_date", "The stop date is before the start date.");
    }
}

fn problem(c: &mut Check, d: &mut ProblemDetails, today: NaiveDate) {
    c.text("text", &mut d.text, true, MAX_SHORT);
    d.icd10_code = d.icd10_code.trim().to_ascii_uppercase();
    if !d.icd10_code.is_empty() && !is_icd10(&d.icd10_code) {
        c.fail(
            "icd10_code",
            "Enter an ICD-10 code like E11.9 or J45 (a letter, two digits, then optionally a dot and more).",
        );
    }
    c.past_date("onset_date", &mut d.onset_date, false, today);
}

fn plan(c: &mut Check, d: &mut PlanDetails) {
    c.text("title", &mut d.title, true, MAX_SHORT);
    c.multiline("description", &mut d.description, false, MAX_PLAN);
}

/// Validates and normalizes `details` as of `today`.
pub fn details(
    mut details: ChartEntryDetails,
    today: NaiveDate,
) -> Result<ChartEntryDetails, Vec<FieldError>> {
    let mut c = Check::new();
    match &mut details {
        ChartEntryDetails::Allergy(d) => allergy(&mut c, d, today),
        ChartEntryDetails::Medication(d) => medication(&mut c, d, today),
        ChartEntryDetails::Problem(d) => problem(&mut c, d, today),
        ChartEntryDetails::Plan(d) => plan(&mut c, d),
    }
    c.finish().map(|()| details)
}

/// A status-change reason: required for anything but `active`.
pub fn reason(reason: &str, required: bool) -> Result<String, Vec<FieldError>> {
    let mut c = Check::new();
    let mut r = reason.to_string();
    c.multiline("reason", &mut r, required, MAX_REASON);
    c.finish().map(|()| r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icd10_shapes() {
        for ok in ["E11", "E11.9", "J45.909", "S72.001A", "U07.1", "C4A.0"] {
            assert!(is_icd10(ok), "{ok}");
        }
        for bad in ["", "E1", "11.9", "e11", "E11.", "E11.12345", "E11-9", "EE1"] {
            assert!(!is_icd10(bad), "{bad}");
        }
    }
}
