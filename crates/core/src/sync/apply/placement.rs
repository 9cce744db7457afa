//! Who holds contested provider and room time (DESIGN.md §5), shared by the
//! appliers of appointment ops (`schedule`) and this device's booking path.
//!
//! Who holds a time is *derived*, never an op, and is a function of the ops
//! known here and of the server's log order — not of the order this device
//! happened to learn them in:
//!
//! - an appointment *claims* its placement (provider, room, times) while its
//!   status before overlaps ([`base_status`], merged by precedence from its ops)
//!   holds time. A claim's place in the order is that of the op that placed it
//!   there (its booking, or its last move by HLC): the op's seq in the server's
//!   log, or — for this device's own op the server has not ordered yet — after
//!   the whole log, in device-counter order;
//! - among overlapping claims (same provider, or same room) the one ordered
//!   first holds the time; a later claim overlapping a holder is stored as
//!   `needs_reschedule`. Claims are decided in that order, so a claim that does
//!   not hold blocks nobody.
//!
//! Whenever a claim appears, moves, or starts or stops holding (an op from
//! another device, a change made here), [`settle`] re-derives every claim
//! connected to the places involved by overlaps: one that lost its time to a
//! rival gets it back when the rival is cancelled or moves away, and a device's
//! own unordered booking that lost its time to an op of the log gets it back
//! when a later op of the log frees it. Nothing is decided against a device's
//! own unordered changes in a way the log could later contradict, so every
//! device ends with the same holders once it has the same ops.
//!
//! The front desk is told (a local notification row) about an appointment that
//! needs a new time *for as long as it does*: the notification is made when it
//! loses its time and withdrawn when it gets it back, is moved, or no longer
//! wants time (cancelled, no-show). Its id is derived from the op that placed
//! the appointment and the staff member, so every device holds the same set:
//! one per appointment that truly needs a new time, none for a demotion that
//! resolved itself (on some devices only) before anyone had to act.
//!
//! Known limits: the order of this device's own ops in the log is not stored;
//! it is derived (the seqs no op from another device holds are this device's,
//! in device-counter order), which assumes its own ops all reached the log in
//! order (none quarantined) and one server's log (no re-enrollment since). A
//! move's status is not kept with an applied op: an appointment getting its
//! time back after such a move was its last word shows `booked`.
use super::{malformed, Incoming};
use crate::schedule::{time, waitlist};
use crate::CoreError;
use clinic_protocol::{AppointmentStatus as S, EntityKind, Hlc, NotificationKind, OpKind};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet, VecDeque};

const HOLDING: &str = "('booked', 'confirmed', 'checked_in', 'in_consultation', 'done')";

/// Where an appointment is: provider, room and times (stored instants).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Placement {
    pub provider: String,
    pub room: Option<String>,
    pub starts_at: String,
    pub ends_at: String,
}

impl Placement {
    /// Same provider or same room, and the times overlap (stored instants sort as times).
    fn overlaps(&self, other: &Placement) -> bool {
        let shared =
            self.provider == other.provider || (self.room.is_some() && self.room == other.room);
        shared && self.starts_at < other.ends_at && other.starts_at < self.ends_at
    }
}

/// Where the op that placed an appointment stands in the order that decides.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Order {
    /// Another device's op, at this seq of the server's log.
    Logged(i64),
    /// This device's op (outbox counter); `ordered`: it came back from the log.
    Own { counter: i64, ordered: bool },
}

/// The op that placed an appointment where it is.
#[derive(Debug, Clone)]
pub(crate) struct PlacedBy {
    pub op_id: String,
    /// The op's time (from its clock), RFC 3339 UTC.
    pub at: String,
    pub order: Order,
}

/// The appointment a change is about, as the change leaves it.
pub(crate) struct Focus<'a> {
    pub id: &'a str,
    /// Its status before overlaps.
    pub base: S,
    /// Whether it needed a new time because of an overlap before the change.
    pub was_demoted: bool,
    /// The op that placed it, when the change did (a booking, a winning move).
    pub placed: Option<PlacedBy>,
    /// Whether the change placed it (a new claim, even at the same place).
    pub moved: bool,
}

/// Precedence of statuses (see `schedule`'s policies): (class, rank in class).
fn precedence(s: S) -> (u8, u8) {
    match s {
        S::CheckedIn => (3, 1),
        S::InConsultation => (3, 2),
        S::Done => (3, 3),
        S::Cancelled => (2, 0),
        _ => (1, 0),
    }
}

