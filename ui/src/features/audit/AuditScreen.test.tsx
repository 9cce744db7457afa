// Audit report screen: filters sent as AuditQuery, paging, header sort toggling, verify ok/failed, export result.
import { invoke } from "@tauri-apps/api/core";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { AuditEvent } from "../../bindings/AuditEvent";
import type { AuditQuery } from "../../bindings/AuditQuery";
import type { AuditVerification } from "../../bindings/AuditVerification";
import { commandRouter, renderWithProviders } from "../../test/render";
import { staffMember } from "../admin/testing";
import { AuditScreen } from "./AuditScreen";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);

const event = (seq: number, action: string): AuditEvent => ({
  seq,
  event_id: `e${seq}`,
  device_time: "2026-01-05T10:00:00.000Z",
  device_id: "device-1",
  actor_id: "id-alice",
  actor_name: "Alice",
  actor_role: "administrator",
  action,
  category: "security",
  patient_id: seq % 2 ? "patient-1" : null,
  detail: { fields: ["phone"], html: "<b>x</b>" },
  hash: "00",
});

function setup(verification?: AuditVerification) {
  const queries: AuditQuery[] = [];
  mockInvoke.mockImplementation(
    commandRouter({
      list_staff: () => [staffMember("alice", { role: "administrator" }), staffMember("bob")],
      view_audit: (args) => {
        const q = args!.query as AuditQuery;
        queries.push(q);
        return { items: [event(2, "login"), event(1, "view")], page: q.page ?? 0, page_size: q.page_size, total: 120 };
      },
      verify_audit: () => verification,
      export_audit: () => ({ path: "/home/admin/audit.csv", rows: 120 }),
    }),
  );
  return queries;
}

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("AuditScreen", () => {
  it("shows the entries, the total and the detail as compact text", async () => {
    setup();
    renderWithProviders(<AuditScreen />);
    const rows = await screen.findAllByTestId("audit-row");
    expect(rows.map((r) => r.getAttribute("data-action"))).toEqual(["login", "view"]);
    expect(screen.getByTestId("audit-total").textContent).toBe("120 entries");
    expect(screen.getByTestId("audit-page").textContent).toBe("Page 1 of 3");
    expect(within(rows[0]!).getByTestId("audit-detail").textContent).toBe('{"fields":["phone"],"html":"<b>x</b>"}');
    expect(screen.getByTestId("audit-table").querySelector("b")).toBeNull();
  });

  it("turns the filters into the AuditQuery and goes back to page 1 on a change", async () => {
    const user = userEvent.setup();
    const queries = setup();
    renderWithProviders(<AuditScreen />);
    await screen.findAllByTestId("audit-row");
    expect(queries.at(-1)).toEqual({ sort: { column: "time", direction: "desc" }, page: 0, page_size: 50 });

    await user.click(screen.getByTestId("audit-next"));
    await waitFor(() => expect(queries.at(-1)?.page).toBe(1));

    await user.selectOptions(screen.getByTestId("audit-filter-action"), "break_glass");
    await user.selectOptions(screen.getByTestId("audit-filter-category"), "security");
    await waitFor(() => expect(screen.getByRole("option", { name: "Bob (bob)" })).toBeTruthy());
    await user.selectOptions(screen.getByTestId("audit-filter-user"), "id-bob");
    await user.type(screen.getByTestId("audit-filter-from"), "2026-01-01");
    await user.type(screen.getByTestId("audit-filter-to"), "2026-01-31");
    await user.type(screen.getByTestId("audit-filter-patient"), "patient-1");
    await waitFor(() =>
      expect(queries.at(-1)).toEqual({
        from: "2026-01-01",
        to: "2026-01-31",
        actor_id: "id-bob",
        patient_id: "patient-1",
        action: "break_glass",
        category: "security",
        sort: { column: "time", direction: "desc" },
        page: 0,
        page_size: 50,
      }),
    );
  });

  it("holds the query while a date is not YYYY-MM-DD", async () => {
    const user = userEvent.setup();
    const queries = setup();
    renderWithProviders(<AuditScreen />);
    await screen.findAllByTestId("audit-row");
    const before = queries.length;
    await user.type(screen.getByTestId("audit-filter-from"), "5/1/2026");
    expect((await screen.findByTestId("audit-filter-from-error")).textContent).toBe("Enter a date as YYYY-MM-DD.");
    expect(queries.length).toBe(before);
  });

  it("toggles the sort with the column headers", async () => {
    const user = userEvent.setup();
    const queries = setup();
    renderWithProviders(<AuditScreen />);
    await screen.findAllByTestId("audit-row");
    expect(screen.getByTestId("audit-col-time").getAttribute("aria-sort")).toBe("descending");

    await user.click(screen.getByTestId("audit-sort-time"));
    await waitFor(() => expect(queries.at(-1)?.sort).toEqual({ column: "time", direction: "asc" }));
    expect(screen.getByTestId("audit-col-time").getAttribute("aria-sort")).toBe("ascending");

    await user.click(screen.getByTestId("audit-sort-actor"));
    await waitFor(() => expect(queries.at(-1)?.sort).toEqual({ column: "actor", direction: "asc" }));
    await user.click(screen.getByTestId("audit-sort-actor"));
    await waitFor(() => expect(queries.at(-1)?.sort).toEqual({ column: "actor", direction: "desc" }));
    expect(screen.getByTestId("audit-col-actor").getAttribute("aria-sort")).toBe("descending");
    expect(screen.getByTestId("audit-col-time").getAttribute("aria-sort")).toBe("none");
  });

  it("shows an intact chain in green", async () => {
    const user = userEvent.setup();
    setup({ ok: true, checked: 120, problems: [], problem_count: 0 });
    renderWithProviders(<AuditScreen />);
    await user.click(screen.getByTestId("audit-verify"));
    const result = await screen.findByTestId("audit-verify-result");
    expect(result.getAttribute("data-ok")).toBe("true");
    expect(result.textContent).toContain("Chain intact, 120 entries checked.");
  });

  it("lists the problems of a broken chain", async () => {
    const user = userEvent.setup();
    setup({
      ok: false,
      checked: 120,
      problems: [
        { seq: 7, kind: "edited", message: "Entry 7 does not match its hash." },
        { seq: 9, kind: "missing", message: "Entry 9 is missing." },
      ],
      problem_count: 3,
    });
    renderWithProviders(<AuditScreen />);
    await user.click(screen.getByTestId("audit-verify"));
    const result = await screen.findByTestId("audit-verify-result");
    expect(result.getAttribute("data-ok")).toBe("false");
    const problems = within(result).getAllByTestId("audit-problem");
    expect(problems.map((p) => p.textContent)).toEqual([
      "Entry 7 (edited): Entry 7 does not match its hash.",
      "Entry 9 (missing): Entry 9 is missing.",
    ]);
    expect(result.textContent).toContain("3 problems found in 120 entries checked.");
    expect(result.textContent).toContain("Showing the first 2.");
  });

  it("reports where the export was saved", async () => {
    const user = userEvent.setup();
    setup();
    renderWithProviders(<AuditScreen />);
    await screen.findAllByTestId("audit-row");
    await user.click(screen.getByTestId("audit-export"));
    expect((await screen.findByTestId("audit-export-result")).textContent).toBe(
      "Saved 120 rows to /home/admin/audit.csv",
    );
    expect(mockInvoke).toHaveBeenCalledWith("export_audit", {
      query: { sort: { column: "time", direction: "desc" }, page: 0, page_size: 50 },
    });
  });
});
