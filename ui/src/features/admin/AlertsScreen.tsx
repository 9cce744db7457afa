// Placeholder: replaced by the administrators' screens work.
export function AlertsScreen() {
  return null;
}
