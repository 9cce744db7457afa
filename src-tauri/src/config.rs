//! Start-up configuration from the environment. Every variable is documented in
//! the README; a bad value becomes a start-up error shown in the UI.
use std::path::PathBuf;

/// Overrides the data directory (database, logs). Default: the OS app-data dir.
pub const ENV_DATA_DIR: &str = "CLINIC_DATA_DIR";
/// Seeds this many synthetic patients on first start when the registry is empty.
pub const ENV_DEMO_PATIENTS: &str = "CLINIC_DEMO_PATIENTS";

#[derive(Clone, Debug)]
pub struct Config {
    pub data_dir: Option<PathBuf>,
    pub demo_patients: Result<usize, String>,
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
        Self {
            data_dir,
            demo_patients,
        }
    }

    pub fn db_path(&self) -> Option<PathBuf> {
        self.data_dir.as_ref().map(|d| d.join("clinic.db"))
    }
}
