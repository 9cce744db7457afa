import { SessionGate } from "./features/session/SessionGate";
import { StartupGate } from "./features/startup/StartupGate";

export function App() {
  return (
    <StartupGate>
      {({ testKey, ...status }) => (
        // A device that joined a clinic (first run, then the first sync) re-reads the
        // start-up status; once it reports the clinic, the gate starts over at sign-in.
        <SessionGate key={status.clinic === null ? "first_run" : "clinic"} testKey={testKey} status={status} />
      )}
    </StartupGate>
  );
}
