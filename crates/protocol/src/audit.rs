//! Audit trail wire types: one audit entry (`AuditEvent`), the report's query and
//! page, the result of verifying the hash chain, and the anchor (head of the chain)
//! that the sync server will later countersign.
//!
//! An entry says who did what to which patient's data, when and on which device.
//! Its `detail` holds ids, field names and counts only — never values, names or
//! anything else a patient could be identified by.
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What was done. Stored as the snake_case text and covered by the entry's hash:
/// never rename a variant's text; adding variants is fine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AuditAction {
    /// A record (or the audit report) was shown.
    View,
    Create,
    Update,
    Delete,
    Print,
    Export,
    Search,
    Login,
    Logout,
    LoginFailed,
    /// The session was locked (inactivity or by hand).
    Lock,
    Unlock,
    RoleChange,
    /// A staff account was created, disabled, re-enabled or its password/MFA changed.
    AccountChange,
    /// Emergency access to a restricted chart.
    BreakGlass,
    /// A command was refused by the permission matrix.
    AccessDenied,
    /// The local database was re-keyed.
    Rekey,
    SettingsChange,
    /// The audit chain was verified.
    AuditVerify,
}

impl AuditAction {
    pub const ALL: [AuditAction; 19] = [
        AuditAction::View,
        AuditAction::Create,
        AuditAction::Update,
        AuditAction::Delete,
        AuditAction::Print,
        AuditAction::Export,
        AuditAction::Search,
        AuditAction::Login,
        AuditAction::Logout,
        AuditAction::LoginFailed,
        AuditAction::Lock,
        AuditAction::Unlock,
        AuditAction::RoleChange,
        AuditAction::AccountChange,
        AuditAction::BreakGlass,
        AuditAction::AccessDenied,
        AuditAction::Rekey,
        AuditAction::SettingsChange,
        AuditAction::AuditVerify,
    ];

    /// The stored (and hashed) text. Do not change these strings.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::View => "view",
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Delete => "delete",
            AuditAction::Print => "print",
            AuditAction::Export => "export",
            AuditAction::Search => "search",
            AuditAction::Login => "login",
            AuditAction::Logout => "logout",
            AuditAction::LoginFailed => "login_failed",
            AuditAction::Lock => "lock",
            AuditAction::Unlock => "unlock",
            AuditAction::RoleChange => "role_change",
            AuditAction::AccountChange => "account_change",
            AuditAction::BreakGlass => "break_glass",
            AuditAction::AccessDenied => "access_denied",
            AuditAction::Rekey => "rekey",
            AuditAction::SettingsChange => "settings_change",
            AuditAction::AuditVerify => "audit_verify",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// Which kind of data the action touched. Stored as the snake_case text and
/// covered by the entry's hash: never rename a variant's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AuditCategory {
    /// Patient registration data: names, contact details, insurance.
    Demographics,
    /// Clinical record: notes, allergies, medications, problems.
    Chart,
    Schedule,
    Billing,
    /// Logins, locks, accounts, roles, permissions, break-glass, keys.
    Security,
    /// The audit trail itself (report views, exports, verification).
    Audit,
    /// Settings and other device-level events.
    System,
}

impl AuditCategory {
    pub const ALL: [AuditCategory; 7] = [
        AuditCategory::Demographics,
        AuditCategory::Chart,
        AuditCategory::Schedule,
        AuditCategory::Billing,
        AuditCategory::Security,
        AuditCategory::Audit,
        AuditCategory::System,
    ];

    /// The stored (and hashed) text. Do not change these strings.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditCategory::Demographics => "demographics",
            AuditCategory::Chart => "chart",
            AuditCategory::Schedule => "schedule",
            AuditCategory::Billing => "billing",
            AuditCategory::Security => "security",
            AuditCategory::Audit => "audit",
            AuditCategory::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// One stored audit entry, as shown in the report. The text fields are shown as
/// stored (a tampered row is still listed; `verify` says which rows are bad).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AuditEvent {
    /// Position in this device's chain: 1, 2, 3, … without gaps.
    #[ts(type = "number")]
    pub seq: u64,
    /// UUIDv7 of the entry (unique across devices).
    pub event_id: String,
    /// When it happened by this device's clock, RFC 3339 UTC with milliseconds.
    pub device_time: String,
    pub device_id: String,
    /// The staff member, if anyone was logged in (none for e.g. a failed login).
    pub actor_id: Option<String>,
    /// The staff member's display name when the entry was written.
    pub actor_name: Option<String>,
    /// The staff member's role when the entry was written.
    pub actor_role: Option<String>,
    /// Stored text of the action (`AuditAction::as_str`); unknown text is shown as is.
    pub action: String,
    /// Stored text of the category (`AuditCategory::as_str`).
    pub category: String,
    pub patient_id: Option<String>,
    /// Ids, field names and counts; never values.
    pub detail: serde_json::Value,
    /// HMAC-SHA256 of the entry chained to the previous one, lowercase hex.
    pub hash: String,
}

