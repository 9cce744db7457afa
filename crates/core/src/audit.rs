//! The tamper-evident audit trail (being written).