/// The order of statuses of one appointment's ops: class, rank in class, and
/// the later clock in class 1 (booked, confirmed, no-show, needs reschedule).
fn key(s: S, hlc: Hlc) -> (u8, u8, Option<Hlc>) {
    let (class, rank) = precedence(s);
    (class, rank, (class == 1).then_some(hlc))
}

fn hlc(text: &str) -> Result<Hlc, CoreError> {
    text.parse()
        .map_err(|_| CoreError::Corrupt("stored op clock".into()))
}

/// The ops of an appointment known here that set its status, other than
/// `except`: (clock, status). A booking or move counts as `booked`, or its
/// payload's status when `payloads` and the payload is kept (this device's own).
fn status_ops(
    conn: &Connection,
    id: &str,
    except: &str,
    payloads: bool,
) -> Result<Vec<(Hlc, S)>, CoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT hlc, kind, json_extract(payload, '$.status') FROM outbox
         WHERE entity = ?1 AND entity_id = ?2 AND kind IN (?3, ?4, ?5)
         UNION ALL
         SELECT hlc, kind, json_extract(payload, '$.status') FROM applied_op
         WHERE entity = ?1 AND entity_id = ?2 AND kind IN (?3, ?4, ?5) AND op_id <> ?6",
    )?;
    let rows = stmt.query_map(
        params![
            EntityKind::Appointment.as_str(),
            id,
            OpKind::BookAppointment.as_str(),
            OpKind::RescheduleAppointment.as_str(),
            OpKind::SetAppointmentStatus.as_str(),
            except
        ],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        },
    )?;
    let mut out = Vec::new();
    for row in rows {
        let (clock, kind, status) = row?;
        let status = status.as_deref().and_then(S::parse);
        let status = if kind == OpKind::SetAppointmentStatus.as_str() {
            status.ok_or_else(|| CoreError::Corrupt("stored appointment op".into()))?
        } else {
            status
                .filter(|s| payloads && s.holds_time())
                .unwrap_or(S::Booked)
        };
        out.push((hlc(&clock)?, status));
    }
    Ok(out)
}

/// The status after `inc` meets `current` (the status before overlaps), by
/// precedence: `inc`'s when it beats every other op of the appointment known
/// here (class, rank in class, then the later clock in class 1) — a booking or
/// move counts as `booked` — otherwise `current`. Compared with the ops, not
/// with `current` alone, so every order of the same ops gives the same status.
pub(crate) fn merged(conn: &Connection, inc: &Incoming<'_>, current: S) -> Result<S, CoreError> {
    let op = inc.op();
    let incoming = S::parse(inc.text("status")?).ok_or_else(|| malformed(inc, "status"))?;
    let mine = key(incoming, op.hlc);
    let others = status_ops(conn, &op.entity_id, &op.op_id.to_string(), false)?;
    let beaten = others
        .into_iter()
        .any(|(clock, other)| key(other, clock) >= mine);
    Ok(if beaten { current } else { incoming })
}

/// The status an appointment stored as `stored` has before overlaps. A stored
/// `needs_reschedule` may be derived (it lost its time): then it is the status
/// of its op with the highest precedence (`except` left out: an op being
/// applied). A booking's or move's status is its payload's when this device
/// made it, `booked` otherwise (the applied payload is not kept).
pub(crate) fn base_status(
    conn: &Connection,
    id: &str,
    stored: S,
    except: &str,
) -> Result<S, CoreError> {
    if stored != S::NeedsReschedule {
        return Ok(stored);
    }
    Ok(status_by_ops(conn, id, except)?.unwrap_or(stored))
}

/// The status of an appointment's op with the highest precedence (`except`
/// left out), if it has any here.
fn status_by_ops(conn: &Connection, id: &str, except: &str) -> Result<Option<S>, CoreError> {
    let ops = status_ops(conn, id, except, true)?;
    let best = ops.into_iter().max_by_key(|(clock, s)| key(*s, *clock));
    Ok(best.map(|(_, s)| s))
}

