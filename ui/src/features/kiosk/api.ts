// The only place the kiosk window talks to the Tauri shell. The kiosk window's
// capability allows these commands and nothing else; the core refuses anything else
// from the kiosk window too. Each function is one command; a failure rejects with
// whatever the shell sent (normalize with `toUiError`). Also the visit's own balance and
// paying one invoice by card (the gateway's hosted page; its status polled).
import { invoke } from "@tauri-apps/api/core";
import type { KioskBalance } from "../../bindings/KioskBalance";
import type { KioskCardPayment } from "../../bindings/KioskCardPayment";
import type { KioskDetails } from "../../bindings/KioskDetails";
import type { KioskIdentify } from "../../bindings/KioskIdentify";
import type { KioskStatus } from "../../bindings/KioskStatus";
import type { KioskVisit } from "../../bindings/KioskVisit";

export const kioskStatus = (): Promise<KioskStatus> => invoke<KioskStatus>("kiosk_status");

/** Rejects with `kiosk_no_match` (whatever the reason) or `throttled`. */
export const kioskIdentify = (request: KioskIdentify): Promise<KioskVisit> =>
  invoke<KioskVisit>("kiosk_identify", { request });

export const kioskUpdateDetails = (token: string, details: KioskDetails): Promise<KioskVisit> =>
  invoke<KioskVisit>("kiosk_update_details", { request: { token, details } });

export const kioskCheckIn = (token: string): Promise<KioskVisit> =>
  invoke<KioskVisit>("kiosk_check_in", { request: { token } });

/** Ends the visit (the token stops working). */
export const kioskEnd = (token: string): Promise<null> => invoke<null>("kiosk_end", { request: { token } });

// Paying the visit's own balance by card (only the open visit's patient: the token says who).
// `kiosk_balance` reads the patient from the visit token; extra arguments are harmless.
export const kioskBalance = (token: string): Promise<KioskBalance> =>
  invoke<KioskBalance>("kiosk_balance", { request: { token } });

export const kioskPayInvoice = (token: string, invoiceId: string): Promise<KioskCardPayment> =>
  invoke<KioskCardPayment>("kiosk_pay_invoice", { request: { token, invoice_id: invoiceId } });

export const kioskPaymentStatus = (token: string, paymentId: string): Promise<KioskCardPayment> =>
  invoke<KioskCardPayment>("kiosk_payment_status", { query: { token, payment_id: paymentId } });
