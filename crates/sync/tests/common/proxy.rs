//! A loopback TCP proxy between devices and the server that injects network
//! faults, one plan per accepted connection: pass, refuse, delay, cut the
//! server's bytes after a count, lose (or hold) the server's reply to a request
//! the server did receive; plus flapping (down periods that refuse new
//! connections and cut the open ones). TLS passes through untouched: the proxy
//! only counts the TLS records the client sends, to tell when its first request
//! (the second application-data record under TLS 1.3, after the client's
//! encrypted Finished) has gone through to the server.
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

/// What the proxy does to one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    Pass,
    /// Accepted, then closed at once.
    Refuse,
    /// Waits before connecting upstream, and before forwarding each server chunk.
    Delay(Duration),
    /// Forwards this many of the server's bytes (handshake included), then closes both sides.
    CutAfter(usize),
    /// The client's first request reaches the server; nothing the server sends
    /// after it reaches the client; the connection is closed after a while.
    LoseReply,
    /// Like `LoseReply`, but reports the request on [`Proxy::held`] and keeps the
    /// client waiting until the server closes (or 15 s pass).
    HoldReply,
}

/// Chooses the plan of the n-th connection (0-based).
pub type Chooser = Box<dyn FnMut(u64) -> Plan + Send>;

#[derive(Default, Debug)]
pub struct Stats {
    pub connections: AtomicU64,
    pub refused: AtomicU64,
    pub delayed: AtomicU64,
    pub cut: AtomicU64,
    pub replies_lost: AtomicU64,
    pub killed_by_flap: AtomicU64,
}

struct Ctl {
    upstream: Mutex<SocketAddr>,
    chooser: Mutex<Chooser>,
    down: AtomicBool,
    /// Bumped to cut every open connection.
    kill: watch::Sender<u64>,
    held: mpsc::UnboundedSender<()>,
    stats: Stats,
}

pub struct Proxy {
    pub port: u16,
    ctl: Arc<Ctl>,
    task: tokio::task::JoinHandle<()>,
    /// One message per request held by a [`Plan::HoldReply`] connection.
    pub held: tokio::sync::Mutex<mpsc::UnboundedReceiver<()>>,
}

impl Proxy {
    /// Listens on 127.0.0.1 (a free port) and forwards to `upstream`, every
    /// connection passed through until [`Proxy::set_chooser`].
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy bind");
        let port = listener.local_addr().expect("proxy addr").port();
        let (held_tx, held_rx) = mpsc::unbounded_channel();
        let ctl = Arc::new(Ctl {
            upstream: Mutex::new(upstream),
            chooser: Mutex::new(Box::new(|_| Plan::Pass)),
            down: AtomicBool::new(false),
            kill: watch::channel(0).0,
            held: held_tx,
            stats: Stats::default(),
        });
        let accept_ctl = ctl.clone();
        let task = tokio::spawn(async move {
            let mut n = 0u64;
            while let Ok((client, _)) = listener.accept().await {
                let plan = if accept_ctl.down.load(Ordering::SeqCst) {
                    Plan::Refuse
                } else {
                    (accept_ctl.chooser.lock().unwrap())(n)
                };
                n += 1;
                accept_ctl.stats.connections.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(connection(client, accept_ctl.clone(), plan));
            }
        });
        Self {
            port,
            ctl,
            task,
            held: tokio::sync::Mutex::new(held_rx),
        }
    }

    pub fn url(&self) -> String {
        format!("https://localhost:{}", self.port)
    }

    pub fn set_chooser(&self, chooser: impl FnMut(u64) -> Plan + Send + 'static) {
        *self.ctl.chooser.lock().unwrap() = Box::new(chooser);
    }

    pub fn set_upstream(&self, upstream: SocketAddr) {
        *self.ctl.upstream.lock().unwrap() = upstream;
    }

    /// Down: new connections are refused and the open ones are cut. Up: normal again.
    pub fn set_down(&self, down: bool) {
        self.ctl.down.store(down, Ordering::SeqCst);
        if down {
            self.cut_all();
        }
    }

    /// Cuts every open connection now.
    pub fn cut_all(&self) {
        self.ctl.kill.send_modify(|g| *g += 1);
    }

    pub fn stats(&self) -> &Stats {
        &self.ctl.stats
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        self.cut_all();
    }
}

