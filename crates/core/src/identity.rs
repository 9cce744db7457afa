//! The clinic, staff accounts, passwords, TOTP and login throttling (being written).
