//! Authorization: the role × command permission matrix, enforced in core for every
//! command the UI can call (DESIGN.md §6: roles are enforced here, never only in
//! the UI).
//!
//! Invariants:
//! - [`permits`] is the single source of truth: one `match` over `(command, role)`
//!   with no wildcard over commands, so adding a `Command` does not compile until
//!   someone decides who may use it. Tests compare every cell with an independent
//!   table (`crates/core/tests/authz_matrix.rs`): a change must be made twice.
//! - Every refusal is a [`Refusal`] (inside `CoreError::Forbidden`) naming the
//!   command and the role, never data; the shell hands it to the audit trail.
//! - A session limited to TOTP enrollment permits only enrollment, lock/unlock and
//!   logout; a locked session only unlock and logout.
use crate::CoreError;
use clinic_protocol::{Role, SessionInfo, SessionScope, StaffId};
use std::fmt;

/// Declares `Command`, `Command::ALL` and `Command::as_str` from one list, so
/// `ALL` cannot miss a variant.
macro_rules! commands {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)+) => {
        /// Every command the UI can call. Names match the Tauri command names.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Command {
            $($(#[$doc])* $variant,)+
        }

        impl Command {
            /// Every command, in declaration order (tests iterate it).
            pub const ALL: &'static [Command] = &[$(Command::$variant,)+];

            /// The Tauri command name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Command::$variant => $name,)+
                }
            }
        }
    };
}

