// English strings of vital signs, test results, trends and the notification
// inbox (merged into `en.results`).
export const enResults = {};
