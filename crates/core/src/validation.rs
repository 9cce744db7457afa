//! Field-level validation of patient details. Reports every problem at once, with
//! the dotted field path the UI uses, and returns a normalized copy (trimmed text)
//! only when everything is valid. Nothing is written before validation passes.
use chrono::NaiveDate;
use clinic_protocol::{FieldError, PatientDetails};

pub const MAX_NAME: usize = 100;
pub const MAX_TEXT: usize = 200;
pub const MAX_EMAIL: usize = 254;
pub const MAX_PHONE: usize = 32;
pub const MAX_EMERGENCY_CONTACTS: usize = 10;
/// Oldest plausible date of birth.
pub const EARLIEST_DOB: (i32, u32, u32) = (1880, 1, 1);

/// Collects field errors while normalizing input (shared by the registry and the
/// chart's validation).
pub(crate) struct Check {
    errors: Vec<FieldError>,
}

impl Check {
    pub(crate) fn new() -> Self {
        Self { errors: Vec::new() }
    }

    /// `Ok(())` when no field failed, else every field error.
    pub(crate) fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }

    pub(crate) fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Trims `value` and checks length and control characters.
    pub(crate) fn text(&mut self, field: &str, value: &mut String, required: bool, max: usize) {
        let trimmed = value.trim();
        if trimmed.len() != value.len() {
            *value = trimmed.to_string();
        }
        if required && value.is_empty() {
            self.fail(field, "This field is required.");
        } else if value.chars().count() > max {
            self.fail(field, format!("Use at most {max} characters."));
        } else if value.chars().any(|c| c.is_control()) {
            self.fail(field, "Remove line breaks and other control characters.");
        }
    }

    /// Like [`text`](Self::text), allowing line breaks and tabs (free-text notes).
    pub(crate) fn multiline(
        &mut self,
        field: &str,
        value: &mut String,
        required: bool,
        max: usize,
    ) {
        let trimmed = value.trim();
        if trimmed.len() != value.len() {
            *value = trimmed.to_string();
        }
        if required && value.is_empty() {
            self.fail(field, "This field is required.");
        } else if value.chars().count() > max {
            self.fail(field, format!("Use at most {max} characters."));
        } else if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
        {
            self.fail(field, "Remove control characters.");
        }
    }

    /// An optional (or required) `YYYY-MM-DD` date, not after `today`.
    pub(crate) fn past_date(
        &mut self,
        field: &str,
        value: &mut String,
        required: bool,
        today: NaiveDate,
    ) {
        let v = value.trim().to_string();
        *value = v.clone();
        if v.is_empty() {
            if required {
                self.fail(field, "This date is required.");
            }
            return;
        }
        match NaiveDate::parse_from_str(&v, "%Y-%m-%d") {
            Ok(date) if v.len() == 10 => {
                if date > today {
                    self.fail(field, "This date cannot be in the future.");
                }
            }
            _ => self.fail(
                field,
                "Enter a real date as YYYY-MM-DD, for example 2024-03-15.",
            ),
        }
    }

    fn phone(&mut self, field: &str, value: &mut String, required: bool) {
        self.text(field, value, required, MAX_PHONE);
        if value.is_empty() {
            return;
        }
        let digits = value.chars().filter(|c| c.is_ascii_digit()).count();
        let allowed = value
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
        if !allowed {
            self.fail(field, "Use digits, spaces and + - ( ) . only.");
        } else if !(6..=15).contains(&digits) {
            self.fail(field, "A phone number has 6 to 15 digits.");
        }
    }
}