/// Columns the audit report can be sorted by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AuditSortColumn {
    /// Device time (ties by sequence).
    #[default]
    Time,
    /// Chain order.
    Seq,
    /// Staff member's name.
    Actor,
    Patient,
    Action,
    Category,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AuditSortDirection {
    Asc,
    #[default]
    Desc,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AuditSort {
    pub column: AuditSortColumn,
    pub direction: AuditSortDirection,
}

/// The audit report's filters, order and page. Every filter is optional; given
/// filters must all match.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AuditQuery {
    /// First day (`YYYY-MM-DD`, the clinic's local calendar day), inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub from: Option<String>,
    /// Last day (`YYYY-MM-DD`, the clinic's local calendar day), inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub actor_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub patient_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub action: Option<AuditAction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub category: Option<AuditCategory>,
    /// Default: time, newest first.
    #[serde(default)]
    #[ts(optional, as = "Option<AuditSort>")]
    pub sort: AuditSort,
    /// Zero-based; default 0.
    #[serde(default)]
    #[ts(optional, as = "Option<u32>")]
    pub page: u32,
    /// 1 to 500.
    pub page_size: u32,
}

/// One page of the audit report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AuditPage {
    pub items: Vec<AuditEvent>,
    pub page: u32,
    pub page_size: u32,
    /// Entries matching the filters, over all pages.
    #[ts(type = "number")]
    pub total: u64,
}

/// What verification found wrong with an entry (a best-effort diagnosis: that
/// something is wrong is certain, the kind is the most likely explanation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AuditProblemKind {
    /// The entry's content no longer matches its hash.
    Edited,
    /// Entries are missing (a gap in the sequence, or a tail cut off after an anchor).
    Missing,
    /// An entry that was not written by this device's audit trail.
    Inserted,
    /// A genuine entry found at another position than the one it was written at.
    Reordered,
    /// A genuine entry that does not follow the entry before it.
    BrokenLink,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AuditProblem {
    /// Sequence number the problem is reported at.
    #[ts(type = "number")]
    pub seq: u64,
    pub kind: AuditProblemKind,
    /// For administrators; never contains entry contents.
    pub message: String,
}

/// The result of checking the whole chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AuditVerification {
    /// True when no problem was found.
    pub ok: bool,
    /// Entries examined.
    #[ts(type = "number")]
    pub checked: u64,
    /// The first problems found (at most 1,000), in sequence order.
    pub problems: Vec<AuditProblem>,
    /// All problems found, including those not listed.
    #[ts(type = "number")]
    pub problem_count: u64,
}

/// The head of a device's chain: the last sequence number and its hash. The sync
/// server will store these; a later verification against an anchor detects a
/// chain cut short or rewritten after the anchor was taken.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AuditAnchor {
    /// 0 for an empty chain.
    #[ts(type = "number")]
    pub seq: u64,
    /// Lowercase hex of the 32-byte hash (all zeros for an empty chain).
    pub hash: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_texts_match_serde_and_round_trip() {
        for a in AuditAction::ALL {
            assert_eq!(
                serde_json::to_value(a).unwrap(),
                serde_json::Value::String(a.as_str().into())
            );
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
        }
        for c in AuditCategory::ALL {
            assert_eq!(
                serde_json::to_value(c).unwrap(),
                serde_json::Value::String(c.as_str().into())
            );
            assert_eq!(AuditCategory::parse(c.as_str()), Some(c));
        }
    }

    #[test]
    fn a_query_needs_only_a_page_size() {
        let q: AuditQuery = serde_json::from_str(r#"{"page_size": 50}"#).unwrap();
        assert_eq!(q.page, 0);
        assert_eq!(q.sort.column, AuditSortColumn::Time);
        assert_eq!(q.sort.direction, AuditSortDirection::Desc);
        assert!(serde_json::from_str::<AuditQuery>(
            r#"{"page_size": 50, "sort": {"column": "seq; DROP TABLE audit_event", "direction": "asc"}}"#
        )
        .is_err());
    }
}