commands! {
    /// Start-up status (public).
    AppStatus => "app_status",
    /// First run (public; refused by core once a clinic exists).
    CreateClinic => "create_clinic",
    /// Sign-in (public).
    Login => "login",
    RegisterPatient => "register_patient",
    UpdatePatient => "update_patient",
    GetPatient => "get_patient",
    SearchPatients => "search_patients",
    /// Merge a duplicate record into the surviving one.
    MergePatients => "merge_patients",
    ListStaff => "list_staff",
    CreateStaff => "create_staff",
    SetStaffRole => "set_staff_role",
    SetStaffDisabled => "set_staff_disabled",
    /// One's own second factor.
    BeginTotpEnrollment => "begin_totp_enrollment",
    ConfirmTotp => "confirm_totp",
    /// One's own password.
    ChangePassword => "change_password",
    /// An administrator resets a member's password or authenticator.
    ResetStaffPassword => "reset_staff_password",
    ResetStaffTotp => "reset_staff_totp",
    ViewAudit => "view_audit",
    ExportAudit => "export_audit",
    VerifyAudit => "verify_audit",
    RekeyDatabase => "rekey_database",
    SetAutoLock => "set_auto_lock",
    /// Emergency access to a restricted chart.
    BreakGlass => "break_glass",
    /// The clinical chart (allergies, medications, problems, plans).
    GetChartSummary => "get_chart_summary",
    ListChartEntries => "list_chart_entries",
    GetChartEntryHistory => "get_chart_entry_history",
    AddChartEntry => "add_chart_entry",
    UpdateChartEntry => "update_chart_entry",
    SetChartEntryStatus => "set_chart_entry_status",
    SetNoKnownAllergies => "set_no_known_allergies",
    /// Encounters and clinical notes.
    GetTimeline => "get_timeline",
    GetNote => "get_note",
    CreateEncounter => "create_encounter",
    SetEncounterStatus => "set_encounter_status",
    CreateNote => "create_note",
    UpdateNote => "update_note",
    SignNote => "sign_note",
    /// Vital signs and test results.
    RecordObservations => "record_observations",
    ListObservations => "list_observations",
    GetObservationTrend => "get_observation_trend",
    GetObservationSummary => "get_observation_summary",
    SetObservationEnteredInError => "set_observation_entered_in_error",
    ListObservationCodes => "list_observation_codes",
    /// Patient documents.
    UploadDocument => "upload_document",
    ListDocuments => "list_documents",
    GetDocument => "get_document",
    SaveDocumentCopy => "save_document_copy",
    ShareDocument => "share_document",
    ListSharedDocuments => "list_shared_documents",
    SetDocumentEnteredInError => "set_document_entered_in_error",
    /// Enabled doctors and nurses (to share with).
    ListColleagues => "list_colleagues",
    /// One's own in-app notifications.
    ListNotifications => "list_notifications",
    MarkNotificationRead => "mark_notification_read",
    /// A patient's restriction and care team (administrators' panel).
    GetPatientRestriction => "get_patient_restriction",
    SetPatientRestriction => "set_patient_restriction",
    SetCareTeamMember => "set_care_team_member",
    /// The administrators' inbox of break-glass alerts.
    ListBreakGlassAlerts => "list_break_glass_alerts",
    AcknowledgeBreakGlassAlert => "acknowledge_break_glass_alert",
    /// Scheduling: settings and configuration.
    GetScheduleSettings => "get_schedule_settings",
    SetScheduleSettings => "set_schedule_settings",
    ListTimeZones => "list_time_zones",
    ListAppointmentTypes => "list_appointment_types",
    SaveAppointmentType => "save_appointment_type",
    ListRooms => "list_rooms",
    SaveRoom => "save_room",
    ListProviders => "list_providers",
    GetProviderHours => "get_provider_hours",
    SetProviderHours => "set_provider_hours",
    ListScheduleExceptions => "list_schedule_exceptions",
    AddScheduleException => "add_schedule_exception",
    RemoveScheduleException => "remove_schedule_exception",
    /// Scheduling: slots, booking and the appointment's life.
    FindSlots => "find_slots",
    BookAppointment => "book_appointment",
    RescheduleAppointment => "reschedule_appointment",
    CancelAppointment => "cancel_appointment",
    SetAppointmentStatus => "set_appointment_status",
    GetCalendar => "get_calendar",
    GetPatientAppointments => "get_patient_appointments",
    ListWaitlist => "list_waitlist",
    AddToWaitlist => "add_to_waitlist",
    RemoveFromWaitlist => "remove_from_waitlist",
    ReassignDay => "reassign_day",
    ListReminders => "list_reminders",
    /// Staff open and close the check-in kiosk window.
    OpenKiosk => "open_kiosk",
    CloseKiosk => "close_kiosk",
    /// The kiosk window's own commands (no staff role may call them; only the
    /// kiosk window may, and it may call nothing else).
    KioskStatus => "kiosk_status",
    KioskIdentify => "kiosk_identify",
    KioskUpdateDetails => "kiosk_update_details",
    KioskCheckIn => "kiosk_check_in",
    KioskEnd => "kiosk_end",
    /// Sync: the indicator (public: the first-run download shows it before
    /// anyone can sign in; it carries no patient data), retry now, connect this
    /// device to a server, join an existing clinic (public; refused by core once a
    /// clinic exists), and the conflicts staff resolve.
    GetSyncStatus => "get_sync_status",
    SyncNow => "sync_now",
    ConnectSyncServer => "connect_sync_server",
    JoinClinic => "join_clinic",
    ListSyncConflicts => "list_sync_conflicts",
    ResolveSyncConflict => "resolve_sync_conflict",
    /// FHIR R4: import files, export one patient's record, export every
    /// patient (NDJSON).
    ImportFhir => "import_fhir",
    ExportFhirPatient => "export_fhir_patient",
    ExportFhirPatients => "export_fhir_patients",
    /// The patient's primary provider as a FHIR endpoint: the endpoints (listed
    /// for whoever links patients, saved by administrators), linking a patient,
    /// the patient's provider records, pulling now, asking the provider for
    /// documents, the history of exchanges and retrying a failed one.
    ListProviderEndpoints => "list_provider_endpoints",
    SaveProviderEndpoint => "save_provider_endpoint",
    LinkPatientProvider => "link_patient_provider",
    GetPatientProviderRecords => "get_patient_provider_records",
    SyncPatientProvider => "sync_patient_provider",
    RequestProviderDocuments => "request_provider_documents",
    ListProviderJobs => "list_provider_jobs",
    RetryProviderJob => "retry_provider_job",
    /// Practice dashboards: the schedule's (appointments, attendance,
    /// utilisation, new versus returning patients), the money's (revenue,
    /// receivables) and the CSV export of either (core narrows by dashboard).
    GetAppointmentsDashboard => "get_appointments_dashboard",
    GetAttendanceDashboard => "get_attendance_dashboard",
    GetUtilisationDashboard => "get_utilisation_dashboard",
    GetPatientMixDashboard => "get_patient_mix_dashboard",
    GetRevenueDashboard => "get_revenue_dashboard",
    GetReceivablesDashboard => "get_receivables_dashboard",
    ExportDashboardCsv => "export_dashboard_csv",
    /// Billing: settings and the fee schedule, invoices, payments (card
    /// payments through the gateway), refunds, credit notes, balances,
    /// statements and the desk's end-of-day close (core narrows some: prices
    /// and taxes for administrators, the front desk's payment methods).
    GetBillingSettings => "get_billing_settings",
    SaveBillingSettings => "save_billing_settings",
    /// This device's card payment gateway (its secret key goes in, never out).
    GetPaymentGateway => "get_payment_gateway",
    SavePaymentGateway => "save_payment_gateway",
    ListServices => "list_services",
    SaveService => "save_service",
    ListInvoices => "list_invoices",
    GetInvoice => "get_invoice",
    SaveInvoiceDraft => "save_invoice_draft",
    InvoiceForAppointment => "invoice_for_appointment",
    IssueInvoice => "issue_invoice",
    VoidInvoice => "void_invoice",
    RecordPayment => "record_payment",
    StartCardPayment => "start_card_payment",
    GetReceipt => "get_receipt",
    RecordRefund => "record_refund",
    RecordCreditNote => "record_credit_note",
    GetPatientBalance => "get_patient_balance",
    GetPatientStatement => "get_patient_statement",
    GetDaySummary => "get_day_summary",
    CloseDay => "close_day",
    ListDayCloses => "list_day_closes",
    /// Printable billing documents saved by explicit user action (audited).
    SaveInvoicePdf => "save_invoice_pdf",
    SaveReceiptPdf => "save_receipt_pdf",
    SaveStatementPdf => "save_statement_pdf",
    SaveDayClosePdf => "save_day_close_pdf",
    SaveDayCloseCsv => "save_day_close_csv",
    /// The kiosk window's balance: its patient's outstanding balance, paying
    /// one invoice by card and following that payment.
    KioskBalance => "kiosk_balance",
    KioskPayInvoice => "kiosk_pay_invoice",
    KioskPaymentStatus => "kiosk_payment_status",
    Lock => "lock",
    Unlock => "unlock",
    Logout => "logout",
}

