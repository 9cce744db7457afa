import { invoke } from "@tauri-apps/api/core";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useReducer } from "react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { PatientSearch } from "../../bindings/PatientSearch";
import type { PatientSummary } from "../../bindings/PatientSummary";
import { commandRouter, renderWithProviders } from "../../test/render";
import { SearchScreen } from "./SearchScreen";
import { initialSearch, searchReducer } from "./searchState";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
const mockInvoke = vi.mocked(invoke);

function Harness() {
  const [state, dispatch] = useReducer(searchReducer, initialSearch);
  return <SearchScreen state={state} dispatch={dispatch} focusTick={0} />;
}

const person = (i: number): PatientSummary => ({
  id: `p${i}`,
  mrn: `MRN-${i}`,
  given_name: `Given${i}`,
  middle_name: "",
  family_name: "Smith",
  date_of_birth: "1980-01-01",
  sex: "male",
  phone: "555-0100",
  restricted: false,
});

beforeEach(() => {
  mockInvoke.mockReset();
});

describe("SearchScreen", () => {
  it("searches after typing, pages, and opens a row with Enter", async () => {
    const user = userEvent.setup();
    const requests: PatientSearch[] = [];
    mockInvoke.mockImplementation(
      commandRouter({
        search_patients: (args) => {
          const req = args!.request as PatientSearch;
          requests.push(req);
          const items = req.page === 0 ? [person(1), person(2)] : [person(3)];
          return { items, page: req.page, page_size: req.page_size, has_more: req.page === 0 };
        },
      }),
    );
    const { navigate } = renderWithProviders(<Harness />);
    await user.type(screen.getByTestId("search-input"), "smi");
    await waitFor(() => expect(screen.getAllByTestId("search-result")).toHaveLength(2));
    // Debounced: one request for the settled text, not one per keystroke.
    expect(requests).toEqual([{ text: "smi", page: 0, page_size: 25 }]);
    expect(screen.getAllByTestId("search-result")[0]!.textContent).toContain("MRN-1");

    await user.click(screen.getByTestId("search-next"));
    await waitFor(() => expect(screen.getAllByTestId("search-result")).toHaveLength(1));
    expect(requests.at(-1)).toEqual({ text: "smi", page: 1, page_size: 25 });
    expect((screen.getByTestId("search-next") as HTMLButtonElement).disabled).toBe(true);

    screen.getByTestId("search-result").focus();
    await user.keyboard("{Enter}");
    expect(navigate).toHaveBeenCalledWith({ name: "profile", id: "p3" });
  });

  it("shows an empty state that leads to registration", async () => {
    const user = userEvent.setup();
    mockInvoke.mockImplementation(
      commandRouter({ search_patients: () => ({ items: [], page: 0, page_size: 25, has_more: false }) }),
    );
    const { navigate } = renderWithProviders(<Harness />);
    await user.type(screen.getByTestId("search-input"), "nobody");
    const empty = await screen.findByTestId("search-empty");
    expect(empty.textContent).toContain("nobody");
    await user.click(screen.getByTestId("search-empty-register"));
    expect(navigate).toHaveBeenCalledWith({ name: "register" });
  });
});
