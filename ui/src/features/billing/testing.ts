// Test fixtures of billing (used by tests only): settings, the device's card payment
// gateway, a catalogue service, invoices (draft and issued) with totals, payments and a
// day summary, all in USD minor units.
import type { BillingSettings } from "../../bindings/BillingSettings";
import type { DaySummary } from "../../bindings/DaySummary";
import type { Invoice } from "../../bindings/Invoice";
import type { InvoiceDetail } from "../../bindings/InvoiceDetail";
import type { InvoiceTotals } from "../../bindings/InvoiceTotals";
import type { Payment } from "../../bindings/Payment";
import type { PaymentGatewaySettings } from "../../bindings/PaymentGatewaySettings";
import type { Service } from "../../bindings/Service";
import { PATIENT } from "../chart/testing";

export const INVOICE_ID = "0190f0a0-0000-7000-8000-0000000000b1";
export const SERVICE_ID = "0190f0a0-0000-7000-8000-0000000000c1";
export const LINE_ID = "0190f0a0-0000-7000-8000-0000000000d1";
export const DEVICE_ID = "0190f0a0-0000-7000-8000-0000000000f1";

export const settings = (over: Partial<BillingSettings> = {}): BillingSettings => ({
  currency: "USD",
  minor_digits: 2,
  invoice_footer: "Riverside Clinic LLC",
  ...over,
});

/** No gateway on this device (what a fresh device reports). */
export const gateway = (over: Partial<PaymentGatewaySettings> = {}): PaymentGatewaySettings => ({
  kind: null,
  api_base: "",
  customer_email: "",
  has_secret_key: false,
  last_contact_at: null,
  last_error: null,
  webhook_url: null,
  ...over,
});

export const service = (over: Partial<Service> = {}): Service => ({
  id: SERVICE_ID,
  code: "CONS-15",
  name: "Consultation 15 min",
  price_minor: 6000,
  currency: "USD",
  tax: { name: "", rate_bp: 0, mode: "exclusive" },
  appointment_type_id: null,
  active: true,
  version: 1,
  ...over,
});

export const totals = (over: Partial<InvoiceTotals> = {}): InvoiceTotals => ({
  subtotal_minor: 0,
  discount_minor: 0,
  tax_minor: 0,
  total_minor: 0,
  insurance_minor: 0,
  patient_minor: 0,
  credited_minor: 0,
  paid_minor: 0,
  refunded_minor: 0,
  pending_minor: 0,
  balance_minor: 0,
  patient_balance_minor: 0,
  insurance_balance_minor: 0,
  ...over,
});

export const invoice = (over: Partial<Invoice> = {}): Invoice => ({
  id: INVOICE_ID,
  number: null,
  patient_id: PATIENT.id,
  appointment_id: null,
  encounter_id: null,
  currency: "USD",
  status: "draft",
  lines: [],
  discount: null,
  totals: totals(),
  note: "",
  created_at: "2026-03-02T09:00:00Z",
  issued_at: null,
  voided_at: null,
  void_reason: null,
  needs_review: false,
  version: 1,
  ...over,
});

/** An issued invoice of two consultations: $120.00 due from the patient. */
export const issued = (over: Partial<Invoice> = {}): Invoice =>
  invoice({
    number: "INV-A-1",
    status: "issued",
    issued_at: "2026-03-02T09:05:00Z",
    version: 2,
    lines: [
      {
        id: LINE_ID,
        position: 0,
        service_id: SERVICE_ID,
        service_code: "CONS-15",
        description: "Consultation 15 min",
        quantity: 2,
        unit_price_minor: 6000,
        tax: { name: "", rate_bp: 0, mode: "exclusive" },
        discount: null,
        insurance: null,
        gross_minor: 12000,
        discount_minor: 0,
        invoice_discount_minor: 0,
        tax_minor: 0,
        total_minor: 12000,
        insurance_minor: 0,
        patient_minor: 12000,
        credited_minor: 0,
      },
    ],
    totals: totals({ subtotal_minor: 12000, total_minor: 12000, patient_minor: 12000, balance_minor: 12000, patient_balance_minor: 12000 }),
    ...over,
  });

export const detail = (inv: Invoice, payments: Payment[] = []): InvoiceDetail => ({
  invoice: inv,
  payments,
  refunds: [],
  credit_notes: [],
});

export const payment = (over: Partial<Payment> = {}): Payment => ({
  id: "0190f0a0-0000-7000-8000-0000000000a1",
  invoice_id: INVOICE_ID,
  patient_id: PATIENT.id,
  method: "cash",
  status: "succeeded",
  amount_minor: 12000,
  currency: "USD",
  refunded_minor: 0,
  reference: "",
  idempotency_key: null,
  gateway_ref: null,
  checkout_url: null,
  failure_reason: null,
  received_at: "2026-03-02T09:10:00Z",
  device_id: DEVICE_ID,
  recorded_by: "desk1",
  receipt_number: "RCP-A-1",
  ...over,
});

export const daySummary = (over: Partial<DaySummary> = {}): DaySummary => ({
  date: "2026-03-02",
  device_id: DEVICE_ID,
  currency: "USD",
  by_method: [
    { method: "cash", count: 3, amount_minor: 15000, refunded_minor: 2000 },
    { method: "card", count: 1, amount_minor: 6000, refunded_minor: 0 },
    { method: "bank_transfer", count: 0, amount_minor: 0, refunded_minor: 0 },
    { method: "insurance_remittance", count: 0, amount_minor: 0, refunded_minor: 0 },
  ],
  opening_float_minor: 10000,
  expected_cash_minor: 23000,
  pending_count: 1,
  ...over,
});
