// The chart's timeline: visits newest first with their notes and amendments directly
// under the originals, drafts and signatures, notes outside a visit, "Load more", clinical
// text shown as inert text, and starting and finishing a visit.
import { invoke } from "@tauri-apps/api/core";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { TimelineQuery } from "../../bindings/TimelineQuery";
import { commandRouter, renderWithProviders, type Handlers } from "../../test/render";
import { withSession } from "../admin/testing";
import { ChartScreen } from "../chart/ChartScreen";
import { chartHandlers, chartSummary, PATIENT } from "../chart/testing";
import { encounter, free, ME, note, notesBackend, soap, type NotesState } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
const calls = (cmd: string) => mockInvoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);

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
});
