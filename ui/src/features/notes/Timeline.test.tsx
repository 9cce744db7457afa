// The chart's timeline: visits newest first with their notes and amendments directly
// under the originals, drafts and signatures, notes outside a visit, "Load more", clinical
// text shown as inert text, starting a visit (now, or at a typed local start sent in UTC),
// finishing it, and marking it entered in error after a confirmation.
import { invoke } from "@tauri-apps/api/core";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { TimelineQuery } from "../../bindings/TimelineQuery";
import { commandRouter, renderWithProviders, type Handlers } from "../../test/render";
import { withSession } from "../admin/testing";
import { ChartScreen } from "../chart/ChartScreen";
import { chartHandlers, chartSummary, PATIENT } from "../chart/testing";
import { localStarted } from "./model";
import { encounter, free, ME, note, notesBackend, soap, type NotesState } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
const calls = (cmd: string) => mockInvoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);
const input = (id: string) => screen.getByTestId(id) as HTMLInputElement;

function renderTimeline(state: NotesState, more: Handlers = {}) {
  mockInvoke.mockImplementation(commandRouter(chartHandlers(() => chartSummary(), { ...notesBackend(state), ...more })));
  return renderWithProviders(withSession("doctor", <ChartScreen id={PATIENT.id} />));
}

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("the timeline", () => {
  it("lists visits newest first, each with its notes and amendments under their original", async () => {
    const older = encounter({ reason: "Knee pain", started_at: "2025-11-02T08:00:00Z", status: "finished" });
    const newer = encounter({ type: "telephone", reason: "Lab results", started_at: "2026-01-10T14:00:00Z" });
    const wrong = encounter({ reason: "Wrong patient", started_at: "2025-12-01T08:00:00Z", status: "entered_in_error" });
    const original = note({
      encounter_id: older.id,
      title: "Knee exam",
      content: soap({ subjective: "Pain on stairs.\nWorse at night.", assessment: "Osteoarthritis" }),
    });
    const amendment = note({
      encounter_id: older.id,
      amends: original.id,
      title: "Amendment: Knee exam",
      content: free("Left knee, not right."),
      author_name: "Dr Grey",
      created_at: "2025-11-03T09:00:00Z",
      signed_at: "2025-11-03T09:01:00Z",
    });
    const second = note({ encounter_id: older.id, title: "X-ray request", created_at: "2025-11-02T11:00:00Z" });
    const draft = note({
      encounter_id: newer.id,
      title: "Call notes",
      status: "draft",
      signed_at: null,
      version: 1,
      content: free("Discussed HbA1c."),
    });
    const loose = note({ title: "Phone message", content: free("Asked for a repeat prescription.") });
    renderTimeline({ encounters: [older, newer, wrong], notes: [original, second, draft, amendment, loose] });

    const timeline = await screen.findByTestId("timeline");
    await waitFor(() => expect(within(timeline).getAllByTestId("timeline-encounter")).toHaveLength(3));
    const rows = within(timeline).getAllByTestId("timeline-encounter");
    expect(rows.map((r) => within(r).getByTestId("timeline-encounter-reason").textContent)).toEqual([
      "Lab results",
      "Wrong patient",
      "Knee pain",
    ]);
    expect(calls("get_timeline")).toEqual([{ query: { patient_id: PATIENT.id, page: 0, page_size: 20 } }]);

    // The newest: a telephone call in progress, with someone else's draft (read-only).
    const [first, error, last] = rows as [HTMLElement, HTMLElement, HTMLElement];
    expect(within(first).getByTestId("timeline-encounter-type").textContent).toBe("Telephone");
    expect(within(first).getByTestId("timeline-encounter-status").textContent).toBe("In progress");
    expect(within(first).getByTestId("timeline-encounter-recorded").textContent).toBe("Recorded by Dr Grey");
    expect(within(first).getByTestId("encounter-finish")).toBeTruthy();
    expect(within(first).getByTestId(`encounter-finish-${newer.id}`).textContent).toBe("Finish visit");
    expect(within(first).getByTestId(`encounter-status-${newer.id}`).textContent).toBe("In progress");
    expect(within(first).getByTestId(`encounter-error-${newer.id}`)).toBeTruthy();
    const draftCard = within(first).getByTestId("note-card");
    expect(draftCard.getAttribute("data-status")).toBe("draft");
    expect(within(draftCard).getByTestId("note-draft").textContent).toBe("Draft");
    expect(within(draftCard).queryByTestId("note-signed")).toBeNull();
    expect(within(draftCard).queryByTestId("note-edit")).toBeNull();
    expect(within(draftCard).queryByTestId("note-amend")).toBeNull();
    expect(within(draftCard).getByTestId("note-unsigned").textContent).toContain("Only the author");

    // Entered in error: struck through, no new notes, not finishable.
    expect(error.getAttribute("data-status")).toBe("entered_in_error");
    expect(within(error).getByTestId("timeline-encounter-title").tagName).toBe("S");
    expect(within(error).queryByTestId("note-new")).toBeNull();
    expect(within(error).queryByTestId("encounter-finish")).toBeNull();
    expect(within(error).getByTestId(`encounter-status-${wrong.id}`).textContent).toBe("Entered in error");
    expect(within(error).queryByTestId(`encounter-error-${wrong.id}`)).toBeNull();

    // The oldest: two originals in writing order; the amendment right under its original.
    expect(within(last).queryByTestId("encounter-finish")).toBeNull();
    const cards = within(last).getAllByTestId("note-card");
    expect(cards.map((c) => within(c).getByTestId("note-card-title").textContent)).toEqual(["Knee exam", "X-ray request"]);
    const signed = cards[0]!;
    expect(signed.getAttribute("data-status")).toBe("signed");
    expect(within(signed).getByTestId("note-signed").textContent).toMatch(/^Signed by Dr Other on /);
    expect(within(signed).getByTestId("note-section-subjective").textContent).toBe("Pain on stairs.\nWorse at night.");
    expect(within(signed).getByTestId("note-section-assessment").textContent).toBe("Osteoarthritis");
    expect(within(signed).queryByTestId("note-section-objective")).toBeNull();
    const amendments = within(last).getAllByTestId("note-amendment");
    expect(amendments).toHaveLength(1);
    expect(signed.nextElementSibling?.contains(amendments[0]!)).toBe(true);
    expect(within(amendments[0]!).getByTestId("note-amendment-label").textContent).toMatch(/^Amendment by Dr Grey on /);
    expect(within(amendments[0]!).getByTestId("note-section-text").textContent).toBe("Left knee, not right.");
    expect(within(amendments[0]!).queryByTestId("note-amend")).toBeNull();

    const looseSection = within(timeline).getByTestId("timeline-loose");
    expect(within(looseSection).getByTestId("note-card-title").textContent).toBe("Phone message");
    expect(within(timeline).queryByTestId("timeline-more")).toBeNull();
    // The allergy banner stays on the chart above it all.
    expect(screen.getByTestId("allergy-banner")).toBeTruthy();
  });

  it("loads more visits page by page", async () => {
    const user = userEvent.setup();
    const encounters = Array.from({ length: 23 }, (_, i) =>
      encounter({ reason: `Visit ${i + 1}`, started_at: new Date(Date.UTC(2025, 0, i + 1)).toISOString() }),
    );
    renderTimeline({ encounters, notes: [] });
    const timeline = await screen.findByTestId("timeline");
    await waitFor(() => expect(within(timeline).getAllByTestId("timeline-encounter")).toHaveLength(20));
    expect(within(timeline).getAllByTestId("timeline-encounter-reason")[0]!.textContent).toBe("Visit 23");
    await user.click(within(timeline).getByTestId("timeline-more"));
    await waitFor(() => expect(within(timeline).getAllByTestId("timeline-encounter")).toHaveLength(23));
    expect(within(timeline).getAllByTestId("timeline-encounter-reason").at(-1)!.textContent).toBe("Visit 1");
    expect((calls("get_timeline").at(-1) as { query: TimelineQuery }).query.page).toBe(1);
    expect(within(timeline).queryByTestId("timeline-more")).toBeNull();
  });

  it("shows note text with an HTML payload as inert text", async () => {
    const payload = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b>';
    const e = encounter();
    renderTimeline({
      encounters: [e],
      notes: [
        note({ encounter_id: e.id, title: payload, content: soap({ subjective: payload, plan: `${payload}\nline 2` }) }),
        note({ title: "Loose", content: free(payload) }),
      ],
    });
    const timeline = await screen.findByTestId("timeline");
    await waitFor(() => expect(within(timeline).getAllByTestId("note-card")).toHaveLength(2));
    const first = within(timeline).getAllByTestId("note-card")[0]!;
    expect(within(first).getByTestId("note-card-title").textContent).toBe(payload);
    expect(within(first).getByTestId("note-section-subjective").textContent).toBe(payload);
    expect(within(first).getByTestId("note-section-plan").textContent).toBe(`${payload}\nline 2`);
    expect(within(timeline).getByTestId("note-section-text").textContent).toBe(payload);
    expect(timeline.querySelector("img, script, b")).toBeNull();
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });

  it("shows a refused timeline without hiding the rest of the chart", async () => {
    renderTimeline({ encounters: [], notes: [] }, { get_timeline: () => Promise.reject({ code: "forbidden", message: "no" }) });
    expect((await screen.findByTestId("timeline-error")).getAttribute("data-code")).toBe("forbidden");
    expect(screen.getByTestId("chart-section-allergy")).toBeTruthy();
  });
});

