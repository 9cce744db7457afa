//! Billing and payments: settings and the fee schedule, invoices (draft, issue,
//! void), payments (cash, bank transfer, insurance remittance; card payments
//! start pending and are completed by the payment loop, `payment_loop`), this
//! device's card gateway, receipts, refunds,
//! credit notes, balances and statements, the end-of-day close, and the kiosk's
//! "pay my balance". Rules, money arithmetic, checks and audit are in
//! `clinic_core::billing`; printable copies are in `billing_print`.
use crate::AppState;
use chrono::Utc;
use clinic_core::authz::Command;
use clinic_core::billing;
use clinic_protocol::{
    AppointmentId, BillingSettings, CloseDay, CreditNote, DayClose, DaySummary, DaySummaryQuery,
    Invoice, InvoiceDetail, InvoiceId, InvoiceQuery, InvoiceSummary, IssueInvoice, KioskBalance,
    KioskCardPayment, KioskPayInvoice, KioskPaymentQuery, KioskToken, PatientBalance, PatientId,
    PatientStatement, Payment, PaymentGatewaySettings, PaymentId, Receipt, RecordCreditNote,
    RecordPayment, RecordRefund, Refund, SaveBillingSettings, SaveInvoiceDraft, SavePaymentGateway,
    SaveService, Service, StartCardPayment, StatementQuery, UiError, VoidInvoice,
};
use tauri::State;

#[tauri::command]
pub async fn get_billing_settings(state: State<'_, AppState>) -> Result<BillingSettings, UiError> {
    state.run(Command::GetBillingSettings, |s, _| {
        billing::settings(s.conn())
    })
}

#[tauri::command]
pub async fn save_billing_settings(
    state: State<'_, AppState>,
    request: SaveBillingSettings,
) -> Result<BillingSettings, UiError> {
    state.run(Command::SaveBillingSettings, |s, caller| {
        billing::save_settings(s, caller, request)
    })
}

#[tauri::command]
pub async fn get_payment_gateway(
    state: State<'_, AppState>,
) -> Result<PaymentGatewaySettings, UiError> {
    state.run(Command::GetPaymentGateway, |s, _| {
        billing::gateway_settings(s.conn())
    })
}

/// Saves this device's card gateway and wakes the payment loop.
#[tauri::command]
pub async fn save_payment_gateway(
    state: State<'_, AppState>,
    request: SavePaymentGateway,
) -> Result<PaymentGatewaySettings, UiError> {
    let saved = state.run(Command::SavePaymentGateway, |s, caller| {
        billing::save_gateway(s, caller, request)
    })?;
    state.payments.wake();
    Ok(saved)
}

#[tauri::command]
pub async fn list_services(
    state: State<'_, AppState>,
    include_inactive: bool,
) -> Result<Vec<Service>, UiError> {
    state.run(Command::ListServices, |s, _| {
        billing::list_services(s.conn(), include_inactive)
    })
}

#[tauri::command]
pub async fn save_service(
    state: State<'_, AppState>,
    request: SaveService,
) -> Result<Service, UiError> {
    state.run(Command::SaveService, |s, caller| {
        billing::save_service(s, caller, request)
    })
}

#[tauri::command]
pub async fn list_invoices(
    state: State<'_, AppState>,
    query: InvoiceQuery,
) -> Result<Vec<InvoiceSummary>, UiError> {
    state.run(Command::ListInvoices, |s, caller| {
        billing::list_invoices(s, caller, query)
    })
}

#[tauri::command]
pub async fn get_invoice(
    state: State<'_, AppState>,
    id: InvoiceId,
) -> Result<InvoiceDetail, UiError> {
    state.run(Command::GetInvoice, |s, caller| {
        billing::invoice_detail(s, caller, id)
    })
}

#[tauri::command]
pub async fn invoice_for_appointment(
    state: State<'_, AppState>,
    appointment_id: AppointmentId,
) -> Result<Invoice, UiError> {
    state.run(Command::InvoiceForAppointment, |s, caller| {
        billing::invoice_for_appointment(s, caller, appointment_id)
    })
}

#[tauri::command]
pub async fn save_invoice_draft(
    state: State<'_, AppState>,
    request: SaveInvoiceDraft,
) -> Result<Invoice, UiError> {
    state.run(Command::SaveInvoiceDraft, |s, caller| {
        billing::save_draft(s, caller, request)
    })
}

