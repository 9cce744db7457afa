import { SessionGate } from "./features/session/SessionGate";
import { StartupGate } from "./features/startup/StartupGate";

export function App() {
  return <StartupGate>{({ testKey, ...status }) => <SessionGate testKey={testKey} status={status} />}</StartupGate>;
}
