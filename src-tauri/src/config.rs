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
/// The demo's local test gateway (`http://127.0.0.1:PORT`): on first start, set
/// up billing and card payments against it (see `demo_billing.rs`).
pub const ENV_DEMO_GATEWAY: &str = "CLINIC_DEMO_GATEWAY";

/// Enroll with this sync server at start when not enrolled yet (the demo):
/// its URL, a one-time enrollment code, a PEM file of the clinic's CA, a name.
pub const ENV_SYNC_SERVER: &str = "CLINIC_SYNC_SERVER";
pub const ENV_SYNC_CODE: &str = "CLINIC_SYNC_CODE";
pub const ENV_SYNC_CA: &str = "CLINIC_SYNC_CA";
pub const ENV_SYNC_DEVICE_NAME: &str = "CLINIC_SYNC_DEVICE_NAME";

#[derive(Clone, Debug)]
pub struct Config {
    pub data_dir: Option<PathBuf>,
    pub demo: Result<Demo, String>,
    /// From `CLINIC_SYNC_*`: enroll automatically (when all needed are set).
    pub sync_enroll: Option<clinic_protocol::ConnectSyncServer>,
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
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let gateway = env(ENV_DEMO_GATEWAY);
        let demo = demo_patients.and_then(|patients| {
            demo_staff.map(|staff| Demo {
                staff,
                patients,
                gateway,
            })
        });
        let sync_enroll = match (env(ENV_SYNC_SERVER), env(ENV_SYNC_CODE)) {
            (Some(server_url), Some(enrollment_code)) => Some(clinic_protocol::ConnectSyncServer {
                server_url,
                enrollment_code,
                device_name: env(ENV_SYNC_DEVICE_NAME).unwrap_or_else(|| "Clinic device".into()),
                ca_pem: env(ENV_SYNC_CA).and_then(|path| std::fs::read_to_string(path).ok()),
            }),
            _ => None,
        };
        Self {
            data_dir,
            demo,
            sync_enroll,
        }
    }

    pub fn db_path(&self) -> Option<PathBuf> {
        self.data_dir.as_ref().map(|d| d.join("clinic.db"))
    }
}
