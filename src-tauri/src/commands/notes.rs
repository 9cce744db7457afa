//! Encounters and clinical notes for doctors and nurses: the timeline, one note,
//! opening and closing encounters, writing, saving, signing and amending notes.
//! Rules, access checks and audit entries are in `clinic_core::notes`.
use crate::AppState;
use clinic_core::authz::Command;
use clinic_core::notes;
use clinic_protocol::{
    ClinicalNote, CreateEncounter, CreateNote, Encounter, NoteId, SetEncounterStatus, SignNote,
    TimelinePage, TimelineQuery, UiError, UpdateNote,
};
use tauri::State;

#[tauri::command]
pub async fn get_timeline(
    state: State<'_, AppState>,
    query: TimelineQuery,
) -> Result<TimelinePage, UiError> {
    state.run(Command::GetTimeline, |s, caller| {
        notes::timeline(s, caller, query)
    })
}

#[tauri::command]
pub async fn get_note(state: State<'_, AppState>, id: NoteId) -> Result<ClinicalNote, UiError> {
    state.run(Command::GetNote, |s, caller| notes::get_note(s, caller, id))
}

#[tauri::command]
pub async fn create_encounter(
    state: State<'_, AppState>,
    request: CreateEncounter,
) -> Result<Encounter, UiError> {
    state.run(Command::CreateEncounter, |s, caller| {
        notes::create_encounter(s, caller, request)
    })
}

#[tauri::command]
pub async fn set_encounter_status(
    state: State<'_, AppState>,
    request: SetEncounterStatus,
) -> Result<Encounter, UiError> {
    state.run(Command::SetEncounterStatus, |s, caller| {
        notes::set_encounter_status(s, caller, request)
    })
}

#[tauri::command]
pub async fn create_note(
    state: State<'_, AppState>,
    request: CreateNote,
) -> Result<ClinicalNote, UiError> {
    state.run(Command::CreateNote, |s, caller| {
        notes::create_note(s, caller, request)
    })
}

#[tauri::command]
pub async fn update_note(
    state: State<'_, AppState>,
    request: UpdateNote,
) -> Result<ClinicalNote, UiError> {
    state.run(Command::UpdateNote, |s, caller| {
        notes::update_note(s, caller, request)
    })
}

#[tauri::command]
pub async fn sign_note(
    state: State<'_, AppState>,
    request: SignNote,
) -> Result<ClinicalNote, UiError> {
    state.run(Command::SignNote, |s, caller| {
        notes::sign_note(s, caller, request)
    })
}