describe("visits", () => {
  it("starts a visit from the dialog and finishes it", async () => {
    const user = userEvent.setup();
    const state: NotesState = { encounters: [], notes: [] };
    renderTimeline(state);
    const timeline = await screen.findByTestId("timeline");
    expect(await within(timeline).findByTestId("timeline-empty")).toBeTruthy();

    await user.click(within(timeline).getByTestId("encounter-new"));
    await screen.findByTestId("encounter-dialog");
    expect(document.querySelectorAll("style").length).toBe(0);
    const type = screen.getByTestId("encounter-type") as HTMLSelectElement;
    expect(Array.from(type.options).map((o) => o.value)).toEqual(["office_visit", "telephone", "video", "home_visit", "other"]);
    // "Started" defaults to now, in the device's time zone; left as is, the shell stamps it.
    const opened = localStarted();
    expect(input("encounter-started-date").value).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(input("encounter-started-time").value).toMatch(/^\d{2}:\d{2}$/);
    expect(input("encounter-started-date").value).toBe(opened.date);
    await user.selectOptions(type, "video");
    await user.type(screen.getByTestId("encounter-reason"), "  Follow-up of diabetes ");
    await user.click(screen.getByTestId("encounter-save"));
    await waitFor(() => expect(screen.queryByTestId("encounter-dialog")).toBeNull());
    expect(calls("create_encounter")).toEqual([
      { request: { patient_id: PATIENT.id, type: "video", reason: "Follow-up of diabetes", started_at: "" } },
    ]);
    const row = await within(timeline).findByTestId("timeline-encounter");
    expect(within(row).getByTestId("timeline-encounter-type").textContent).toBe("Video call");
    expect(within(row).getByTestId("timeline-encounter-recorded").textContent).toBe(`Recorded by ${ME.name}`);
    expect(screen.getByTestId("timeline-notice").textContent).toContain("Visit started");

    await user.click(within(row).getByTestId("encounter-finish"));
    await waitFor(() => expect(within(row).getByTestId("timeline-encounter-status").textContent).toBe("Finished"));
    expect(calls("set_encounter_status")).toEqual([
      { request: { id: state.encounters[0]!.id, expected_version: 1, status: "finished" } },
    ]);
    expect(within(row).queryByTestId("encounter-finish")).toBeNull();
    expect(within(row).getByTestId("note-new")).toBeTruthy();
  });

  it("keeps the reason and shows the shell's field error under it", async () => {
    const user = userEvent.setup();
    renderTimeline(
      { encounters: [], notes: [] },
      {
        create_encounter: () =>
          Promise.reject({ code: "validation", message: "invalid", fields: [{ field: "reason", message: "Use at most 500 characters." }] }),
      },
    );
    await user.click(await screen.findByTestId("encounter-new"));
    await user.type(await screen.findByTestId("encounter-reason"), "Too long");
    await user.click(screen.getByTestId("encounter-save"));
    expect((await screen.findByTestId("encounter-error-reason")).textContent).toBe("Use at most 500 characters.");
    expect((screen.getByTestId("encounter-reason") as HTMLInputElement).value).toBe("Too long");
    expect(screen.queryByTestId("encounter-error")).toBeNull();
  });

  it("offers to reload after someone else changed the visit", async () => {
    const user = userEvent.setup();
    const e = encounter({ version: 1 });
    const state: NotesState = { encounters: [e], notes: [] };
    renderTimeline(state);
    const row = await screen.findByTestId("timeline-encounter");
    state.encounters = [{ ...e, version: 2 }];
    await user.click(within(row).getByTestId("encounter-finish"));
    expect(await screen.findByTestId("encounter-conflict")).toBeTruthy();
    await user.click(screen.getByTestId("encounter-conflict-reload"));
    await waitFor(() => expect(screen.queryByTestId("encounter-conflict")).toBeNull());
    await user.click(within(await screen.findByTestId("timeline-encounter")).getByTestId("encounter-finish"));
    await waitFor(() =>
      expect(calls("set_encounter_status").at(-1)).toEqual({ request: { id: e.id, expected_version: 2, status: "finished" } }),
    );
  });

  it("sends a typed start, in the device's time zone, as RFC 3339 in UTC", async () => {
    const user = userEvent.setup();
    const state: NotesState = { encounters: [], notes: [] };
    renderTimeline(state);
    await user.click(await screen.findByTestId("encounter-new"));
    await screen.findByTestId("encounter-dialog");
    await user.clear(input("encounter-started-date"));
    await user.type(input("encounter-started-date"), "2026-01-05");
    await user.clear(input("encounter-started-time"));
    await user.type(input("encounter-started-time"), "9:05");
    await user.click(screen.getByTestId("encounter-save"));
    await waitFor(() => expect(screen.queryByTestId("encounter-dialog")).toBeNull());
    const expected = new Date(2026, 0, 5, 9, 5).toISOString().replace(".000Z", "Z");
    expect(expected).toMatch(/^2026-01-0[45]T\d{2}:\d{2}:00Z$/);
    expect(calls("create_encounter")).toEqual([
      { request: { patient_id: PATIENT.id, type: "office_visit", reason: "", started_at: expected } },
    ]);
    const row = await screen.findByTestId("timeline-encounter");
    expect(row.getAttribute("data-encounter-id")).toBe(state.encounters[0]!.id);
    expect(state.encounters[0]!.started_at).toBe(expected);
  });

  it("says an unreadable start under the field without sending it", async () => {
    const user = userEvent.setup();
    renderTimeline({ encounters: [], notes: [] });
    await user.click(await screen.findByTestId("encounter-new"));
    await screen.findByTestId("encounter-dialog");
    await user.clear(input("encounter-started-date"));
    await user.type(input("encounter-started-date"), "2026-02-30");
    await user.click(screen.getByTestId("encounter-save"));
    expect(screen.getByTestId("encounter-started-error").textContent).toMatch(/YYYY-MM-DD/);
    expect(input("encounter-started-date").getAttribute("aria-invalid")).toBe("true");

    await user.clear(input("encounter-started-date"));
    await user.type(input("encounter-started-date"), "2026-02-27");
    expect(screen.queryByTestId("encounter-started-error")).toBeNull();
    await user.clear(input("encounter-started-time"));
    await user.type(input("encounter-started-time"), "25:00");
    await user.click(screen.getByTestId("encounter-save"));
    expect(screen.getByTestId("encounter-started-error").textContent).toMatch(/HH:MM/);
    expect(calls("create_encounter")).toEqual([]);
  });

  it("shows the shell's error on the start under it and keeps the typed start", async () => {
    const user = userEvent.setup();
    renderTimeline(
      { encounters: [], notes: [] },
      {
        create_encounter: () =>
          Promise.reject({
            code: "validation",
            message: "invalid",
            fields: [{ field: "started_at", message: "An encounter cannot start in the future." }],
          }),
      },
    );
    await user.click(await screen.findByTestId("encounter-new"));
    await screen.findByTestId("encounter-dialog");
    await user.clear(input("encounter-started-date"));
    await user.type(input("encounter-started-date"), "2099-03-01");
    await user.clear(input("encounter-started-time"));
    await user.type(input("encounter-started-time"), "10:15");
    await user.type(input("encounter-reason"), "Later");
    await user.click(screen.getByTestId("encounter-save"));
    expect((await screen.findByTestId("encounter-started-error")).textContent).toBe(
      "An encounter cannot start in the future.",
    );
    expect(screen.queryByTestId("encounter-error")).toBeNull();
    expect(screen.getByTestId("encounter-dialog")).toBeTruthy();
    expect(input("encounter-started-date").value).toBe("2099-03-01");
    expect(input("encounter-started-time").value).toBe("10:15");
    expect(input("encounter-reason").value).toBe("Later");
    expect(input("encounter-started-time").getAttribute("aria-invalid")).toBe("true");
    expect(calls("create_encounter")).toHaveLength(1);
  });
});

