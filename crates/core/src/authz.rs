//! The role × command permission matrix (being written).
