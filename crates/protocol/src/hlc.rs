//! Hybrid logical clock: 48-bit wall-clock milliseconds, a 16-bit counter and the
//! device id as tie-break. Orders concurrent writes from offline devices for
//! last-writer-wins without trusting wall clocks to be monotonic.
use crate::ids::DeviceId;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;
use ts_rs::TS;

/// Largest wall-clock value that fits the 48-bit field (year ~10889).
pub const MAX_MILLIS: u64 = (1 << 48) - 1;

/// A timestamp that never goes backwards on one device.
/// Serialized as the sortable string `"{millis:012x}-{counter:04x}-{device}"`.
/// Do not reorder/rename fields: the string form is compared byte-wise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, TS)]
#[ts(export, type = "string")]
pub struct Hlc {
    pub millis: u64,
    pub counter: u16,
    pub device: DeviceId,
}

impl Hlc {
    /// The clock value before any event on `device`.
    pub fn zero(device: DeviceId) -> Self {
        Self {
            millis: 0,
            counter: 0,
            device,
        }
    }

    /// Advance for a local event at wall time `now_millis`. When the 16-bit counter
    /// is full within one millisecond, the clock carries into the next millisecond
    /// (running slightly ahead of the wall clock rather than failing: a remote op
    /// at counter 0xffff must never stop a device). `None` only at [`MAX_MILLIS`].
    pub fn tick(&self, now_millis: u64) -> Option<Self> {
        let now = now_millis.min(MAX_MILLIS);
        if now > self.millis {
            Some(self.at(now, 0))
        } else {
            self.next_after(self.millis, self.counter)
        }
    }

    /// Merge a remote timestamp (receive event) so later local ticks sort after it
    /// (carrying a full counter into the next millisecond, as [`Hlc::tick`]).
    pub fn observe(&self, remote: &Hlc, now_millis: u64) -> Option<Self> {
        let now = now_millis.min(MAX_MILLIS);
        let millis = now.max(self.millis).max(remote.millis);
        if millis == self.millis && millis == remote.millis {
            self.next_after(millis, self.counter.max(remote.counter))
        } else if millis == self.millis {
            self.next_after(millis, self.counter)
        } else if millis == remote.millis {
            self.next_after(millis, remote.counter)
        } else {
            Some(self.at(millis, 0))
        }
    }

    fn at(&self, millis: u64, counter: u16) -> Self {
        Self {
            millis,
            counter,
            device: self.device,
        }
    }

    /// The clock value right after (`millis`, `counter`) on this device.
    fn next_after(&self, millis: u64, counter: u16) -> Option<Self> {
        match counter.checked_add(1) {
            Some(c) => Some(self.at(millis, c)),
            None if millis < MAX_MILLIS => Some(self.at(millis + 1, 0)),
            None => None,
        }
    }
}

impl Ord for Hlc {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.millis, self.counter, self.device).cmp(&(other.millis, other.counter, other.device))
    }
}

impl PartialOrd for Hlc {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:012x}-{:04x}-{}",
            self.millis, self.counter, self.device
        )
    }
}

/// Why a string is not an HLC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HlcParseError;

impl fmt::Display for HlcParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("malformed hybrid logical clock value")
    }
}

impl std::error::Error for HlcParseError {}

impl std::str::FromStr for Hlc {
    type Err = HlcParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (millis, rest) = s.split_once('-').ok_or(HlcParseError)?;
        let (counter, device) = rest.split_once('-').ok_or(HlcParseError)?;
        if millis.len() != 12 || counter.len() != 4 {
            return Err(HlcParseError);
        }
        Ok(Self {
            millis: u64::from_str_radix(millis, 16).map_err(|_| HlcParseError)?,
            counter: u16::from_str_radix(counter, 16).map_err(|_| HlcParseError)?,
            device: device.parse().map_err(|_| HlcParseError)?,
        })
    }
}

impl Serialize for Hlc {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Hlc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_never_goes_backwards_when_wall_clock_jumps_back() {
        let d = DeviceId::new();
        let a = Hlc::zero(d).tick(10_000).unwrap();
        let b = a.tick(5_000).unwrap();
        assert!(b > a);
        assert_eq!(b.millis, 10_000);
        assert_eq!(b.counter, 1);
    }

    #[test]
    fn observe_moves_past_remote() {
        let (d1, d2) = (DeviceId::new(), DeviceId::new());
        let local = Hlc::zero(d1).tick(1_000).unwrap();
        let remote = Hlc::zero(d2).tick(9_000).unwrap();
        let merged = local.observe(&remote, 2_000).unwrap();
        assert!(merged > remote);
        assert_eq!(merged.device, d1);
    }

    #[test]
    fn string_form_round_trips_and_sorts_like_the_value() {
        let d = DeviceId::new();
        let a = Hlc {
            millis: 0x0000_0fff_ffff,
            counter: 2,
            device: d,
        };
        let b = Hlc {
            millis: 0x0000_1000_0000,
            counter: 0,
            device: d,
        };
        assert_eq!(a.to_string().parse::<Hlc>().unwrap(), a);
        assert!(a.to_string() < b.to_string());
        assert!(a < b);
        assert!("nonsense".parse::<Hlc>().is_err());
    }

    #[test]
    fn a_full_counter_carries_into_the_next_millisecond_never_wraps() {
        let d = DeviceId::new();
        let h = Hlc {
            millis: 5,
            counter: u16::MAX,
            device: d,
        };
        let next = h.tick(5).unwrap();
        assert_eq!((next.millis, next.counter), (6, 0));
        assert!(next > h);
        // A remote op at a full counter (e.g. a device far ahead) does not stop us.
        let remote = Hlc {
            millis: 9_000_000_000_000,
            counter: u16::MAX,
            device: DeviceId::new(),
        };
        let seen = Hlc::zero(d).observe(&remote, 5).unwrap();
        assert!(seen > remote);
        assert!(seen.tick(5).unwrap() > seen);
        let end = Hlc {
            millis: MAX_MILLIS,
            counter: u16::MAX,
            device: d,
        };
        assert_eq!(end.tick(MAX_MILLIS), None);
    }
}