describe("entered in error", () => {
  it("marks a visit entered in error after the confirmation, quoting its version", async () => {
    const user = userEvent.setup();
    const e = encounter({ version: 3, status: "finished", reason: "Wrong chart" });
    const n = note({ encounter_id: e.id, title: "Misfiled note" });
    const state: NotesState = { encounters: [e], notes: [n] };
    renderTimeline(state);
    const row = await screen.findByTestId("timeline-encounter");
    expect(within(row).queryByTestId(`encounter-finish-${e.id}`)).toBeNull();
    await user.click(within(row).getByTestId(`encounter-error-${e.id}`));

    const confirmation = await screen.findByTestId("encounter-error-confirmation");
    expect(document.querySelectorAll("style").length).toBe(0);
    expect(confirmation.textContent).toContain("The visit and its notes stay in the record, shown struck through");
    expect(calls("set_encounter_status")).toEqual([]);
    await user.click(screen.getByTestId("encounter-error-confirm"));

    await waitFor(() => expect(row.getAttribute("data-status")).toBe("entered_in_error"));
    expect(calls("set_encounter_status")).toEqual([
      { request: { id: e.id, expected_version: 3, status: "entered_in_error" } },
    ]);
    expect(screen.queryByTestId("encounter-error-confirmation")).toBeNull();
    expect(within(row).getByTestId("timeline-encounter-title").tagName).toBe("S");
    expect(within(row).getByTestId("timeline-encounter-reason").tagName).toBe("S");
    expect(row.querySelector("ul.timeline-notes")?.getAttribute("data-struck")).toBe("true");
    expect(within(row).getByTestId(`encounter-status-${e.id}`).textContent).toBe("Entered in error");
    expect(within(row).queryByTestId(`encounter-error-${e.id}`)).toBeNull();
    expect(within(row).queryByTestId("note-new")).toBeNull();
    // The visit's notes stay in the record.
    expect(within(row).getByTestId("note-card-title").textContent).toBe("Misfiled note");
    expect(screen.getByTestId("timeline-notice").textContent).toContain("Marked as entered in error");
  });

  it("sends nothing when the confirmation is cancelled", async () => {
    const user = userEvent.setup();
    const e = encounter();
    renderTimeline({ encounters: [e], notes: [] });
    const row = await screen.findByTestId("timeline-encounter");
    await user.click(within(row).getByTestId(`encounter-error-${e.id}`));
    await screen.findByTestId("encounter-error-confirmation");
    await user.click(screen.getByTestId("encounter-error-cancel"));
    await waitFor(() => expect(screen.queryByTestId("encounter-error-confirmation")).toBeNull());
    expect(calls("set_encounter_status")).toEqual([]);
    expect(row.getAttribute("data-status")).toBe("in_progress");
    expect(within(row).getByTestId(`encounter-status-${e.id}`).textContent).toBe("In progress");
  });

  it("offers to reload after someone else changed the visit, and says a refusal", async () => {
    const user = userEvent.setup();
    const e = encounter({ version: 1 });
    const state: NotesState = { encounters: [e], notes: [] };
    let refuse = false;
    const backend = notesBackend(state);
    renderTimeline(state, {
      set_encounter_status: (args) =>
        refuse ? Promise.reject({ code: "forbidden", message: "not allowed" }) : backend.set_encounter_status!(args),
    });
    const row = await screen.findByTestId("timeline-encounter");
    state.encounters = [{ ...e, version: 2 }];
    await user.click(within(row).getByTestId(`encounter-error-${e.id}`));
    await user.click(await screen.findByTestId("encounter-error-confirm"));
    expect(await within(row).findByTestId("encounter-conflict")).toBeTruthy();
    expect(screen.queryByTestId("encounter-error-confirmation")).toBeNull();
    await user.click(within(row).getByTestId("encounter-conflict-reload"));
    await waitFor(() => expect(within(row).queryByTestId("encounter-conflict")).toBeNull());

    refuse = true;
    await user.click(within(row).getByTestId(`encounter-error-${e.id}`));
    await user.click(await screen.findByTestId("encounter-error-confirm"));
    const refused = await within(row).findByTestId("encounter-entered-in-error-error");
    expect(refused.getAttribute("data-code")).toBe("forbidden");
    expect(calls("set_encounter_status").at(-1)).toEqual({
      request: { id: e.id, expected_version: 2, status: "entered_in_error" },
    });
    expect(row.getAttribute("data-status")).toBe("in_progress");
  });
});
