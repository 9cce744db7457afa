//! Start-up configuration from the environment. Every variable is documented in
//! the README; a bad value becomes a start-up error shown in the UI.
use crate::demo::Demo;
use std::path::PathBuf;

/// Overrides the data directory (database, logs). Default: the OS app-data dir.
pub const ENV_DATA_DIR: &str = "CLINIC_DATA_DIR";
/// Seeds this many synthetic patients on first start when the registry is empty.
pub const ENV_DEMO_PATIENTS: &str = "CLINIC_DEMO_PATIENTS";
/// `1`: on first start, create the demo clinic and its accounts (see `demo.rs`).
pub const ENV_DEMO_STAFF: &str = "CLINIC_DEMO_STAFF";

#[derive(Clone, Debug)]
pub struct Config {
    pub data_dir: Option<PathBuf>,
    pub demo: Result<Demo, String>,
}

impl Config {
    pub fn from_env(default_data_dir: Option<PathBuf>) -> Self {
        let data_dir = std::env::var_os(ENV_DATA_DIR)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or(default_data_dir);
        let demo_patients = match std::env::var(ENV_DEMO_PATIENTS) {
            Err(_) => Ok(0),
            Ok(v) => v
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n <= 200_000)
                .ok_or_else(|| format!("{ENV_DEMO_PATIENTS} must be a number from 0 to 200000")),
        };
        let demo_staff = match std::env::var(ENV_DEMO_STAFF).as_deref() {
            Err(_) | Ok("") | Ok("0") => Ok(false),
            Ok("1") => Ok(true),
            Ok(_) => Err(format!("{ENV_DEMO_STAFF} must be 0 or 1")),
        };
        let demo =
            demo_patients.and_then(|patients| demo_staff.map(|staff| Demo { staff, patients }));
        Self { data_dir, demo }
    }

    pub fn db_path(&self) -> Option<PathBuf> {
        self.data_dir.as_ref().map(|d| d.join("clinic.db"))
    }
}