#[tauri::command]
pub async fn issue_invoice(
    state: State<'_, AppState>,
    request: IssueInvoice,
) -> Result<Invoice, UiError> {
    state.run(Command::IssueInvoice, |s, caller| {
        billing::issue_invoice(s, caller, request)
    })
}

#[tauri::command]
pub async fn void_invoice(
    state: State<'_, AppState>,
    request: VoidInvoice,
) -> Result<Invoice, UiError> {
    state.run(Command::VoidInvoice, |s, caller| {
        billing::void_invoice(s, caller, request)
    })
}

#[tauri::command]
pub async fn record_payment(
    state: State<'_, AppState>,
    request: RecordPayment,
) -> Result<Payment, UiError> {
    state.run(Command::RecordPayment, |s, caller| {
        billing::record_payment(s, caller, request)
    })
}

/// A pending card payment; the payment runner opens the gateway's hosted page
/// once the device is online.
#[tauri::command]
pub async fn start_card_payment(
    state: State<'_, AppState>,
    request: StartCardPayment,
) -> Result<Payment, UiError> {
    let started = state.run(Command::StartCardPayment, |s, caller| {
        billing::start_card_payment(s, caller, request)
    })?;
    state.payments.wake();
    Ok(started)
}

#[tauri::command]
pub async fn get_receipt(
    state: State<'_, AppState>,
    payment_id: PaymentId,
) -> Result<Receipt, UiError> {
    state.run(Command::GetReceipt, |s, caller| {
        billing::receipt(s, caller, payment_id)
    })
}

#[tauri::command]
pub async fn record_refund(
    state: State<'_, AppState>,
    request: RecordRefund,
) -> Result<Refund, UiError> {
    state.run(Command::RecordRefund, |s, caller| {
        billing::record_refund(s, caller, request)
    })
}

#[tauri::command]
pub async fn record_credit_note(
    state: State<'_, AppState>,
    request: RecordCreditNote,
) -> Result<CreditNote, UiError> {
    state.run(Command::RecordCreditNote, |s, caller| {
        billing::record_credit_note(s, caller, request)
    })
}

#[tauri::command]
pub async fn get_patient_balance(
    state: State<'_, AppState>,
    patient_id: PatientId,
) -> Result<PatientBalance, UiError> {
    state.run(Command::GetPatientBalance, |s, caller| {
        billing::patient_balance(s, caller, patient_id)
    })
}

#[tauri::command]
pub async fn get_patient_statement(
    state: State<'_, AppState>,
    query: StatementQuery,
) -> Result<PatientStatement, UiError> {
    state.run(Command::GetPatientStatement, |s, caller| {
        billing::statement(s, caller, query)
    })
}

#[tauri::command]
pub async fn get_day_summary(
    state: State<'_, AppState>,
    query: DaySummaryQuery,
) -> Result<DaySummary, UiError> {
    state.run(Command::GetDaySummary, |s, caller| {
        billing::day_summary(s, caller, query, Utc::now())
    })
}

#[tauri::command]
pub async fn close_day(state: State<'_, AppState>, request: CloseDay) -> Result<DayClose, UiError> {
    state.run(Command::CloseDay, |s, caller| {
        billing::close_day(s, caller, request, Utc::now())
    })
}

#[tauri::command]
pub async fn list_day_closes(
    state: State<'_, AppState>,
    date: String,
) -> Result<Vec<DayClose>, UiError> {
    state.run(Command::ListDayCloses, |s, caller| {
        billing::list_day_closes(s, caller, &date)
    })
}

#[tauri::command]
pub async fn kiosk_balance(
    state: State<'_, AppState>,
    request: KioskToken,
) -> Result<KioskBalance, UiError> {
    state.run_kiosk(Command::KioskBalance, |s, caller, desk| {
        desk.balance(s, caller, &request.token, Utc::now())
    })
}

#[tauri::command]
pub async fn kiosk_pay_invoice(
    state: State<'_, AppState>,
    request: KioskPayInvoice,
) -> Result<KioskCardPayment, UiError> {
    let started = state.run_kiosk(Command::KioskPayInvoice, |s, caller, desk| {
        desk.pay_invoice(s, caller, request, Utc::now())
    })?;
    state.payments.wake();
    Ok(started)
}

#[tauri::command]
pub async fn kiosk_payment_status(
    state: State<'_, AppState>,
    query: KioskPaymentQuery,
) -> Result<KioskCardPayment, UiError> {
    state.run_kiosk(Command::KioskPaymentStatus, |s, _, desk| {
        desk.payment_status(s, query, Utc::now())
    })
}