/// The op that placed appointment `id` where it is: its booking or move with
/// the latest clock. `tentative`: this device's own placement is not ordered.
fn placed_by(conn: &Connection, id: &str, tentative: bool) -> Result<PlacedBy, CoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT hlc, seq, NULL, op_id FROM applied_op
         WHERE entity = ?1 AND entity_id = ?2 AND kind IN (?3, ?4)
         UNION ALL
         SELECT hlc, NULL, device_counter, op_id FROM outbox
         WHERE entity = ?1 AND entity_id = ?2 AND kind IN (?3, ?4)",
    )?;
    let rows = stmt.query_map(
        params![
            EntityKind::Appointment.as_str(),
            id,
            OpKind::BookAppointment.as_str(),
            OpKind::RescheduleAppointment.as_str()
        ],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, String>(3)?,
            ))
        },
    )?;
    let mut best: Option<(Hlc, PlacedBy)> = None;
    for row in rows {
        let (clock, seq, counter, op_id) = row?;
        let clock = hlc(&clock)?;
        if best.as_ref().is_some_and(|(b, _)| *b >= clock) {
            continue;
        }
        let order = match (seq, counter) {
            (Some(seq), _) => Order::Logged(seq),
            (None, Some(counter)) => Order::Own {
                counter,
                ordered: !tentative,
            },
            _ => return Err(CoreError::Corrupt("stored appointment op".into())),
        };
        let at = stamp(clock.millis);
        best = Some((clock, PlacedBy { op_id, at, order }));
    }
    // Every appointment here came from a booking op; without one (ops records
    // lost) it sorts first, the same way each time.
    Ok(best.map(|(_, p)| p).unwrap_or(PlacedBy {
        op_id: id.to_string(),
        at: String::new(),
        order: Order::Logged(0),
    }))
}

pub(crate) fn stamp(millis: u64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(millis as i64)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Sort keys of the claims' orders: (seq, 0, 0) for a logged op; (the last
/// logged seq among these before it, 1, counter) for this device's op the log
/// ordered; (max, 2, counter) for its op not ordered yet.
///
/// This device's own ops sit in the log in device-counter order, in the seqs
/// that no op from another device (applied or held here) holds: its `j`-th op
/// comes before logged seq `p` exactly when at least `j` of the seqs before `p`
/// are its own.
fn sort_keys(conn: &Connection, orders: &[Order]) -> Result<Vec<(i64, u8, i64)>, CoreError> {
    let logged: Vec<i64> = orders
        .iter()
        .filter_map(|o| match o {
            Order::Logged(seq) => Some(*seq),
            _ => None,
        })
        .collect();
    let needs_gaps = orders
        .iter()
        .any(|o| matches!(o, Order::Own { ordered: true, .. }))
        && !logged.is_empty();
    // Own ops before each logged seq (counted only when an own ordered claim meets one).
    let mut own_before = HashMap::new();
    if needs_gaps {
        for &seq in &logged {
            let others: i64 = conn.query_row(
                "SELECT (SELECT count(*) FROM applied_op WHERE seq < ?1)
                      + (SELECT count(*) FROM held_op WHERE seq < ?1)",
                [seq],
                |r| r.get(0),
            )?;
            own_before.insert(seq, seq - 1 - others);
        }
    }
    let mut keys = Vec::with_capacity(orders.len());
    for order in orders {
        keys.push(match *order {
            Order::Logged(seq) => (seq, 0, 0),
            Order::Own {
                counter,
                ordered: false,
            } => (i64::MAX, 2, counter),
            Order::Own {
                counter,
                ordered: true,
            } => {
                let rank: i64 = if needs_gaps {
                    conn.query_row(
                        "SELECT count(*) FROM outbox WHERE device_counter <= ?1",
                        [counter],
                        |r| r.get(0),
                    )?
                } else {
                    0
                };
                let after = logged
                    .iter()
                    .filter(|seq| own_before.get(*seq).is_some_and(|n| *n < rank))
                    .max()
                    .copied()
                    .unwrap_or(0);
                (after, 1, counter)
            }
        });
    }
    Ok(keys)
}

/// An appointment claiming time, and what settling decides for it.
struct Claim {
    id: String,
    patient: String,
    at: Placement,
    /// Its status in the row now.
    stored: S,
    tentative: bool,
    /// Its status before overlaps.
    base: S,
    was_demoted: bool,
    moved: bool,
    placed: Option<PlacedBy>,
    demoted: bool,
}

impl Claim {
    fn placed(&mut self, conn: &Connection) -> Result<&PlacedBy, CoreError> {
        let placed = match self.placed.take() {
            Some(p) => p,
            None => placed_by(conn, &self.id, self.tentative)?,
        };
        Ok(self.placed.insert(placed))
    }
}

type Row = (String, String, Placement, S, bool);

/// Appointments holding time or needing a new time whose placement overlaps `w`.
fn overlapping(conn: &Connection, w: &Placement) -> Result<Vec<Row>, CoreError> {
    let hours = crate::schedule::slots::MAX_APPOINTMENT_HOURS;
    let lookback = time::parse_instant(&w.starts_at)
        .map(|t| time::stored(t - chrono::Duration::hours(hours)))
        .unwrap_or_default();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, patient_id, provider_id, room_id, starts_at, ends_at, status, tentative
         FROM appointment
         WHERE (status IN {HOLDING} OR status = 'needs_reschedule')
           AND starts_at < ?3 AND starts_at > ?4 AND ends_at > ?2
           AND (provider_id = ?1 OR (?5 IS NOT NULL AND room_id = ?5))
         ORDER BY id"
    ))?;
    let rows = stmt.query_map(
        params![w.provider, w.starts_at, w.ends_at, lookback, w.room],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                Placement {
                    provider: r.get(2)?,
                    room: r.get(3)?,
                    starts_at: r.get(4)?,
                    ends_at: r.get(5)?,
                },
                r.get::<_, String>(6)?,
                r.get::<_, bool>(7)?,
            ))
        },
    )?;
    let mut out = Vec::new();
    for row in rows {
        let (id, patient, at, status, tentative) = row?;
        let status = S::parse(&status).ok_or_else(|| CoreError::Corrupt("appointment".into()))?;
        out.push((id, patient, at, status, tentative));
    }
    Ok(out)
}

