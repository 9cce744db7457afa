//! Build script of the desktop shell: generates Tauri's context, with capabilities
//! read from src-tauri/capabilities (tauri.conf.json lives at the repository root).
fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=tauri.conf.json");
    let attributes =
        tauri_build::Attributes::new().capabilities_path_pattern("src-tauri/capabilities/**/*");
    tauri_build::try_build(attributes).expect("failed to run the Tauri build script");
}
