// Placeholder: replaced by the administrators' screens work.
export function StaffScreen() {
  return null;
}
