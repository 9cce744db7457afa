//! The sync loop: push the outbox, then pull pages until caught up, applied in
//! groups of pages, each group in one local transaction together with its cursor
//! (so a crash or a restart resumes exactly where it stopped); retried on a timer with backoff
//! while the server cannot be reached.
//!
//! The store belongs to the shell: the engine reaches it through [`StoreAccess`]
//! for short, synchronous steps and never holds it across network calls.
use crate::transport::{Transport, TransportConfig, TransportError};
use clinic_core::sync::{self as core_sync, state, state::Enrollment};
use clinic_core::CoreError;
use clinic_protocol::sync::{MAX_PULL_LIMIT, PUSH_BATCH_BYTES};
use clinic_protocol::{
    ApiErrorCode, AuditUpload, ConnectSyncServer, DeviceId, EnrollRequest, LoggedOp, PullResponse,
    PushOutcome, PushRequest, SyncPhase,
};
use clinic_store::Store;
use std::time::Duration;

/// Ops per push request.
pub const BATCH: u32 = 500;
/// Pulled ops applied in one local transaction, at most (and at most this many
/// pages: a page may carry up to `PULL_PAGE_BYTES` of documents).
pub const APPLY_GROUP_OPS: usize = 5_000;
const APPLY_GROUP_PAGES: usize = 8;
/// The same during a catch-up (a joining device's first sync of a long log,
/// [`core_sync::catch_up`]): fewer commits, so a page of the name-token and
/// registration-key b-trees (inserted into everywhere) is encrypted and written
/// once per 25,000 ops rather than once per 5,000.
pub const CATCH_UP_GROUP_OPS: usize = 25_000;
const CATCH_UP_GROUP_PAGES: usize = 32;
/// Pulled pages waiting to be applied, at most: about a catch-up group, so the
/// next group is fetched (on another thread) while one is applied.
const PREFETCH_PAGES: usize = 24;

/// How the engine reaches the shell's store.
pub trait StoreAccess: Send + Sync {
    /// Runs `f` on the open store; `None` when no store is open (app locked out,
    /// being wiped).
    fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> T) -> Option<T>;
}

/// Why a round stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("This device is not connected to a sync server.")]
    NotEnrolled,
    #[error("The local database is not open.")]
    StoreClosed,
    #[error("The sync server cannot be reached: {0}")]
    Offline(String),
    #[error("This device was removed from the clinic.")]
    Revoked,
    #[error("{0}")]
    Server(String),
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl SyncError {
    /// The phase the indicator shows after this error.
    pub fn phase(&self) -> SyncPhase {
        match self {
            SyncError::NotEnrolled => SyncPhase::NotEnrolled,
            SyncError::Offline(_) => SyncPhase::Offline,
            SyncError::Revoked => SyncPhase::Revoked,
            _ => SyncPhase::Error,
        }
    }

    fn from_transport(e: TransportError) -> Self {
        if e.is_revoked() {
            return SyncError::Revoked;
        }
        match e {
            TransportError::Offline(m) => SyncError::Offline(m),
            TransportError::Api {
                code: ApiErrorCode::Unavailable,
                ..
            } => SyncError::Offline("the server is busy".into()),
            other => SyncError::Server(other.to_string()),
        }
    }
}

/// What one round did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RoundSummary {
    pub pushed: usize,
    pub applied: usize,
    pub held: usize,
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The transport for an enrollment, built once per (server, CA) and reused, so
/// rounds keep their TLS connections alive instead of handshaking every time.
fn transport_for(e: &Enrollment) -> Result<Transport, SyncError> {
    type Cache = std::sync::Mutex<Vec<((String, Option<String>), Transport)>>;
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let key = (e.server_url.clone(), e.ca_pem.clone());
    let cache = CACHE.get_or_init(Default::default);
    let mut cached = cache.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, t)) = cached.iter().find(|(k, _)| *k == key) {
        return Ok(t.clone());
    }
    let mut config = TransportConfig::new(e.server_url.clone());
    if let Some(pem) = &e.ca_pem {
        config = config.with_ca_pem(pem.as_bytes().to_vec());
    }
    let transport = Transport::new(config).map_err(|e| SyncError::Server(e.to_string()))?;
    if cached.len() >= 8 {
        cached.remove(0);
    }
    cached.push((key, transport.clone()));
    Ok(transport)
}

