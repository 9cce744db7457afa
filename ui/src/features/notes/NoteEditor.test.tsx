// The note editor in the chart: a new note saved as a draft, edited and signed after the
// confirmation (commands in order, with the versions they saw); signing straight away;
// a signed note is never editable and is amended instead; the shell's field errors under
// their inputs with the text kept; an edit conflict reloaded without losing the text.
import { invoke } from "@tauri-apps/api/core";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { CreateNote } from "../../bindings/CreateNote";
import { commandRouter, renderWithProviders, type Handlers } from "../../test/render";
import { withSession } from "../admin/testing";
import { ChartScreen } from "../chart/ChartScreen";
import { chartHandlers, chartSummary, PATIENT } from "../chart/testing";
import { encounter, free, ME, note, notesBackend, soap, type NotesState } from "./testing";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);
const calls = (cmd: string) => mockInvoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);
const writes = () =>
  mockInvoke.mock.calls.map((c) => c[0]).filter((cmd) => ["create_note", "update_note", "sign_note"].includes(cmd));
const input = (id: string) => screen.getByTestId(id) as HTMLInputElement;

function renderTimeline(state: NotesState, more: Handlers = {}) {
  mockInvoke.mockImplementation(commandRouter(chartHandlers(() => chartSummary(), { ...notesBackend(state), ...more })));
  return renderWithProviders(withSession("doctor", <ChartScreen id={PATIENT.id} />));
}

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("writing a note", () => {
  it("saves a draft, edits it and signs it after the confirmation", async () => {
    const user = userEvent.setup();
    const visit = encounter();
    const state: NotesState = { encounters: [visit], notes: [] };
    renderTimeline(state);
    const row = await screen.findByTestId("timeline-encounter");
    await user.click(within(row).getByTestId("note-new"));
    const editor = await screen.findByTestId("note-editor");
    expect(document.querySelectorAll("style").length).toBe(0);
    const template = input("note-template") as unknown as HTMLSelectElement;
    expect(Array.from(template.options).map((o) => o.value)).toEqual(["soap", "free"]);
    expect(template.value).toBe("soap");
    expect(within(editor).queryByTestId("note-text")).toBeNull();

    await user.type(input("note-title"), "Diabetes review");
    await user.type(input("note-subjective"), "Thirsty.{enter}Tired.");
    await user.type(input("note-assessment"), "Poorly controlled");
    await user.click(screen.getByTestId("note-save"));
    await waitFor(() => expect(screen.queryByTestId("note-editor")).toBeNull());
    expect(calls("create_note")).toEqual([
      {
        request: {
          patient_id: PATIENT.id,
          encounter_id: visit.id,
          amends: null,
          title: "Diabetes review",
          content: soap({ subjective: "Thirsty.\nTired.", assessment: "Poorly controlled" }),
        },
      },
    ]);
    expect(screen.getByTestId("timeline-notice").textContent).toContain("Draft saved: Diabetes review");

    // The author's own draft: "Edit draft", no "Amend"; the editor keeps the template.
    const card = await within(row).findByTestId("note-card");
    expect(card.getAttribute("data-status")).toBe("draft");
    expect(within(card).queryByTestId("note-amend")).toBeNull();
    await user.click(within(card).getByTestId("note-edit"));
    await screen.findByTestId("note-editor");
    expect(screen.queryByTestId("note-template")).toBeNull();
    expect(input("note-subjective").value).toBe("Thirsty.\nTired.");
    await user.type(input("note-plan"), "Increase metformin.");

    await user.click(screen.getByTestId("note-sign"));
    expect(screen.getByTestId("note-sign-confirmation").textContent).toContain(
      "A signed note cannot be changed; corrections are amendments",
    );
    expect(writes()).toEqual(["create_note"]);
    await user.click(screen.getByTestId("note-sign-confirm"));
    await waitFor(() => expect(screen.queryByTestId("note-editor")).toBeNull());

    expect(writes()).toEqual(["create_note", "update_note", "sign_note"]);
    const id = state.notes[0]!.id;
    expect(calls("update_note")).toEqual([
      {
        request: {
          id,
          expected_version: 1,
          title: "Diabetes review",
          content: soap({ subjective: "Thirsty.\nTired.", assessment: "Poorly controlled", plan: "Increase metformin." }),
        },
      },
    ]);
    expect(calls("sign_note")).toEqual([{ request: { id, expected_version: 2 } }]);
    await waitFor(() => expect(within(row).getByTestId("note-card").getAttribute("data-status")).toBe("signed"));
    expect(within(row).getByTestId("note-signed").textContent).toMatch(new RegExp(`^Signed by ${ME.name} on `));
    expect(screen.getByTestId("timeline-notice").textContent).toContain("Signed: Diabetes review");
  });

  it("signs a new free-text note outside a visit only once confirmed", async () => {
    const user = userEvent.setup();
    const state: NotesState = { encounters: [], notes: [] };
    renderTimeline(state);
    await user.click(await screen.findByTestId("note-new-loose"));
    await screen.findByTestId("note-editor");
    await user.selectOptions(screen.getByTestId("note-template"), "free");
    expect(screen.queryByTestId("note-subjective")).toBeNull();

    // Nothing to sign yet: said locally, nothing sent.
    await user.click(screen.getByTestId("note-sign"));
    expect(screen.getByTestId("note-error-content").textContent).toMatch(/empty note cannot be signed/);
    expect(screen.queryByTestId("note-sign-confirmation")).toBeNull();

    await user.type(input("note-text"), "Phoned about results.");
    await user.click(screen.getByTestId("note-sign"));
    await user.click(screen.getByTestId("note-sign-back"));
    expect(writes()).toEqual([]);
    await user.click(screen.getByTestId("note-sign"));
    await user.click(screen.getByTestId("note-sign-confirm"));
    await waitFor(() => expect(screen.queryByTestId("note-editor")).toBeNull());
    expect(writes()).toEqual(["create_note", "sign_note"]);
    expect((calls("create_note")[0] as { request: CreateNote }).request).toMatchObject({
      encounter_id: null,
      amends: null,
      title: "",
      content: free("Phoned about results."),
    });
    expect(calls("sign_note")).toEqual([{ request: { id: state.notes[0]!.id, expected_version: 1 } }]);
    const loose = screen.getByTestId("timeline-loose");
    await waitFor(() => expect(within(loose).getByTestId("note-card").getAttribute("data-status")).toBe("signed"));
    expect(within(loose).getByTestId("note-card-title").textContent).toBe("Untitled note");
  });

  it("asks before closing with unsaved text", async () => {
    const user = userEvent.setup();
    renderTimeline({ encounters: [], notes: [] });
    await user.click(await screen.findByTestId("note-new-loose"));
    await user.type(await screen.findByTestId("note-subjective"), "Half a thought");
    await user.click(screen.getByTestId("note-cancel"));
    expect(screen.getByTestId("note-discard")).toBeTruthy();
    await user.click(screen.getByTestId("note-discard-back"));
    expect(input("note-subjective").value).toBe("Half a thought");
    await user.click(screen.getByTestId("note-cancel"));
    await user.click(screen.getByTestId("note-discard-confirm"));
    await waitFor(() => expect(screen.queryByTestId("note-editor")).toBeNull());
    expect(writes()).toEqual([]);
  });
});

