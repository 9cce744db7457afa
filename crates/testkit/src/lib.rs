//! Seeded, deterministic synthetic patients for the demo clinic, benchmarks and
//! tests: the same seed always yields the same patients. Names are drawn from many
//! languages (with accents, compound and apostrophe names) and ages span 0–99.
//! Every generated record passes the registry's validation.
#![forbid(unsafe_code)]

mod names;

use chrono::{Days, NaiveDate};
use clinic_protocol::{
    Address, ContactChannel, EmergencyContact, Insurance, PatientDetails, Preferences, Sex,
};
use names::{CITIES, FAMILY, GIVEN_FEMALE, GIVEN_MALE, LANGUAGES, PAYERS, RELATIONSHIPS, STREETS};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Dates of birth are computed back from this fixed day, so output never depends on
/// when the generator runs.
pub fn reference_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default()
}

/// A deterministic stream of synthetic patients.
#[derive(Debug)]
pub struct PatientGenerator {
    rng: ChaCha8Rng,
    serial: u64,
}

impl PatientGenerator {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
            serial: 0,
        }
    }

    /// The next patient.
    pub fn next_patient(&mut self) -> PatientDetails {
        self.serial += 1;
        let rng = &mut self.rng;
        let sex = match rng.random_range(0..100) {
            0..=48 => Sex::Female,
            49..=96 => Sex::Male,
            97 => Sex::Other,
            _ => Sex::Unknown,
        };
        let given_pool = match sex {
            Sex::Female => GIVEN_FEMALE,
            Sex::Male => GIVEN_MALE,
            _ if rng.random_bool(0.5) => GIVEN_FEMALE,
            _ => GIVEN_MALE,
        };
        let given = pick(rng, given_pool);
        let middle = if rng.random_bool(0.3) {
            pick(rng, given_pool)
        } else {
            ""
        };
        let family = if rng.random_bool(0.08) {
            format!("{}-{}", pick(rng, FAMILY), pick(rng, FAMILY))
        } else {
            pick(rng, FAMILY).to_string()
        };
        let age_days = rng.random_range(0..100 * 365);
        let dob = reference_date()
            .checked_sub_days(Days::new(age_days))
            .unwrap_or_else(reference_date);
        let phone = format!(
            "+{} {:03} {:03} {:04}",
            rng.random_range(1..=99),
            rng.random_range(100..1000),
            rng.random_range(0..1000),
            rng.random_range(0..10000)
        );
        let email = if rng.random_bool(0.6) {
            format!(
                "{}.{}{}@example.{}",
                ascii_lower(given),
                ascii_lower(&family),
                self.serial,
                pick(rng, &["org", "net", "com"])
            )
        } else {
            String::new()
        };
        let (city, region, country) = *CITIES.choose(rng).unwrap_or(&("Springfield", "", "US"));
        let address = Address {
            line1: format!("{} {}", rng.random_range(1..400), pick(rng, STREETS)),
            line2: if rng.random_bool(0.15) {
                format!("Apt {}", rng.random_range(1..90))
            } else {
                String::new()
            },
            city: city.into(),
            region: region.into(),
            postal_code: format!("{:05}", rng.random_range(1000..99999)),
            country: country.into(),
        };
        let contacts = (0..rng.random_range(0..=2))
            .map(|_| EmergencyContact {
                name: format!("{} {}", pick(rng, GIVEN_FEMALE), pick(rng, FAMILY)),
                relationship: pick(rng, RELATIONSHIPS).into(),
                phone: format!(
                    "+{} {:09}",
                    rng.random_range(1..=99),
                    rng.random_range(0..1_000_000_000u32)
                ),
            })
            .collect();
        let insurance = rng.random_bool(0.7).then(|| Insurance {
            payer: pick(rng, PAYERS).into(),
            member_id: format!("M{:09}", rng.random_range(0..1_000_000_000u32)),
            group_number: if rng.random_bool(0.5) {
                format!("G{:05}", rng.random_range(0..100_000))
            } else {
                String::new()
            },
        });
        let channel = *[
            ContactChannel::Phone,
            ContactChannel::Sms,
            ContactChannel::Email,
            ContactChannel::Mail,
        ]
        .choose(rng)
        .unwrap_or(&ContactChannel::Phone);
        PatientDetails {
            given_name: given.into(),
            middle_name: middle.into(),
            family_name: family,
            date_of_birth: dob.format("%Y-%m-%d").to_string(),
            sex: Some(sex),
            phone,
            email: email.clone(),
            address,
            emergency_contacts: contacts,
            insurance,
            preferences: Preferences {
                language: pick(rng, LANGUAGES).into(),
                contact_channel: if email.is_empty() && channel == ContactChannel::Email {
                    ContactChannel::Phone
                } else {
                    channel
                },
            },
        }
    }
}

impl Iterator for PatientGenerator {
    type Item = PatientDetails;
    fn next(&mut self) -> Option<PatientDetails> {
        Some(self.next_patient())
    }
}

fn pick<'a>(rng: &mut ChaCha8Rng, pool: &[&'a str]) -> &'a str {
    pool.choose(rng).copied().unwrap_or("X")
}

/// ASCII-only lower-case letters for synthetic email local parts, accents
/// folded (`María` -> `maria`).
fn ascii_lower(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfkd()
        .filter(|c| c.is_ascii_alphabetic())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_patients_and_different_seed_differs() {
        let a: Vec<_> = PatientGenerator::new(7).take(50).collect();
        let b: Vec<_> = PatientGenerator::new(7).take(50).collect();
        let c: Vec<_> = PatientGenerator::new(8).take(50).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn names_and_ages_are_diverse() {
        let ps: Vec<_> = PatientGenerator::new(1).take(2000).collect();
        let families: std::collections::HashSet<_> = ps.iter().map(|p| &p.family_name).collect();
        assert!(families.len() > 100, "only {} family names", families.len());
        assert!(
            ps.iter().any(|p| !p.family_name.is_ascii()),
            "no accented names"
        );
        let years: std::collections::HashSet<_> =
            ps.iter().map(|p| &p.date_of_birth[..4]).collect();
        assert!(years.len() > 80, "only {} birth years", years.len());
    }
}
