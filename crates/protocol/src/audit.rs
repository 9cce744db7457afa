//! Audit wire types (being written).
