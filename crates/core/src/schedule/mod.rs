//! Scheduling: the clinic's time zone and settings, appointment types, rooms,
//! providers' weekly hours and exceptions (`config`), clinic time (`time`), free
//! slots and booking checks (`slots`), reading appointments and calendars
//! (`appointments`), booking and the appointment's life (`booking`), the
//! waitlist (`waitlist`), reassigning an absent provider's day (`reassign`) and
//! the reminder queue (`reminders`).
//!
//! Invariants (DESIGN.md §5): appointments hold time for their provider and room
//! only while booked, confirmed, checked in, in consultation or done; no double
//! booking on a device (core check + store trigger); an appointment is never
//! deleted or dropped — it is cancelled with a reason or marked
//! `needs_reschedule`; every write is an op and an audit entry in one
//! transaction; times are stored in UTC and shown in the clinic's zone.
pub mod appointments;
pub mod booking;
pub mod config;
pub mod reassign;
pub mod reminders;
pub mod slots;
pub mod time;
pub mod waitlist;