/// Validates and normalizes `details` as of `today` (the clinic's current date).
pub fn validate_patient(
    mut d: PatientDetails,
    today: NaiveDate,
) -> Result<PatientDetails, Vec<FieldError>> {
    let mut c = Check { errors: Vec::new() };
    c.text("given_name", &mut d.given_name, true, MAX_NAME);
    c.text("middle_name", &mut d.middle_name, false, MAX_NAME);
    c.text("family_name", &mut d.family_name, true, MAX_NAME);

    let dob = d.date_of_birth.trim().to_string();
    d.date_of_birth = dob.clone();
    if dob.is_empty() {
        c.fail("date_of_birth", "Date of birth is required.");
    } else {
        match NaiveDate::parse_from_str(&dob, "%Y-%m-%d") {
            Ok(date) if dob.len() == 10 => {
                let (y, m, day) = EARLIEST_DOB;
                let earliest = NaiveDate::from_ymd_opt(y, m, day).unwrap_or(date);
                if date > today {
                    c.fail("date_of_birth", "Date of birth cannot be in the future.");
                } else if date < earliest {
                    c.fail(
                        "date_of_birth",
                        format!("Date of birth cannot be before {y}."),
                    );
                }
            }
            _ => c.fail(
                "date_of_birth",
                "Enter a real date as YYYY-MM-DD, for example 1984-03-15.",
            ),
        }
    }

    c.phone("phone", &mut d.phone, false);
    c.text("email", &mut d.email, false, MAX_EMAIL);
    if !d.email.is_empty() && !looks_like_email(&d.email) {
        c.fail("email", "Enter an email address like name@example.org.");
    }

    let a = &mut d.address;
    for (name, value) in [
        ("address.line1", &mut a.line1),
        ("address.line2", &mut a.line2),
        ("address.city", &mut a.city),
        ("address.region", &mut a.region),
        ("address.postal_code", &mut a.postal_code),
        ("address.country", &mut a.country),
    ] {
        c.text(name, value, false, MAX_TEXT);
    }

    if d.emergency_contacts.len() > MAX_EMERGENCY_CONTACTS {
        c.fail(
            "emergency_contacts",
            format!("Record at most {MAX_EMERGENCY_CONTACTS} emergency contacts."),
        );
    }
    for (i, contact) in d.emergency_contacts.iter_mut().enumerate() {
        c.text(
            &format!("emergency_contacts.{i}.name"),
            &mut contact.name,
            true,
            MAX_NAME,
        );
        c.text(
            &format!("emergency_contacts.{i}.relationship"),
            &mut contact.relationship,
            false,
            MAX_NAME,
        );
        c.phone(
            &format!("emergency_contacts.{i}.phone"),
            &mut contact.phone,
            true,
        );
    }

    if let Some(ins) = d.insurance.as_mut() {
        c.text("insurance.payer", &mut ins.payer, true, MAX_TEXT);
        c.text("insurance.member_id", &mut ins.member_id, true, MAX_NAME);
        c.text(
            "insurance.group_number",
            &mut ins.group_number,
            false,
            MAX_NAME,
        );
    }

    c.text(
        "preferences.language",
        &mut d.preferences.language,
        true,
        35,
    );
    if !d.preferences.language.is_empty() && !is_language_tag(&d.preferences.language) {
        c.fail(
            "preferences.language",
            "Use a language code such as en, fr or pt-BR.",
        );
    }

    if c.errors.is_empty() {
        Ok(d)
    } else {
        Err(c.errors)
    }
}

fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain.contains('.')
        && !s.chars().any(|c| c.is_whitespace())
        && !domain.contains('@')
        && !domain.contains("..")
}

/// A BCP 47-shaped tag: 2–3 letter language, then alphanumeric subtags of 1–8.
fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let lang_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    lang_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clinic_protocol::{EmergencyContact, Insurance};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn valid() -> PatientDetails {
        PatientDetails {
            given_name: " Ada ".into(),
            family_name: "Lovelace".into(),
            date_of_birth: "1990-12-10".into(),
            ..Default::default()
        }
    }

    fn fields(r: Result<PatientDetails, Vec<FieldError>>) -> Vec<String> {
        r.unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn trims_and_accepts_a_minimal_patient() {
        let d = validate_patient(valid(), today()).unwrap();
        assert_eq!(d.given_name, "Ada");
    }

    #[test]
    fn reports_every_bad_field_at_once() {
        let mut d = valid();
        d.given_name = "  ".into();
        d.date_of_birth = "2027-01-01".into();
        d.email = "not-an-email".into();
        d.phone = "12".into();
        d.family_name = "x".repeat(MAX_NAME + 1);
        let f = fields(validate_patient(d, today()));
        assert_eq!(
            f,
            [
                "given_name",
                "family_name",
                "date_of_birth",
                "phone",
                "email"
            ]
        );
    }

    #[test]
    fn rejects_malformed_and_impossible_dates() {
        for bad in ["1990-02-30", "10/12/1990", "1990-1-1", "1850-01-01", "abc"] {
            let mut d = valid();
            d.date_of_birth = bad.into();
            assert_eq!(
                fields(validate_patient(d, today())),
                ["date_of_birth"],
                "{bad}"
            );
        }
    }

    #[test]
    fn nested_fields_have_dotted_paths() {
        let mut d = valid();
        d.emergency_contacts = vec![
            EmergencyContact {
                name: "Mum".into(),
                relationship: "mother".into(),
                phone: "+44 20 7946 0000".into(),
            },
            EmergencyContact {
                name: "".into(),
                relationship: "".into(),
                phone: "call me".into(),
            },
        ];
        d.insurance = Some(Insurance {
            payer: "Acme".into(),
            member_id: "".into(),
            group_number: "".into(),
        });
        d.preferences.language = "english please".into();
        let f = fields(validate_patient(d, today()));
        assert_eq!(
            f,
            [
                "emergency_contacts.1.name",
                "emergency_contacts.1.phone",
                "insurance.member_id",
                "preferences.language"
            ]
        );
    }

    #[test]
    fn control_characters_are_refused() {
        let mut d = valid();
        d.address.line1 = "1 Main St\nDROP TABLE".into();
        assert_eq!(fields(validate_patient(d, today())), ["address.line1"]);
    }

    #[test]
    fn language_tags() {
        for ok in ["en", "pt-BR", "zh-Hant-TW", "sw"] {
            assert!(is_language_tag(ok), "{ok}");
        }
        for bad in ["e", "english", "en_US", "en--x"] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }
}
