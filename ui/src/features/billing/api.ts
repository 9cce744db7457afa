// The only place billing talks to the Tauri shell: settings, the device's card payment
// gateway and the service catalogue, invoices (drafts, issue, void), payments (recorded, card through the gateway),
// receipts, refunds, credit notes, a patient's balance and statement, the desk's
// end-of-day close, and the PDF/CSV saves (the shell shows the save dialog; `null` means
// the user cancelled). Each function is one command; a failure rejects with whatever the
// shell sent (normalize with `toUiError`).
import { invoke } from "@tauri-apps/api/core";
import type { AppointmentId } from "../../bindings/AppointmentId";
import type { BillingSettings } from "../../bindings/BillingSettings";
import type { CloseDay } from "../../bindings/CloseDay";
import type { CreditNote } from "../../bindings/CreditNote";
import type { DayClose } from "../../bindings/DayClose";
import type { DaySummary } from "../../bindings/DaySummary";
import type { DaySummaryQuery } from "../../bindings/DaySummaryQuery";
import type { Invoice } from "../../bindings/Invoice";
import type { InvoiceDetail } from "../../bindings/InvoiceDetail";
import type { InvoiceId } from "../../bindings/InvoiceId";
import type { InvoiceQuery } from "../../bindings/InvoiceQuery";
import type { InvoiceSummary } from "../../bindings/InvoiceSummary";
import type { IssueInvoice } from "../../bindings/IssueInvoice";
import type { PatientBalance } from "../../bindings/PatientBalance";
import type { PatientId } from "../../bindings/PatientId";
import type { PatientStatement } from "../../bindings/PatientStatement";
import type { Payment } from "../../bindings/Payment";
import type { PaymentGatewaySettings } from "../../bindings/PaymentGatewaySettings";
import type { PaymentId } from "../../bindings/PaymentId";
import type { Receipt } from "../../bindings/Receipt";
import type { RecordCreditNote } from "../../bindings/RecordCreditNote";
import type { RecordPayment } from "../../bindings/RecordPayment";
import type { RecordRefund } from "../../bindings/RecordRefund";
import type { Refund } from "../../bindings/Refund";
import type { SaveBillingSettings } from "../../bindings/SaveBillingSettings";
import type { SaveInvoiceDraft } from "../../bindings/SaveInvoiceDraft";
import type { SavePaymentGateway } from "../../bindings/SavePaymentGateway";
import type { SaveService } from "../../bindings/SaveService";
import type { Service } from "../../bindings/Service";
import type { StartCardPayment } from "../../bindings/StartCardPayment";
import type { StatementQuery } from "../../bindings/StatementQuery";
import type { VoidInvoice } from "../../bindings/VoidInvoice";

/** Where a saved PDF/CSV went, or `null` when the user cancelled the dialog. */
export type Saved = { path: string } | null;

export const getBillingSettings = (): Promise<BillingSettings> => invoke<BillingSettings>("get_billing_settings");
export const saveBillingSettings = (request: SaveBillingSettings): Promise<BillingSettings> =>
  invoke<BillingSettings>("save_billing_settings", { request });

/** This device's card payment gateway (administrators); the secret key never comes back. */
export const getPaymentGateway = (): Promise<PaymentGatewaySettings> => invoke<PaymentGatewaySettings>("get_payment_gateway");
/** `kind: null` removes the gateway; `secret_key: null` keeps the saved key. */
export const savePaymentGateway = (request: SavePaymentGateway): Promise<PaymentGatewaySettings> =>
  invoke<PaymentGatewaySettings>("save_payment_gateway", { request });

export const listServices = (includeInactive: boolean): Promise<Service[]> =>
  invoke<Service[]>("list_services", { includeInactive });
export const saveService = (request: SaveService): Promise<Service> => invoke<Service>("save_service", { request });

export const listInvoices = (query: InvoiceQuery): Promise<InvoiceSummary[]> =>
  invoke<InvoiceSummary[]>("list_invoices", { query });
export const getInvoice = (id: InvoiceId): Promise<InvoiceDetail> => invoke<InvoiceDetail>("get_invoice", { id });
/** The appointment's invoice: a new draft, or the one it already has. */
export const invoiceForAppointment = (appointmentId: AppointmentId): Promise<Invoice> =>
  invoke<Invoice>("invoice_for_appointment", { appointmentId });
export const saveInvoiceDraft = (request: SaveInvoiceDraft): Promise<Invoice> =>
  invoke<Invoice>("save_invoice_draft", { request });
export const issueInvoice = (request: IssueInvoice): Promise<Invoice> => invoke<Invoice>("issue_invoice", { request });
export const voidInvoice = (request: VoidInvoice): Promise<Invoice> => invoke<Invoice>("void_invoice", { request });

export const recordPayment = (request: RecordPayment): Promise<Payment> => invoke<Payment>("record_payment", { request });
/** A pending card payment; the device's runner creates the gateway's checkout when online. */
export const startCardPayment = (request: StartCardPayment): Promise<Payment> =>
  invoke<Payment>("start_card_payment", { request });
export const getReceipt = (paymentId: PaymentId): Promise<Receipt> => invoke<Receipt>("get_receipt", { paymentId });
export const recordRefund = (request: RecordRefund): Promise<Refund> => invoke<Refund>("record_refund", { request });
export const recordCreditNote = (request: RecordCreditNote): Promise<CreditNote> =>
  invoke<CreditNote>("record_credit_note", { request });

export const getPatientBalance = (patientId: PatientId): Promise<PatientBalance> =>
  invoke<PatientBalance>("get_patient_balance", { patientId });
export const getPatientStatement = (query: StatementQuery): Promise<PatientStatement> =>
  invoke<PatientStatement>("get_patient_statement", { query });

export const getDaySummary = (query: DaySummaryQuery): Promise<DaySummary> =>
  invoke<DaySummary>("get_day_summary", { query });
export const closeDay = (request: CloseDay): Promise<DayClose> => invoke<DayClose>("close_day", { request });
export const listDayCloses = (date: string): Promise<DayClose[]> => invoke<DayClose[]>("list_day_closes", { date });

export const saveInvoicePdf = (id: InvoiceId): Promise<Saved> => invoke<Saved>("save_invoice_pdf", { id });
export const saveReceiptPdf = (paymentId: PaymentId): Promise<Saved> => invoke<Saved>("save_receipt_pdf", { paymentId });
export const saveStatementPdf = (query: StatementQuery): Promise<Saved> => invoke<Saved>("save_statement_pdf", { query });
export const saveDayClosePdf = (query: DaySummaryQuery): Promise<Saved> => invoke<Saved>("save_day_close_pdf", { query });
export const saveDayCloseCsv = (query: DaySummaryQuery): Promise<Saved> => invoke<Saved>("save_day_close_csv", { query });

/** Query keys: everything of billing sits under `billingKeys.all`. */
export const billingKeys = {
  all: ["billing"] as const,
  settings: ["billing", "settings"] as const,
  gateway: ["billing", "gateway"] as const,
  services: (includeInactive: boolean) => ["billing", "services", includeInactive] as const,
  invoices: (query: InvoiceQuery) => ["billing", "invoices", query] as const,
  invoice: (id: InvoiceId) => ["billing", "invoice", id] as const,
  balance: (id: PatientId) => ["billing", "balance", id] as const,
  statement: (q: StatementQuery) => ["billing", "statement", q] as const,
  day: (q: DaySummaryQuery) => ["billing", "day", q] as const,
  closes: (date: string) => ["billing", "closes", date] as const,
};