describe("signed notes and amendments", () => {
  it("never edits a signed note; Amend writes a new note that amends it", async () => {
    const user = userEvent.setup();
    const visit = encounter({ status: "finished" });
    const original = note({ encounter_id: visit.id, title: "Knee exam", author_id: ME.id, author_name: ME.name });
    const state: NotesState = { encounters: [visit], notes: [original] };
    renderTimeline(state);
    const card = await screen.findByTestId("note-card");
    expect(card.getAttribute("data-status")).toBe("signed");
    expect(within(card).queryByTestId("note-edit")).toBeNull();

    await user.click(within(card).getByTestId("note-amend"));
    const editor = await screen.findByTestId("note-editor");
    expect(editor.getAttribute("data-mode")).toBe("amend");
    expect(input("note-title").value).toBe("Amendment: Knee exam");
    expect((input("note-template") as unknown as HTMLSelectElement).value).toBe("free");
    expect(screen.getByTestId("note-amends-info").textContent).toContain("Knee exam");
    await user.type(input("note-text"), "Left knee, not right.");
    await user.click(screen.getByTestId("note-save"));
    await waitFor(() => expect(screen.queryByTestId("note-editor")).toBeNull());
    expect(calls("create_note")).toEqual([
      {
        request: {
          patient_id: PATIENT.id,
          encounter_id: visit.id,
          amends: original.id,
          title: "Amendment: Knee exam",
          content: free("Left knee, not right."),
        },
      },
    ]);
    const amendment = await screen.findByTestId("note-amendment");
    expect(amendment.getAttribute("data-status")).toBe("draft");
    expect(within(amendment).getByTestId("note-amendment-label").textContent).toMatch(new RegExp(`^Amendment by ${ME.name} on `));
    expect(within(amendment).getByTestId("note-edit")).toBeTruthy();
    // The original is unchanged and still offers only "Amend".
    expect(within(screen.getByTestId("note-card")).queryByTestId("note-edit")).toBeNull();
  });
});

