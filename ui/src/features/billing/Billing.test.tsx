// Billing against a mocked shell: a draft saved (totals as returned) and issued; a cash
// payment refused by the core keeps the input and shows the error at the amount; a card
// payment goes pending → checkout link → succeeded by polling the invoice; the end of day
// shows counted − expected and closes with the parsed amounts.
import { invoke } from "@tauri-apps/api/core";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Invoice } from "../../bindings/Invoice";
import type { InvoiceDetail } from "../../bindings/InvoiceDetail";
import { commandRouter, renderWithProviders, type Handlers } from "../../test/render";
import { PATIENT } from "../chart/testing";
import { BillingScreen } from "./BillingScreen";
import { DayCloseScreen } from "./DayCloseScreen";
import { InvoiceView } from "./InvoiceView";
import { daySummary, detail, INVOICE_ID, invoice, issued, payment, service, SERVICE_ID, settings, totals } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
const calls = (cmd: string) => mockInvoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1] as Record<string, unknown>);
const byId = (id: string) => screen.getByTestId(id) as HTMLInputElement;

function run(handlers: Handlers) {
  const router = commandRouter({ get_billing_settings: () => settings(), list_services: () => [service()], list_invoices: () => [], ...handlers });
  mockInvoke.mockImplementation(router);
}

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("an invoice draft", () => {
  it("is saved with the picked service and quantity, shows the core's totals, then is issued", async () => {
    const user = userEvent.setup();
    let current: Invoice | null = null;
    run({
      save_invoice_draft: () => {
        current = invoice({
          version: 1,
          lines: issued().lines,
          totals: totals({ subtotal_minor: 12000, total_minor: 12000, patient_minor: 12000, balance_minor: 12000 }),
        });
        return current;
      },
      get_invoice: (): InvoiceDetail => detail(current!),
      issue_invoice: () => {
        current = issued({ version: 2 });
        return current;
      },
    });
    renderWithProviders(<BillingScreen newFor={{ id: PATIENT.id, label: "Lovelace, Ada" }} />);
    const select = await screen.findByTestId("billing-line-service");
    await waitFor(() => expect(within(select).getAllByRole("option")).toHaveLength(2));
    fireEvent.change(select, { target: { value: SERVICE_ID } });
    expect((await screen.findByTestId("billing-line-price")).textContent).toContain("$60.00");
    fireEvent.change(byId("billing-line-quantity"), { target: { value: "2" } });
    await user.click(byId("billing-save-draft"));

    await waitFor(() => expect(calls("save_invoice_draft")).toHaveLength(1));
    const request = calls("save_invoice_draft")[0]!.request as Record<string, unknown>;
    expect(request.patient_id).toBe(PATIENT.id);
    expect(request.id).toBeNull();
    expect(request.lines).toEqual([
      expect.objectContaining({ service_id: SERVICE_ID, quantity: 2, discount: null, insurance: null, unit_price_minor: null }),
    ]);
    expect((await screen.findByTestId("billing-total")).textContent).toBe("$120.00");
    expect(byId("billing-balance-due").textContent).toBe("$120.00");

    await user.click(byId("billing-issue"));
    await waitFor(() => expect(calls("issue_invoice")).toEqual([{ request: { id: INVOICE_ID, expected_version: 1 } }]));
    expect((await screen.findByTestId("billing-invoice-title")).textContent).toContain("INV-A-1");
    await waitFor(() => expect(byId("billing-invoice-status").getAttribute("data-status")).toBe("issued"));
  });

  it("refuses a quantity of zero and a discount with too many decimals before sending", async () => {
    const user = userEvent.setup();
    run({ get_invoice: () => detail(invoice({ lines: issued().lines })) });
    renderWithProviders(<InvoiceView id={INVOICE_ID} onOpen={vi.fn()} onBack={vi.fn()} />);
    fireEvent.change(await screen.findByTestId("billing-line-quantity"), { target: { value: "0" } });
    fireEvent.change(byId("billing-line-discount-kind"), { target: { value: "fixed" } });
    fireEvent.change(byId("billing-line-discount-value"), { target: { value: "1.234" } });
    await user.click(byId("billing-save-draft"));
    expect(await screen.findByText("Enter a whole number of at least 1.")).toBeTruthy();
    expect(screen.getByText("This currency has 2 digits after the decimal point.")).toBeTruthy();
    expect(calls("save_invoice_draft")).toHaveLength(0);
    expect(byId("billing-line-discount-value").value).toBe("1.234");
  });
});

