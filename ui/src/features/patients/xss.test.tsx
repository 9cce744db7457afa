// Patient data arrives from other devices (sync, imports): a name or address that
// carries HTML or script must be shown as text, never turned into markup. React
// escapes text; these tests make sure no screen bypasses that.
import { invoke } from "@tauri-apps/api/core";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useReducer } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { PatientSearch } from "../../bindings/PatientSearch";
import { commandRouter, renderWithProviders, samplePatient } from "../../test/render";
import { SearchScreen } from "../search/SearchScreen";
import { initialSearch, searchReducer } from "../search/searchState";
import { ProfileScreen } from "./profile/ProfileScreen";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);

const PAYLOAD = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`;
const ATTR_PAYLOAD = `" onmouseover="window.__xss=3`;

declare global {
  interface Window {
    __xss?: number;
  }
}

beforeEach(() => {
  mockInvoke.mockReset();
  delete window.__xss;
});
afterEach(() => {
  expect(window.__xss).toBeUndefined();
});

/** No element the payload could have created exists, and no attribute holds it. */
function expectInert(root: HTMLElement) {
  expect(root.querySelector("img, script, iframe, object")).toBeNull();
  for (const el of Array.from(root.querySelectorAll("*"))) {
    for (const attr of Array.from(el.attributes)) {
      expect(attr.name.startsWith("on")).toBe(false);
    }
  }
}

const hostile = samplePatient({
  details: {
    ...samplePatient().details,
    given_name: PAYLOAD,
    family_name: ATTR_PAYLOAD,
    address: { ...samplePatient().details.address, line1: PAYLOAD, city: ATTR_PAYLOAD },
    emergency_contacts: [{ name: PAYLOAD, relationship: ATTR_PAYLOAD, phone: "555 0101" }],
    insurance: { payer: PAYLOAD, member_id: ATTR_PAYLOAD, group_number: "" },
  },
});

describe("hostile text in patient data", () => {
  it("is shown as text on the profile", async () => {
    mockInvoke.mockImplementation(commandRouter({ get_patient: () => hostile }));
    const { container } = renderWithProviders(<ProfileScreen name="profile" id={hostile.id} />);
    const name = await screen.findByTestId("profile-name");
    expect(name.textContent).toContain(PAYLOAD);
    expect(name.textContent).toContain(ATTR_PAYLOAD);
    expectInert(container);
  });

  it("is shown as text in search results", async () => {
    const user = userEvent.setup();
    mockInvoke.mockImplementation(
      commandRouter({
        search_patients: (args) => {
          const req = args!.request as PatientSearch;
          const d = hostile.details;
          const row = {
            id: hostile.id,
            mrn: hostile.mrn,
            given_name: d.given_name,
            middle_name: d.middle_name,
            family_name: d.family_name,
            date_of_birth: d.date_of_birth,
            sex: d.sex,
            phone: d.phone,
          };
          return { items: [row], page: req.page, page_size: req.page_size, has_more: false };
        },
      }),
    );
    function Harness() {
      const [state, dispatch] = useReducer(searchReducer, initialSearch);
      return <SearchScreen state={state} dispatch={dispatch} focusTick={0} />;
    }
    const { container } = renderWithProviders(<Harness />);
    await user.type(screen.getByTestId("search-input"), "img");
    const row = await screen.findByTestId("search-result");
    expect(row.textContent).toContain(PAYLOAD);
    expectInert(container);
  });
});
