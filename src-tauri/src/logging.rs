//! Logging to daily-rotated files in `<data dir>/logs` (14 kept). Log lines carry
//! ids and counts only: never names, contact details, keys or tokens.
//!
//! `CLINIC_LOG` (a level: error, warn, info, debug, trace; default info) applies to
//! the clinic's own crates only. Dependencies (tauri, wry, WebKit glue, …) stay at
//! `warn` whatever it says: at debug/trace some of them log IPC payloads, which
//! carry patient data.
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
    let filter = EnvFilter::new(filter_directives(
        std::env::var("CLINIC_LOG").ok().as_deref(),
    ));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(appender)
        .try_init();
}

/// The filter for a `CLINIC_LOG` value: our crates at that level, the rest at warn.
fn filter_directives(level: Option<&str>) -> String {
    let level = level
        .map(str::trim)
        .filter(|l| ["error", "warn", "info", "debug", "trace"].contains(l))
        .unwrap_or("info");
    [
        "clinic_desktop",
        "clinic_core",
        "clinic_store",
        "clinic_protocol",
        "clinic_sync",
    ]
    .iter()
    .fold(String::from("warn"), |acc, krate| {
        format!("{acc},{krate}={level}")
    })
}

#[cfg(test)]
mod tests {
    use super::filter_directives;

    #[test]
    fn dependencies_never_log_below_warn() {
        assert_eq!(
            filter_directives(Some("trace")),
            "warn,clinic_desktop=trace,clinic_core=trace,clinic_store=trace,clinic_protocol=trace,clinic_sync=trace"
        );
        // Anything else (e.g. a directive turning tauri up) falls back to info for us.
        assert!(filter_directives(Some("tauri=trace")).starts_with("warn,clinic_desktop=info"));
        assert!(filter_directives(None).starts_with("warn,"));
    }
}