/// Enrolls this device with a server using an administrator's one-time code and
/// saves the enrollment (the device token stays in the encrypted store).
pub async fn enroll(
    access: &impl StoreAccess,
    request: &ConnectSyncServer,
) -> Result<(), SyncError> {
    let url = request.server_url.trim().trim_end_matches('/').to_string();
    let mut config = TransportConfig::new(url.clone());
    if let Some(pem) = request.ca_pem.as_deref().filter(|p| !p.trim().is_empty()) {
        config = config.with_ca_pem(pem.as_bytes().to_vec());
    }
    let transport = Transport::new(config).map_err(|e| SyncError::Server(e.to_string()))?;
    let device_id: DeviceId = access
        .with_store(|s| s.device_id())
        .ok_or(SyncError::StoreClosed)?;
    let answer = transport
        .enroll(&EnrollRequest {
            code: request.enrollment_code.trim().to_string(),
            device_id,
            device_name: request.device_name.trim().to_string(),
        })
        .await
        .map_err(SyncError::from_transport)?;
    let enrollment = Enrollment {
        server_url: url,
        ca_pem: request.ca_pem.clone().filter(|p| !p.trim().is_empty()),
        clinic_id: answer.clinic_id,
        device_token: answer.device_token,
        device_name: request.device_name.trim().to_string(),
    };
    let now = now_rfc3339();
    access
        .with_store(|s| state::save_enrollment(s, &enrollment, &now))
        .ok_or(SyncError::StoreClosed)??;
    tracing::info!(clinic = %enrollment.clinic_id, "enrolled this device with a sync server");
    Ok(())
}

/// One round: push everything pending, then pull until caught up. `on_page` is
/// called after each applied page (progress, UI refresh).
pub async fn sync_round(
    access: &impl StoreAccess,
    mut on_page: impl FnMut(&RoundSummary),
) -> Result<RoundSummary, SyncError> {
    let enrollment = access
        .with_store(|s| state::enrollment(s.conn()))
        .ok_or(SyncError::StoreClosed)??
        .ok_or(SyncError::NotEnrolled)?;
    let transport = transport_for(&enrollment)?;
    let token = enrollment.device_token.as_str();
    let mut summary = RoundSummary::default();
    let mut upgrade = false;
    loop {
        let (device_id, mut ops) = access
            .with_store(|s| s.pending_ops(BATCH).map(|ops| (s.device_id(), ops)))
            .ok_or(SyncError::StoreClosed)?
            .map_err(CoreError::from)?;
        if ops.is_empty() {
            break;
        }
        // Keep a batch small (documents travel inside ops): at least one op, then
        // stop once the payloads pass PUSH_BATCH_BYTES.
        let mut bytes = 0usize;
        let keep = ops
            .iter()
            .take_while(|op| {
                let fits = bytes == 0 || bytes < PUSH_BATCH_BYTES;
                bytes += serde_json::to_vec(&op.payload).map_or(0, |v| v.len()) + 256;
                fits
            })
            .count();
        ops.truncate(keep.max(1));
        let sent = ops.len();
        let answer = transport
            .push(token, &PushRequest { device_id, ops })
            .await
            .map_err(SyncError::from_transport)?;
        upgrade |= answer.upgrade_required;
        let acked: Vec<_> = answer
            .results
            .iter()
            .filter(|r| {
                matches!(
                    r.outcome,
                    PushOutcome::Accepted { .. }
                        | PushOutcome::Duplicate { .. }
                        | PushOutcome::Quarantined { .. }
                )
            })
            .map(|r| r.op_id)
            .collect();
        if acked.is_empty() {
            return Err(SyncError::Server(
                "the server acknowledged none of the changes sent".into(),
            ));
        }
        access
            .with_store(|s| s.mark_pushed(&acked))
            .ok_or(SyncError::StoreClosed)?
            .map_err(CoreError::from)?;
        summary.pushed += acked.len();
        if acked.len() < sent {
            break; // the rest go next round
        }
    }
    let cursor = access
        .with_store(|s| state::cursor(s.conn()))
        .ok_or(SyncError::StoreClosed)??;
    let mut catch_up = None;
    let pulled = pull(
        access,
        &transport,
        token,
        cursor,
        &mut catch_up,
        &mut summary,
        &mut on_page,
    )
    .await;
    // A catch-up ends with the deferred indexes rebuilt once caught up (before
    // `record_success` sets `first_sync_done`), and the usual page cache either way.
    let finished = match catch_up {
        Some(true) => access.with_store(|s| core_sync::catch_up::finish(s, pulled.is_ok())),
        _ => Some(Ok(())),
    };
    pulled?;
    finished.ok_or(SyncError::StoreClosed)??;
    upload_audit(access, &transport, token).await?;
    let now = now_rfc3339();
    access
        .with_store(|s| state::record_success(s, &now, upgrade))
        .ok_or(SyncError::StoreClosed)??;
    Ok(summary)
}