/// Re-derives who holds the time of every claim connected by overlaps to
/// `seeds` (the places a change touched), after `focus` was written: each
/// claim, in the order of the ops that placed it, holds its time unless an
/// earlier claim holding time overlaps it. Writes the statuses that change
/// (losers first, so the store's overlap triggers never see two holders), the
/// reminders queued here and the front desk's notifications (module docs).
pub(crate) fn settle(
    conn: &Connection,
    seeds: &[Placement],
    focus: &Focus<'_>,
    now: &str,
) -> Result<(), CoreError> {
    let mut claims: Vec<Claim> = Vec::new();
    let mut seen = HashSet::new();
    let mut places: VecDeque<Placement> = seeds.iter().cloned().collect();
    while let Some(place) = places.pop_front() {
        for (id, patient, at, stored, tentative) in overlapping(conn, &place)? {
            if !seen.insert(id.clone()) {
                continue;
            }
            let is_focus = id == focus.id;
            let base = if is_focus {
                focus.base
            } else {
                base_status(conn, &id, stored, "")?
            };
            if !base.holds_time() {
                continue;
            }
            places.push_back(at.clone());
            claims.push(Claim {
                id,
                patient,
                at,
                stored,
                tentative,
                base,
                was_demoted: if is_focus {
                    focus.was_demoted
                } else {
                    stored == S::NeedsReschedule
                },
                moved: is_focus && focus.moved,
                placed: if is_focus { focus.placed.clone() } else { None },
                demoted: false,
            });
        }
    }
    // The order that decides (only needed when claims meet).
    let mut order: Vec<usize> = (0..claims.len()).collect();
    if claims.len() > 1 {
        let mut orders = Vec::with_capacity(claims.len());
        for c in &mut claims {
            orders.push(c.placed(conn)?.order);
        }
        let keys = sort_keys(conn, &orders)?;
        order.sort_by_key(|i| keys[*i]);
    }
    let mut holders: Vec<usize> = Vec::new();
    for i in order {
        let demoted = holders
            .iter()
            .any(|h| claims[*h].at.overlaps(&claims[i].at));
        claims[i].demoted = demoted;
        if !demoted {
            holders.push(i);
        }
    }
    for c in claims.iter().filter(|c| c.demoted) {
        if c.stored != S::NeedsReschedule {
            set_status(conn, &c.id, S::NeedsReschedule, now)?;
        }
        if !c.was_demoted {
            cancel_reminder(conn, &c.id)?;
        }
    }
    for c in claims.iter_mut().filter(|c| !c.demoted) {
        if c.stored != c.base {
            set_status(conn, &c.id, c.base, now)?;
        }
        if c.was_demoted && matches!(c.placed(conn)?.order, Order::Own { .. }) {
            requeue_reminder(conn, &c.id)?;
        }
    }
    for c in &mut claims {
        if c.was_demoted && (!c.demoted || c.moved) {
            withdraw(conn, &c.id)?;
        }
        if c.demoted && (!c.was_demoted || c.moved) {
            let placed = c.placed(conn)?.clone();
            tell_front_desk(conn, &c.id, &c.patient, &c.at, &placed)?;
        }
    }
    if focus.was_demoted && !claims.iter().any(|c| c.id == focus.id) {
        withdraw(conn, focus.id)?;
    }
    Ok(())
}

fn set_status(conn: &Connection, id: &str, status: S, now: &str) -> Result<(), CoreError> {
    conn.execute(
        "UPDATE appointment SET status = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, status.as_str(), now],
    )?;
    Ok(())
}

