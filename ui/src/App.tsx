import { StartupGate } from "./features/startup/StartupGate";
import { Shell } from "./features/shell/Shell";

export function App() {
  return <StartupGate>{({ testKey }) => <Shell testKey={testKey} />}</StartupGate>;
}
