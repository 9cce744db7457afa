//! Staff and role wire types (being written).
