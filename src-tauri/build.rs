//! Build script of the desktop shell: generates Tauri's context, with capabilities
//! read from src-tauri/capabilities (tauri.conf.json lives at the repository root),
//! and an app manifest listing every app command, so that each window reaches only
//! the commands its capability allows.
const APP_COMMANDS: &[&str] = include!("src/commands/names.rs");

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=src-tauri/src/commands/names.rs");
    println!("cargo:rerun-if-changed=tauri.conf.json");
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(APP_COMMANDS));
    tauri_build::try_build(attributes).expect("failed to run the Tauri build script");
}
