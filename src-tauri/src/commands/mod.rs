//! Tauri commands, one module per feature. Each command is a few lines: take the
//! request, call core through `AppState::with_store`, return the result or a `UiError`.
pub mod patients;
pub mod status;
