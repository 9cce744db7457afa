//! Desktop entry point: everything lives in the library so tests can build the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    clinic_desktop::run();
}