impl Command {
    /// The commands of the kiosk window: the only ones it may call, and ones no
    /// staff session may call.
    pub fn is_kiosk(self) -> bool {
        matches!(
            self,
            Command::KioskStatus
                | Command::KioskIdentify
                | Command::KioskUpdateDetails
                | Command::KioskCheckIn
                | Command::KioskEnd
                | Command::KioskBalance
                | Command::KioskPayInvoice
                | Command::KioskPaymentStatus
        )
    }

    /// Commands that need no session: start-up status, first run (core refuses it
    /// once a clinic exists) and sign-in.
    pub fn is_public(self) -> bool {
        matches!(
            self,
            Command::AppStatus
                | Command::CreateClinic
                | Command::Login
                | Command::GetSyncStatus
                | Command::JoinClinic
        )
    }

    /// Commands a session limited to TOTP enrollment may use.
    pub fn allowed_during_enrollment(self) -> bool {
        matches!(
            self,
            Command::AppStatus
                | Command::GetSyncStatus
                | Command::BeginTotpEnrollment
                | Command::ConfirmTotp
                | Command::Lock
                | Command::Unlock
                | Command::Logout
        )
    }

    /// Commands a locked session may use (the lock screen shows no data).
    pub fn allowed_while_locked(self) -> bool {
        matches!(
            self,
            Command::AppStatus
                | Command::GetSyncStatus
                | Command::Lock
                | Command::Unlock
                | Command::Logout
        )
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// THE permission matrix: may a signed-in member of `role` use `command`?
///
/// Decisions (see the report table in docs and the test's copy):
/// - administrators run the clinic (staff, audit, re-key, settings) and may search
///   and view patients (to answer audit questions and support staff; every view is
///   audited) but do not register or edit them;
/// - front desk, doctors and nurses register, edit, search and view patients
///   (charts come later);
/// - billing searches and views patients only;
/// - the clinical chart is for clinicians (doctor, nurse) only: front desk,
///   billing and administrators see demographics, never clinical entries;
/// - break-glass is for clinicians (doctor, nurse); administrators restrict
///   patients, manage care teams and review break-glass alerts;
/// - everyone sees the schedule's configuration and calendars; administrators
///   set the clinic's scheduling settings, appointment types and rooms;
///   administrators and the front desk manage providers' hours, leave and
///   closures, reassign an absent provider's day, see the reminder queue and
///   open/close the kiosk; the front desk, doctors and nurses book, move,
///   cancel, check in and manage the waitlist; billing sees a patient's
///   appointments;
/// - the kiosk commands belong to the kiosk window alone: no staff role;
/// - everyone manages their own authenticator and session;
/// - FHIR: administrators (moving a clinic's records in) and doctors (a
///   referral's record) import; a patient's record is exported by the
///   clinicians and by administrators (release of records on request); the
///   whole clinic's patient list (demographics) by administrators only;
/// - the primary provider: administrators configure endpoints (credentials
///   stay on their device); whoever registers or administers links a patient,
///   pulls now, sees the history and retries (no clinical values in it); the
///   records pulled are read by the clinicians (as documents are); clinicians
///   and administrators ask the provider for documents;
/// - practice dashboards: administrators see all; doctors the schedule's (core
///   narrows them to their own appointments); billing the money's (revenue,
///   receivables); each exports what it may see (core checks the dashboard);
/// - billing: administrators and billing staff run it all (administrators
///   alone set the currency, create services and change prices and taxes:
///   core checks); the front desk makes and issues an appointment's invoice,
///   takes cash and card payments (core checks the method), sees invoices,
///   balances and statements and closes its day; doctors and nurses see a
///   patient's balance only; the kiosk window pays its own patient's balance;
/// - `create_clinic` and `login` are for callers without a session: a signed-in
///   user logs out first.
pub fn permits(role: Role, command: Command) -> bool {
    use Command as C;
    use Role as R;
    match command {
        C::AppStatus => true,
        C::CreateClinic | C::Login => false,
        C::RegisterPatient | C::UpdatePatient | C::MergePatients => {
            matches!(role, R::FrontDesk | R::Doctor | R::Nurse)
        }
        C::GetPatient | C::SearchPatients => matches!(
            role,
            R::Administrator | R::FrontDesk | R::Doctor | R::Nurse | R::Billing
        ),
        C::ListStaff
        | C::CreateStaff
        | C::SetStaffRole
        | C::SetStaffDisabled
        | C::ResetStaffPassword
        | C::ResetStaffTotp => role == R::Administrator,
        C::BeginTotpEnrollment | C::ConfirmTotp | C::ChangePassword => true,
        C::ViewAudit | C::ExportAudit | C::VerifyAudit => role == R::Administrator,
        C::RekeyDatabase | C::SetAutoLock => role == R::Administrator,
        C::BreakGlass => matches!(role, R::Doctor | R::Nurse),
        C::GetChartSummary
        | C::ListChartEntries
        | C::GetChartEntryHistory
        | C::AddChartEntry
        | C::UpdateChartEntry
        | C::SetChartEntryStatus
        | C::SetNoKnownAllergies
        | C::GetTimeline
        | C::GetNote
        | C::CreateEncounter
        | C::SetEncounterStatus
        | C::CreateNote
        | C::UpdateNote
        | C::SignNote
        | C::RecordObservations
        | C::ListObservations
        | C::GetObservationTrend
        | C::GetObservationSummary
        | C::SetObservationEnteredInError
        | C::ListObservationCodes
        | C::UploadDocument
        | C::ListDocuments
        | C::GetDocument
        | C::SaveDocumentCopy
        | C::ShareDocument
        | C::ListSharedDocuments
        | C::SetDocumentEnteredInError
        | C::ListColleagues => matches!(role, R::Doctor | R::Nurse),
        C::ListNotifications | C::MarkNotificationRead => true,
        C::GetPatientRestriction
        | C::SetPatientRestriction
        | C::SetCareTeamMember
        | C::ListBreakGlassAlerts
        | C::AcknowledgeBreakGlassAlert => role == R::Administrator,
        C::GetScheduleSettings
        | C::ListTimeZones
        | C::ListAppointmentTypes
        | C::ListRooms
        | C::ListProviders
        | C::GetProviderHours
        | C::ListScheduleExceptions
        | C::GetCalendar => true,
        C::SetScheduleSettings | C::SaveAppointmentType | C::SaveRoom => role == R::Administrator,
        C::SetProviderHours
        | C::AddScheduleException
        | C::RemoveScheduleException
        | C::ReassignDay
        | C::ListReminders
        | C::OpenKiosk
        | C::CloseKiosk => matches!(role, R::Administrator | R::FrontDesk),
        C::FindSlots
        | C::BookAppointment
        | C::RescheduleAppointment
        | C::CancelAppointment
        | C::SetAppointmentStatus
        | C::ListWaitlist
        | C::AddToWaitlist
        | C::RemoveFromWaitlist => matches!(role, R::FrontDesk | R::Doctor | R::Nurse),
        C::GetPatientAppointments => {
            matches!(role, R::FrontDesk | R::Doctor | R::Nurse | R::Billing)
        }
        C::KioskStatus
        | C::KioskIdentify
        | C::KioskUpdateDetails
        | C::KioskCheckIn
        | C::KioskEnd => false,
        C::GetSyncStatus | C::SyncNow => true,
        C::JoinClinic => false,
        C::ConnectSyncServer => role == R::Administrator,
        C::ListSyncConflicts => !matches!(role, R::Billing),
        C::ResolveSyncConflict => matches!(role, R::Administrator | R::FrontDesk),
        C::ImportFhir => matches!(role, R::Administrator | R::Doctor),
        C::ExportFhirPatient => matches!(role, R::Administrator | R::Doctor | R::Nurse),
        C::ExportFhirPatients => role == R::Administrator,
        C::ListProviderEndpoints
        | C::LinkPatientProvider
        | C::SyncPatientProvider
        | C::ListProviderJobs
        | C::RetryProviderJob => {
            matches!(role, R::Administrator | R::FrontDesk | R::Doctor | R::Nurse)
        }
        C::SaveProviderEndpoint => role == R::Administrator,
        C::GetPatientProviderRecords => matches!(role, R::Doctor | R::Nurse),
        C::RequestProviderDocuments => matches!(role, R::Administrator | R::Doctor | R::Nurse),
        C::GetAppointmentsDashboard
        | C::GetAttendanceDashboard
        | C::GetUtilisationDashboard
        | C::GetPatientMixDashboard => matches!(role, R::Administrator | R::Doctor),
        C::GetRevenueDashboard | C::GetReceivablesDashboard => {
            matches!(role, R::Administrator | R::Billing)
        }
        C::ExportDashboardCsv => matches!(role, R::Administrator | R::Doctor | R::Billing),
        C::GetBillingSettings => true,
        C::SaveBillingSettings | C::GetPaymentGateway | C::SavePaymentGateway => {
            role == R::Administrator
        }
        C::SaveService
        | C::SaveInvoiceDraft
        | C::VoidInvoice
        | C::RecordRefund
        | C::RecordCreditNote => matches!(role, R::Administrator | R::Billing),
        C::ListServices
        | C::ListInvoices
        | C::GetInvoice
        | C::InvoiceForAppointment
        | C::IssueInvoice
        | C::RecordPayment
        | C::StartCardPayment
        | C::GetReceipt
        | C::GetPatientStatement
        | C::GetDaySummary
        | C::CloseDay
        | C::ListDayCloses
        | C::SaveInvoicePdf
        | C::SaveReceiptPdf
        | C::SaveStatementPdf
        | C::SaveDayClosePdf
        | C::SaveDayCloseCsv => matches!(role, R::Administrator | R::Billing | R::FrontDesk),
        C::GetPatientBalance => true,
        C::KioskBalance | C::KioskPayInvoice | C::KioskPaymentStatus => false,
        C::Lock | C::Unlock | C::Logout => true,
    }
}

/// Why a command was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefusalReason {
    /// The matrix does not give this role the command.
    RoleNotPermitted,
    /// The session is limited to TOTP enrollment.
    EnrollmentOnly,
    /// The session is locked.
    Locked,
    /// No one is signed in.
    NotSignedIn,
}

impl RefusalReason {
    /// The text recorded in `access_denied` audit entries.
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalReason::RoleNotPermitted => "role_not_permitted",
            RefusalReason::EnrollmentOnly => "enrollment_only",
            RefusalReason::Locked => "locked",
            RefusalReason::NotSignedIn => "not_signed_in",
        }
    }
}