describe("payments", () => {
  it("records cash with the amount in minor units; a refusal keeps the input and sits at the amount", async () => {
    const user = userEvent.setup();
    run({
      get_invoice: () => detail(issued()),
      record_payment: () => {
        throw { code: "validation", message: "invalid", fields: [{ field: "amount_minor", message: "More than the balance due." }] };
      },
    });
    renderWithProviders(<InvoiceView id={INVOICE_ID} onOpen={vi.fn()} onBack={vi.fn()} />);
    const amount = (await screen.findByTestId("billing-pay-amount")) as HTMLInputElement;
    expect(amount.value).toBe("120.00");
    expect(byId("billing-pay-method").value).toBe("cash");

    await user.clear(amount);
    await user.type(amount, "1.234");
    await user.click(byId("billing-pay-submit"));
    expect(await screen.findByText("This currency has 2 digits after the decimal point.")).toBeTruthy();
    expect(calls("record_payment")).toHaveLength(0);

    await user.clear(amount);
    await user.type(amount, "1,250.5");
    await user.type(byId("billing-pay-reference"), "drawer 2");
    await user.click(byId("billing-pay-submit"));
    expect(await screen.findByText("More than the balance due.")).toBeTruthy();
    expect(calls("record_payment")).toEqual([
      { request: { invoice_id: INVOICE_ID, method: "cash", amount_minor: 125050, currency: "USD", reference: "drawer 2" } },
    ]);
    expect(byId("billing-pay-amount").value).toBe("1,250.5");
    expect(byId("billing-pay-reference").value).toBe("drawer 2");
    expect(byId("billing-pay-amount").getAttribute("aria-invalid")).toBe("true");
  });

  it("starts a card payment, shows the checkout link once created and follows it to succeeded", async () => {
    const user = userEvent.setup();
    const pending = payment({ id: "0190f0a0-0000-7000-8000-0000000000a9", method: "card", status: "pending", receipt_number: null, idempotency_key: "k-1" });
    let polls = 0;
    let started = false;
    run({
      get_invoice: () => {
        if (!started) return detail(issued());
        polls += 1;
        if (polls === 1) return detail(issued(), [pending]);
        if (polls === 2) return detail(issued(), [{ ...pending, checkout_url: "https://pay.example/c/123", gateway_ref: "cs_1" }]);
        return detail(issued({ status: "paid", totals: totals({ total_minor: 12000, paid_minor: 12000 }) }), [
          { ...pending, status: "succeeded", checkout_url: "https://pay.example/c/123", receipt_number: "RCP-A-2" },
        ]);
      },
      start_card_payment: () => {
        started = true;
        return pending;
      },
      save_receipt_pdf: () => ({ path: "receipt.pdf" }),
    });
    renderWithProviders(<InvoiceView id={INVOICE_ID} onOpen={vi.fn()} onBack={vi.fn()} />);
    await screen.findByTestId("billing-pay-amount");
    await user.click(byId("billing-card-start"));
    expect(calls("start_card_payment")).toEqual([{ request: { invoice_id: INVOICE_ID, amount_minor: 12000, currency: "USD" } }]);
    expect((await screen.findByTestId("billing-card-status")).getAttribute("data-status")).toBe("pending");
    const link = await screen.findByTestId("billing-card-link", {}, { timeout: 8000 });
    expect(link.textContent).toBe("https://pay.example/c/123");
    expect(byId("billing-card-open").getAttribute("href")).toBe("https://pay.example/c/123");
    await waitFor(() => expect(byId("billing-card-status").getAttribute("data-status")).toBe("succeeded"), { timeout: 8000 });
    expect(screen.queryByTestId("billing-card-link")).toBeNull();
    await user.click(screen.getByTestId("billing-receipt-pdf"));
    expect(calls("save_receipt_pdf")).toEqual([{ paymentId: pending.id }]);
    expect((await screen.findByTestId("billing-pdf-saved")).textContent).toContain("receipt.pdf");
  });
});

