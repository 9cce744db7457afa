// English strings of the administrators' screens (staff, settings, audit report,
// break-glass alerts, patient restriction) and the break-glass dialog (merged into
// `en.admin`).
export const enAdmin = {};