/// A refused command, for the caller to audit (who, which command, why) and to
/// return to the UI. Holds ids and names of commands only, never data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub command: Command,
    pub staff_id: Option<StaffId>,
    pub role: Option<Role>,
    pub reason: RefusalReason,
}

impl Refusal {
    /// The message the UI shows.
    pub fn message(&self) -> String {
        let command = self.command.as_str();
        match (self.reason, self.role) {
            (RefusalReason::RoleNotPermitted, Some(role)) => format!(
                "Your role ({}) may not use '{command}'.",
                role.as_str().replace('_', " ")
            ),
            (RefusalReason::EnrollmentOnly, _) => {
                format!("Set up your authenticator app before using '{command}'.")
            }
            (RefusalReason::Locked, _) => {
                format!("The app is locked; unlock it before using '{command}'.")
            }
            _ => format!("Sign in to use '{command}'."),
        }
    }
}

fn refuse(session: Option<&SessionInfo>, command: Command, reason: RefusalReason) -> CoreError {
    CoreError::Forbidden(Box::new(Refusal {
        command,
        staff_id: session.map(|s| s.staff_id),
        role: session.map(|s| s.role),
        reason,
    }))
}

/// May the signed-in, unlocked `session` use `command`? On refusal the error is
/// `CoreError::Forbidden(refusal)`: audit the refusal, then return the error.
pub fn authorize(session: &SessionInfo, command: Command) -> Result<(), CoreError> {
    if session.scope == SessionScope::TotpEnrollment && !command.allowed_during_enrollment() {
        return Err(refuse(
            Some(session),
            command,
            RefusalReason::EnrollmentOnly,
        ));
    }
    if !permits(session.role, command) {
        return Err(refuse(
            Some(session),
            command,
            RefusalReason::RoleNotPermitted,
        ));
    }
    Ok(())
}

/// Like [`authorize`], for a session whose screen is locked.
pub fn authorize_locked(session: &SessionInfo, command: Command) -> Result<(), CoreError> {
    if !command.allowed_while_locked() {
        return Err(refuse(Some(session), command, RefusalReason::Locked));
    }
    authorize(session, command)
}

/// For a caller with no session: only public commands.
pub fn authorize_anonymous(command: Command) -> Result<(), CoreError> {
    if command.is_public() {
        Ok(())
    } else {
        Err(refuse(None, command, RefusalReason::NotSignedIn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_names_are_unique_and_all_is_complete() {
        let mut names: Vec<&str> = Command::ALL.iter().map(|c| c.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Command::ALL.len());
    }

    #[test]
    fn every_role_can_end_its_session() {
        for role in Role::ALL {
            assert!(permits(role, Command::Logout));
            assert!(permits(role, Command::Lock));
            assert!(permits(role, Command::Unlock));
        }
    }
}