/// An appointment as it is here.
pub(crate) struct Current {
    pub(crate) at: Placement,
    pub(crate) status: S,
}

pub(crate) fn current(conn: &Connection, id: &str) -> Result<Current, CoreError> {
    let row: Option<(Placement, String)> = conn
        .query_row(
            "SELECT provider_id, room_id, starts_at, ends_at, status FROM appointment WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    Placement {
                        provider: r.get(0)?,
                        room: r.get(1)?,
                        starts_at: r.get(2)?,
                        ends_at: r.get(3)?,
                    },
                    r.get(4)?,
                ))
            },
        )
        .optional()?;
    let (at, status) = row.ok_or(CoreError::NotFound("appointment"))?;
    let status = S::parse(&status).ok_or_else(|| CoreError::Corrupt("appointment".into()))?;
    Ok(Current { at, status })
}

/// After a change made on this device (the booking path: a move, a
/// cancellation, a no-show, a provider's day reassigned) to appointment `id`,
/// whose status was `was` and, when it moved, was at `left`: the claims that
/// meet its old and new places are settled as every device will settle them.
/// Its status is the one its ops give, as on every device (an arrival known
/// here beats the move or cancellation just made).
pub(crate) fn settle_local(
    conn: &Connection,
    id: &str,
    was: S,
    left: Option<&Placement>,
    now: &str,
) -> Result<(), CoreError> {
    let Current { at, status } = current(conn, id)?;
    let base = status_by_ops(conn, id, "")?.unwrap_or(status);
    if base != status {
        let pending = if base.holds_time() {
            S::NeedsReschedule
        } else {
            base
        };
        set_status(conn, id, pending, now)?;
    }
    let focus = Focus {
        id,
        base,
        was_demoted: was == S::NeedsReschedule,
        placed: None,
        moved: left.is_some(),
    };
    let mut seeds = vec![at];
    seeds.extend(left.cloned());
    settle(conn, &seeds, &focus, now)
}

/// Tells the front desk (the provider when the clinic has no front desk) that an
/// appointment needs a new time. The id is derived from the op that placed it
/// and the staff member, so every device writes the same notification, once.
fn tell_front_desk(
    conn: &Connection,
    appointment: &str,
    patient: &str,
    at: &Placement,
    placed: &PlacedBy,
) -> Result<(), CoreError> {
    let mut staff: Vec<String> = waitlist::front_desk_staff(conn)?
        .iter()
        .map(|s| s.to_string())
        .collect();
    if staff.is_empty() {
        staff.push(at.provider.clone());
    }
    let detail = json!({
        "appointment_id": appointment, "starts_at": at.starts_at, "change": "needs_reschedule",
    });
    for member in staff {
        let digest = Sha256::digest(format!("needs_reschedule\n{}\n{member}", placed.op_id));
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        let id = uuid::Builder::from_custom_bytes(bytes).into_uuid();
        conn.execute(
            "INSERT OR IGNORE INTO notification (id, staff_id, kind, patient_id, detail, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                id.to_string(),
                member,
                NotificationKind::ScheduleChanged.as_str(),
                patient,
                detail.to_string(),
                placed.at
            ],
        )?;
    }
    Ok(())
}

/// Withdraws the needs-a-new-time notifications of an appointment that no
/// longer needs one (or needs one for another placement).
fn withdraw(conn: &Connection, appointment: &str) -> Result<(), CoreError> {
    conn.execute(
        "DELETE FROM notification WHERE kind = ?2
            AND json_extract(detail, '$.change') = 'needs_reschedule'
            AND json_extract(detail, '$.appointment_id') = ?1",
        params![appointment, NotificationKind::ScheduleChanged.as_str()],
    )?;
    Ok(())
}

/// Cancels the reminder queued here (the device that books or moves queues its own).
pub(crate) fn cancel_reminder(conn: &Connection, id: &str) -> Result<(), CoreError> {
    conn.execute(
        "UPDATE reminder SET status = 'cancelled' WHERE appointment_id = ?1 AND status = 'queued'",
        [id],
    )?;
    Ok(())
}

/// This device placed the appointment and it has its time back: its latest
/// reminder, cancelled when it lost the time, is queued again.
fn requeue_reminder(conn: &Connection, id: &str) -> Result<(), CoreError> {
    conn.execute(
        "UPDATE reminder SET status = 'queued'
         WHERE id = (SELECT max(id) FROM reminder WHERE appointment_id = ?1) AND status = 'cancelled'",
        [id],
    )?;
    Ok(())
}
