// "Pay my balance" against a mocked shell: the visit's own invoices with the total in the
// currency's digits, paying one by card (the visit token and invoice go to the shell),
// the hosted page link once ready, status polled until paid; an ended visit resets.
import { invoke } from "@tauri-apps/api/core";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { KioskBalance } from "../../bindings/KioskBalance";
import type { KioskCardPayment } from "../../bindings/KioskCardPayment";
import { commandRouter, renderWithProviders } from "../../test/render";
import { BalanceStep } from "./BalanceStep";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
const calls = (cmd: string) => mockInvoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);

const INV = "0190f0a0-0000-7000-8000-0000000000b1";
const PAY = "0190f0a0-0000-7000-8000-0000000000a1";
const balance = (over: Partial<KioskBalance> = {}): KioskBalance => ({
  currency: "KWD",
  minor_digits: 3,
  balance_minor: 12505,
  invoices: [{ invoice_id: INV, number: "INV-A-7", issued_on: "2026-03-01", patient_balance_minor: 12505, payment_pending: false }],
  ...over,
});
const card = (over: Partial<KioskCardPayment> = {}): KioskCardPayment => ({
  payment_id: PAY,
  amount_minor: 12505,
  currency: "KWD",
  status: "pending",
  checkout_url: null,
  ...over,
});

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("pay my balance", () => {
  it("pays one invoice by card: link once ready, polled until paid", async () => {
    const user = userEvent.setup();
    let polls = 0;
    let paid = false;
    mockInvoke.mockImplementation(
      commandRouter({
        kiosk_balance: () => (paid ? balance({ balance_minor: 0, invoices: [] }) : balance()),
        kiosk_pay_invoice: () => card(),
        kiosk_payment_status: () => {
          polls += 1;
          if (polls === 1) return card({ checkout_url: "https://pay.example/k/1" });
          paid = true;
          return card({ status: "succeeded", checkout_url: "https://pay.example/k/1" });
        },
      }),
    );
    const onDone = vi.fn();
    renderWithProviders(<BalanceStep token="tok-1" onDone={onDone} onEnded={vi.fn()} />);
    const total = await screen.findByTestId("kiosk-balance-total");
    expect(total.textContent).toMatch(/KWD\s?12\.505/);
    expect(calls("kiosk_balance")[0]).toEqual({ request: { token: "tok-1" } });

    await user.click(screen.getByTestId(`kiosk-balance-pay-${INV}`));
    expect(calls("kiosk_pay_invoice")).toEqual([{ request: { token: "tok-1", invoice_id: INV } }]);
    expect((await screen.findByTestId("kiosk-balance-status")).getAttribute("data-status")).toBe("pending");
    const link = await screen.findByTestId("kiosk-balance-link", {}, { timeout: 8000 });
    expect(link.getAttribute("href")).toBe("https://pay.example/k/1");
    expect(screen.getByTestId("kiosk-balance-open").getAttribute("href")).toBe("https://pay.example/k/1");
    await waitFor(() => expect(screen.getByTestId("kiosk-balance-status").getAttribute("data-status")).toBe("succeeded"), {
      timeout: 8000,
    });
    expect(calls("kiosk_payment_status")[0]).toEqual({ query: { token: "tok-1", payment_id: PAY } });
    expect(await screen.findByTestId("kiosk-balance-none")).toBeTruthy();
    expect(screen.queryByTestId("kiosk-balance-link")).toBeNull();
    await user.click(screen.getByTestId("kiosk-balance-done"));
    expect(onDone).toHaveBeenCalled();
  });

  it("resets when the visit has ended", async () => {
    mockInvoke.mockImplementation(
      commandRouter({
        kiosk_balance: () => {
          throw { code: "kiosk_visit_ended", message: "ended" };
        },
      }),
    );
    const onEnded = vi.fn();
    renderWithProviders(<BalanceStep token="tok-1" onDone={vi.fn()} onEnded={onEnded} />);
    await waitFor(() => expect(onEnded).toHaveBeenCalled());
  });
});
