// English strings of patient documents: upload, search, viewer, save a copy,
// sharing and the shared-with-me inbox (merged into `en.documents`).
export const enDocuments = {};