describe("errors", () => {
  it("shows the shell's field error under its input and keeps the text", async () => {
    const user = userEvent.setup();
    const state: NotesState = { encounters: [encounter()], notes: [] };
    const backend = notesBackend(state);
    let attempts = 0;
    renderTimeline(state, {
      create_note: (args) =>
        ++attempts === 1
          ? Promise.reject({
              code: "validation",
              message: "invalid note",
              fields: [{ field: "objective", message: "Use at most 20000 characters." }],
            })
          : backend.create_note!(args),
    });
    await user.click(await screen.findByTestId("note-new"));
    await user.type(await screen.findByTestId("note-title"), "Review");
    await user.type(input("note-objective"), "BP 150/95");
    await user.click(screen.getByTestId("note-save"));
    expect((await screen.findByTestId("note-error-objective")).textContent).toBe("Use at most 20000 characters.");
    expect(screen.queryByTestId("note-editor-error")).toBeNull();
    expect(input("note-title").value).toBe("Review");
    expect(input("note-objective").value).toBe("BP 150/95");
    // Still a new note: the template can still change.
    expect(screen.getByTestId("note-template")).toBeTruthy();

    await user.click(screen.getByTestId("note-save"));
    await waitFor(() => expect(screen.queryByTestId("note-editor")).toBeNull());
    expect(calls("create_note")).toHaveLength(2);
  });

  it("keeps the text on an edit conflict and saves over the reloaded version", async () => {
    const user = userEvent.setup();
    const visit = encounter();
    const draft = note({
      encounter_id: visit.id,
      title: "Draft",
      status: "draft",
      signed_at: null,
      version: 1,
      author_id: ME.id,
      author_name: ME.name,
      content: soap({ subjective: "Old" }),
    });
    const state: NotesState = { encounters: [visit], notes: [draft] };
    renderTimeline(state);
    await user.click(within(await screen.findByTestId("note-card")).getByTestId("note-edit"));
    await screen.findByTestId("note-editor");
    // Saved meanwhile in another window.
    state.notes = [{ ...draft, version: 2, content: soap({ subjective: "Theirs" }) }];
    await user.clear(input("note-subjective"));
    await user.type(input("note-subjective"), "Mine");
    await user.click(screen.getByTestId("note-save"));

    expect(await screen.findByTestId("note-conflict")).toBeTruthy();
    expect(input("note-subjective").value).toBe("Mine");
    await user.click(screen.getByTestId("note-conflict-reload"));
    expect((await screen.findByTestId("note-latest")).textContent).toContain("Theirs");
    expect(calls("get_note")).toEqual([{ id: draft.id }]);
    expect(input("note-subjective").value).toBe("Mine");
    expect(screen.queryByTestId("note-conflict")).toBeNull();

    await user.click(screen.getByTestId("note-save"));
    await waitFor(() => expect(screen.queryByTestId("note-editor")).toBeNull());
    expect(calls("update_note").at(-1)).toEqual({
      request: { id: draft.id, expected_version: 2, title: "Draft", content: soap({ subjective: "Mine" }) },
    });
  });

  it("offers an amendment when the draft was signed meanwhile", async () => {
    const user = userEvent.setup();
    const draft = note({ title: "Call", status: "draft", signed_at: null, version: 1, author_id: ME.id, content: free("a") });
    const state: NotesState = { encounters: [], notes: [draft] };
    renderTimeline(state, {
      update_note: () =>
        Promise.reject({
          code: "validation",
          message: "signed",
          fields: [{ field: "status", message: "This note is signed and cannot change. Amend it instead." }],
        }),
    });
    await user.click(within(await screen.findByTestId("timeline-loose")).getByTestId("note-edit"));
    await user.type(await screen.findByTestId("note-text"), " more");
    await user.click(screen.getByTestId("note-save"));
    expect(await screen.findByTestId("note-frozen")).toBeTruthy();
    expect((screen.getByTestId("note-save") as HTMLButtonElement).disabled).toBe(true);
    await user.click(screen.getByTestId("note-as-amendment"));
    expect(screen.getByTestId("note-editor").getAttribute("data-mode")).toBe("amend");
    expect(input("note-text").value).toBe("a more");
    await user.click(screen.getByTestId("note-save"));
    await waitFor(() => expect(screen.queryByTestId("note-editor")).toBeNull());
    expect((calls("create_note").at(-1) as { request: CreateNote }).request).toMatchObject({
      amends: draft.id,
      content: free("a more"),
    });
  });
});