/// Pulls pages from `cursor` until caught up and applies them in groups (one local
/// transaction per group, with the cursor after its last page): a first sync
/// commits once per few thousand ops rather than once per page. Pages are fetched
/// ahead by a task of their own while groups are applied. `catch_up` is decided at
/// the first page ([`core_sync::catch_up::begin`]): a catch-up applies bigger groups.
async fn pull(
    access: &impl StoreAccess,
    transport: &Transport,
    token: &str,
    mut cursor: Option<String>,
    catch_up: &mut Option<bool>,
    summary: &mut RoundSummary,
    on_page: &mut impl FnMut(&RoundSummary),
) -> Result<(), SyncError> {
    let mut pages = Prefetch::start(transport.clone(), token.to_string(), cursor.clone());
    let mut group: Vec<LoggedOp> = Vec::new();
    let mut pages_in_group = 0;
    loop {
        let page = match pages.next().await {
            Err(TransportError::Api {
                code: ApiErrorCode::Conflict,
                ..
            }) if cursor.is_some() => {
                // The server's log was reset (a new epoch): start from the beginning;
                // every op already applied here is skipped by its id.
                access
                    .with_store(|s| {
                        s.conn()
                            .execute("UPDATE sync_state SET cursor = NULL", [])
                            .map_err(|e| CoreError::Store(e.into()))
                    })
                    .ok_or(SyncError::StoreClosed)??;
                cursor = None;
                group.clear();
                pages_in_group = 0;
                pages = Prefetch::start(transport.clone(), token.to_string(), None);
                continue;
            }
            other => other.map_err(SyncError::from_transport)?,
        };
        let catching_up = match *catch_up {
            Some(decided) => decided,
            None => {
                let before = page
                    .ops
                    .first()
                    .map_or(page.head_seq, |op| op.seq.saturating_sub(1));
                let remaining = page.head_seq.saturating_sub(before);
                let decided = access
                    .with_store(|s| core_sync::catch_up::begin(s, remaining))
                    .ok_or(SyncError::StoreClosed)??;
                *catch_up = Some(decided);
                decided
            }
        };
        let (max_ops, max_pages) = if catching_up {
            (CATCH_UP_GROUP_OPS, CATCH_UP_GROUP_PAGES)
        } else {
            (APPLY_GROUP_OPS, APPLY_GROUP_PAGES)
        };
        cursor = Some(page.next_cursor.clone());
        group.extend(page.ops);
        pages_in_group += 1;
        let full = group.len() >= max_ops || pages_in_group >= max_pages;
        if page.more && !full {
            continue;
        }
        let applied = access
            .with_store(|s| {
                core_sync::apply_pulled(s, &group, cursor.as_deref(), Some(page.head_seq))
            })
            .ok_or(SyncError::StoreClosed)??;
        // Freeing a group's decoded ops takes a while: not on the applying thread.
        let applied_group = std::mem::take(&mut group);
        tokio::task::spawn_blocking(move || drop(applied_group));
        pages_in_group = 0;
        summary.applied += applied.applied;
        summary.held += applied.held;
        on_page(summary);
        if !page.more {
            return Ok(());
        }
    }
}

