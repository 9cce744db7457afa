//! Restricted patients: emergency (break-glass) access for clinicians, and the
//! administrators' restriction, care-team and alert commands. Rules, access
//! checks and audit entries are in `clinic_core::restricted`.
use crate::AppState;
use chrono::Utc;
use clinic_core::authz::Command;
use clinic_core::restricted;
use clinic_core::CoreError;
use clinic_protocol::{
    AcknowledgeAlert, BreakGlassAlert, BreakGlassGrant, BreakGlassRequest, PatientId,
    PatientRestriction, PatientRestrictionView, SetCareTeamMember, SetPatientRestriction, UiError,
};
use tauri::State;

#[tauri::command]
pub async fn break_glass(
    state: State<'_, AppState>,
    request: BreakGlassRequest,
) -> Result<BreakGlassGrant, UiError> {
    state.run_gate(Command::BreakGlass, |s, caller, gate, _| {
        let session = gate
            .current()
            .map(|(info, _)| info.clone())
            .ok_or(CoreError::SessionEnded)?;
        restricted::break_glass(
            s,
            caller,
            &session,
            request.patient_id,
            &request.reason,
            Utc::now(),
        )
    })
}

#[tauri::command]
pub async fn get_patient_restriction(
    state: State<'_, AppState>,
    id: PatientId,
) -> Result<PatientRestrictionView, UiError> {
    state.run(Command::GetPatientRestriction, |s, _| {
        Ok(PatientRestrictionView {
            restriction: restricted::restriction(s.conn(), id)?,
            care_team: restricted::care_team(s.conn(), id)?,
        })
    })
}

#[tauri::command]
pub async fn set_patient_restriction(
    state: State<'_, AppState>,
    request: SetPatientRestriction,
) -> Result<PatientRestriction, UiError> {
    state.run(Command::SetPatientRestriction, |s, caller| {
        restricted::set_restricted(
            s,
            caller,
            request.patient_id,
            request.restricted,
            request.category,
        )
    })
}

#[tauri::command]
pub async fn set_care_team_member(
    state: State<'_, AppState>,
    request: SetCareTeamMember,
) -> Result<(), UiError> {
    state.run(Command::SetCareTeamMember, |s, caller| {
        if request.member {
            restricted::add_to_care_team(s, caller, request.patient_id, request.staff_id)
        } else {
            restricted::remove_from_care_team(s, caller, request.patient_id, request.staff_id)
        }
    })
}

#[tauri::command]
pub async fn list_break_glass_alerts(
    state: State<'_, AppState>,
) -> Result<Vec<BreakGlassAlert>, UiError> {
    state.run(Command::ListBreakGlassAlerts, |s, _| {
        restricted::pending_admin_alerts(s.conn())
    })
}

#[tauri::command]
pub async fn acknowledge_break_glass_alert(
    state: State<'_, AppState>,
    request: AcknowledgeAlert,
) -> Result<BreakGlassAlert, UiError> {
    state.run(Command::AcknowledgeBreakGlassAlert, |s, caller| {
        restricted::acknowledge_alert(s, caller, request.alert_id)
    })
}
