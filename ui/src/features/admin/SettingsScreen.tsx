// Placeholder: replaced by the administrators' screens work.
export function SettingsScreen() {
  return null;
}
