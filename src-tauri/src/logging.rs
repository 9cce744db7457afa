//! Logging to daily-rotated files in `<data dir>/logs` (14 kept). Log lines carry
//! ids and counts only: never names, contact details, keys or tokens.
use std::path::Path;
use tracing_subscriber::EnvFilter;

pub fn init(data_dir: &Path) {
    let dir = data_dir.join("logs");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("logging disabled: the log directory could not be created ({e})");
        return;
    }
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("clinic")
        .filename_suffix("log")
        .max_log_files(14)
        .build(dir);
    let Ok(appender) = appender else {
        eprintln!("logging disabled: the log directory could not be created");
        return;
    };
    let filter = EnvFilter::try_from_env("CLINIC_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(appender)
        .try_init();
}
