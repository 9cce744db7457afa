//! Pull cursors: opaque to clients, base64url (no padding) of the JSON
//! `{"epoch":E,"seq":S}` — "give me the ops after `seq` of epoch `E` of my
//! clinic's log". Only the server builds them; a malformed one is a 400.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

/// Longest cursor text accepted (real ones are about 50 characters).
const MAX_CURSOR_CHARS: usize = 128;

/// A position in one clinic's log. Do not reorder/rename: the encoded form is
/// stored by clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cursor {
    pub epoch: u64,
    pub seq: u64,
}

/// Why a cursor was refused (said to the client as "malformed cursor").
#[derive(Debug, PartialEq, Eq)]
pub struct MalformedCursor;

impl Cursor {
    pub fn encode(&self) -> String {
        // Serializing two integers cannot fail.
        let json = serde_json::to_vec(self).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    pub fn decode(text: &str) -> Result<Self, MalformedCursor> {
        if text.len() > MAX_CURSOR_CHARS {
            return Err(MalformedCursor);
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| MalformedCursor)?;
        serde_json::from_slice(&bytes).map_err(|_| MalformedCursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_garbage() {
        let c = Cursor {
            epoch: 77,
            seq: 123_456,
        };
        let text = c.encode();
        assert!(text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(Cursor::decode(&text), Ok(c));
        for bad in [
            "",
            "!!!",
            "e30",
            &"A".repeat(500),
            &URL_SAFE_NO_PAD.encode(b"{\"epoch\":1}"),
        ] {
            assert_eq!(Cursor::decode(bad), Err(MalformedCursor), "{bad}");
        }
        let extra = URL_SAFE_NO_PAD.encode(br#"{"epoch":1,"seq":2,"x":3}"#);
        assert_eq!(Cursor::decode(&extra), Err(MalformedCursor));
    }
}