/// Counts the TLS records of one direction of a stream.
#[derive(Default)]
struct Records {
    header: Vec<u8>,
    remaining: usize,
    app_data: usize,
}

impl Records {
    fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self.remaining > 0 {
                let n = self.remaining.min(bytes.len());
                self.remaining -= n;
                bytes = &bytes[n..];
                continue;
            }
            let n = (5 - self.header.len()).min(bytes.len());
            self.header.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            if self.header.len() == 5 {
                if self.header[0] == 0x17 {
                    self.app_data += 1;
                }
                self.remaining = usize::from(u16::from_be_bytes([self.header[3], self.header[4]]));
                self.header.clear();
            }
        }
    }
}

async fn connection(client: TcpStream, ctl: Arc<Ctl>, plan: Plan) {
    let stats = &ctl.stats;
    if plan == Plan::Refuse {
        stats.refused.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let mut kill = ctl.kill.subscribe();
    if let Plan::Delay(d) = plan {
        stats.delayed.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(d).await;
    }
    let upstream = *ctl.upstream.lock().unwrap();
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let (mut cbuf, mut sbuf) = (vec![0u8; 32 * 1024], vec![0u8; 32 * 1024]);
    let mut records = Records::default();
    let mut client_open = true;
    let mut forwarded = 0usize;
    // Set once the client's first request went through (LoseReply/HoldReply).
    let mut swallowing = false;
    let far = tokio::time::Instant::now() + Duration::from_secs(3600);
    let mut close_at = far;
    loop {
        tokio::select! {
            read = cr.read(&mut cbuf), if client_open => match read {
                Ok(0) | Err(_) => {
                    client_open = false;
                    let _ = sw.shutdown().await;
                }
                Ok(n) => {
                    records.feed(&cbuf[..n]);
                    if sw.write_all(&cbuf[..n]).await.is_err() {
                        return;
                    }
                    if !swallowing && records.app_data >= 2 && matches!(plan, Plan::LoseReply | Plan::HoldReply) {
                        swallowing = true;
                        stats.replies_lost.fetch_add(1, Ordering::Relaxed);
                        if plan == Plan::HoldReply {
                            let _ = ctl.held.send(());
                            close_at = tokio::time::Instant::now() + Duration::from_secs(15);
                        } else {
                            close_at = tokio::time::Instant::now() + Duration::from_millis(400);
                        }
                    }
                }
            },
            read = sr.read(&mut sbuf) => match read {
                Ok(0) | Err(_) => {
                    // The server closed: so does the client's side (at once).
                    let _ = cw.shutdown().await;
                    return;
                }
                Ok(n) => {
                    if swallowing {
                        continue;
                    }
                    let mut end = n;
                    if let Plan::CutAfter(limit) = plan {
                        end = n.min(limit.saturating_sub(forwarded));
                    }
                    if let Plan::Delay(d) = plan {
                        tokio::time::sleep(d / 4).await;
                    }
                    if cw.write_all(&sbuf[..end]).await.is_err() {
                        return;
                    }
                    forwarded += end;
                    if end < n {
                        stats.cut.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                }
            },
            _ = kill.changed() => {
                stats.killed_by_flap.fetch_add(1, Ordering::Relaxed);
                return;
            }
            _ = tokio::time::sleep_until(close_at) => return,
        }
    }
}

/// SplitMix64: a small seeded generator (the tests print their seed).
#[derive(Clone, Debug)]
pub struct Rng(pub u64);

impl Rng {
    /// `FAULTS_SEED` when set, otherwise from the clock.
    pub fn from_env(test: &str) -> Self {
        let seed = std::env::var("FAULTS_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            });
        eprintln!("{test}: FAULTS_SEED={seed}");
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..hi` (`hi > lo`).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.range(0, 100) < percent
    }
}