describe("card refunds through the gateway", () => {
  it("shows a refund waiting for the gateway, then sent, and a refusal with what to do", async () => {
    const paid = payment({ id: "0190f0a0-0000-7000-8000-0000000000b1", method: "card", idempotency_key: "k-2", gateway_ref: "pi_1", refunded_minor: 5000 });
    const refund = {
      id: "0190f0a0-0000-7000-8000-0000000000c1",
      payment_id: paid.id,
      invoice_id: INVOICE_ID,
      patient_id: PATIENT.id,
      method: "card" as const,
      amount_minor: 3000,
      currency: "USD",
      reason: "Overcharged",
      refunded_at: "2026-03-02T10:00:00Z",
      device_id: "0190f0a0-0000-7000-8000-0000000000d1",
      recorded_by: "Billing",
      gateway_status: "pending" as const,
      gateway_failure: null,
    };
    let polls = 0;
    run({
      get_invoice: () => {
        polls += 1;
        const refused = { ...refund, id: "0190f0a0-0000-7000-8000-0000000000c2", amount_minor: 2000, gateway_status: "failed" as const, gateway_failure: "invalid: charge_already_refunded" };
        const now = polls === 1 ? refund : { ...refund, gateway_status: "sent" as const };
        return { ...detail(issued({ status: "paid" }), [paid]), refunds: [now, refused] };
      },
    });
    renderWithProviders(<InvoiceView id={INVOICE_ID} onOpen={vi.fn()} onBack={vi.fn()} />);
    const rows = await screen.findAllByTestId("billing-refund");
    expect(rows.map((r) => r.getAttribute("data-gateway-status"))).toEqual(["pending", "failed"]);
    expect(rows[0]!.textContent).toContain("Waiting to send to the card gateway");
    expect(screen.getByTestId("billing-refund-failure").textContent).toContain("charge_already_refunded");
    expect(screen.getByTestId("billing-refund-failure").textContent).toContain("Give the money back another way");
    await waitFor(() => expect(screen.getAllByTestId("billing-refund")[0]!.getAttribute("data-gateway-status")).toBe("sent"), { timeout: 8000 });
  });
});

describe("end of day", () => {
  it("shows counted − expected and closes the day with exact minor units", async () => {
    const user = userEvent.setup();
    run({
      get_day_summary: () => daySummary(),
      list_day_closes: () => [],
      close_day: (args) => {
        const r = args!.request as { counted_cash_minor: number; opening_float_minor: number; date: string; note: string };
        return {
          id: "0190f0a0-0000-7000-8000-0000000000e9",
          summary: daySummary(),
          counted_cash_minor: r.counted_cash_minor,
          difference_minor: r.counted_cash_minor - 23000,
          version: 1,
          note: r.note,
          closed_at: "2026-03-02T18:00:00Z",
          closed_by: "desk1",
        };
      },
    });
    renderWithProviders(<DayCloseScreen />);
    fireEvent.change(byId("billing-day-date"), { target: { value: "2026-03-02" } });
    fireEvent.change(byId("billing-day-float"), { target: { value: "100.00" } });
    expect((await screen.findByTestId("billing-day-expected")).textContent).toBe("$230.00");
    await waitFor(() => expect(calls("get_day_summary")).toContainEqual({ query: { date: "2026-03-02", opening_float_minor: 10000 } }));
    expect(screen.getByTestId("billing-day-pending").textContent).toContain("1");
    expect(byId("billing-day-difference").textContent).toBe("—");

    fireEvent.change(byId("billing-day-counted"), { target: { value: "225.50" } });
    expect(byId("billing-day-difference").textContent).toBe("-$4.50");
    fireEvent.change(byId("billing-day-counted"), { target: { value: "230" } });
    expect(byId("billing-day-difference").textContent).toBe("$0.00");

    await user.click(byId("billing-day-close"));
    await user.click(await screen.findByTestId("billing-day-confirm"));
    await waitFor(() =>
      expect(calls("close_day")).toEqual([
        { request: { date: "2026-03-02", opening_float_minor: 10000, counted_cash_minor: 23000, note: "" } },
      ]),
    );
    expect((await screen.findByTestId("billing-day-notice")).textContent).toContain("version 1");
  });
});