/// Pages pulled one after another by a task of their own, up to
/// [`PREFETCH_PAGES`] ahead of the apply; it stops after the last page or the
/// first error, and when dropped.
struct Prefetch {
    pages: tokio::sync::mpsc::Receiver<Result<PullResponse, TransportError>>,
    task: tokio::task::JoinHandle<()>,
}

impl Prefetch {
    fn start(transport: Transport, token: String, mut cursor: Option<String>) -> Self {
        let (sender, pages) = tokio::sync::mpsc::channel(PREFETCH_PAGES);
        let task = tokio::spawn(async move {
            loop {
                let pulled = transport
                    .pull(&token, cursor.as_deref(), MAX_PULL_LIMIT)
                    .await;
                let next = match &pulled {
                    Ok(page) if page.more => Some(page.next_cursor.clone()),
                    _ => None,
                };
                if sender.send(pulled).await.is_err() {
                    return; // the round stopped
                }
                match next {
                    Some(next) => cursor = Some(next),
                    None => return,
                }
            }
        });
        Self { pages, task }
    }

    async fn next(&mut self) -> Result<PullResponse, TransportError> {
        self.pages.recv().await.unwrap_or_else(|| {
            Err(TransportError::Offline(
                "fetching pages stopped unexpectedly".into(),
            ))
        })
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Uploads the device's audit entries the server does not hold yet, and saves
/// the anchor it answers. A refusal (the local trail no longer continues what the
/// server anchored) is an error the indicator shows.
async fn upload_audit(
    access: &impl StoreAccess,
    transport: &Transport,
    token: &str,
) -> Result<(), SyncError> {
    let tampered = "the audit trail on this device no longer matches the copy on the server: ask an administrator to verify it";
    let holds = access
        .with_store(|s| core_sync::anchor::local_trail_holds_anchor(s.conn()))
        .ok_or(SyncError::StoreClosed)??;
    if !holds {
        return Err(SyncError::Server(tampered.into()));
    }
    loop {
        let (device_id, entries) = access
            .with_store(|s| core_sync::anchor::pending(s.conn(), BATCH).map(|e| (s.device_id(), e)))
            .ok_or(SyncError::StoreClosed)??;
        if entries.is_empty() {
            return Ok(());
        }
        let full = entries.len() == BATCH as usize;
        let anchor = match transport
            .upload_audit(token, &AuditUpload { device_id, entries })
            .await
        {
            Err(TransportError::Api {
                code: ApiErrorCode::Conflict,
                ..
            }) => return Err(SyncError::Server(tampered.into())),
            other => other.map_err(SyncError::from_transport)?,
        };
        access
            .with_store(|s| core_sync::anchor::save(s, &anchor))
            .ok_or(SyncError::StoreClosed)??;
        if !full {
            return Ok(());
        }
    }
}

/// Records a failed round for the indicator (not for offline: being offline is
/// shown by the phase, and the last error stays what the server last said).
pub fn record_failure(access: &impl StoreAccess, error: &SyncError) {
    if let SyncError::Server(_) | SyncError::Core(_) = error {
        let message = error.to_string();
        let _ = access.with_store(|s| state::record_error(s, &message));
    }
}

/// The wait before the next round after `failures` failures in a row: 1 s while
/// healthy, then 2, 4, 8 … capped at 60 s.
pub fn backoff(failures: u32) -> Duration {
    if failures == 0 {
        return Duration::from_millis(700);
    }
    Duration::from_secs(2u64.saturating_pow(failures.min(6)).min(60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        assert!(backoff(0) < Duration::from_secs(1));
        assert_eq!(backoff(1), Duration::from_secs(2));
        assert_eq!(backoff(3), Duration::from_secs(8));
        assert_eq!(backoff(20), Duration::from_secs(60));
    }
}
