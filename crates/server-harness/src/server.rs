//! A running `clinic-server serve` process.
use crate::{Certs, Scratch, Store, DATABASE_URL_ENV, START_TIMEOUT};
use anyhow::{bail, ensure, Context, Result};
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How [`Server::start`] runs `serve`. Defaults ([`Options::plain`]): plain HTTP on
/// `127.0.0.1:0`, `RUST_LOG=debug`, stderr appended to the scratch's `server.log`,
/// [`START_TIMEOUT`].
#[derive(Clone, Debug)]
pub struct Options {
    tls: Option<Certs>,
    listen: String,
    log: Option<PathBuf>,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    start_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            tls: None,
            listen: "127.0.0.1:0".into(),
            log: None,
            args: Vec::new(),
            env: vec![("RUST_LOG".into(), "debug".into())],
            start_timeout: START_TIMEOUT,
        }
    }
}

impl Options {
    /// Plain HTTP.
    pub fn plain() -> Self {
        Self::default()
    }

    /// HTTPS with these certificates (`--tls-cert`, `--tls-key`).
    pub fn tls(certs: &Certs) -> Self {
        Self::default().with_tls(Some(certs))
    }

    /// HTTPS with `Some` certificates, plain HTTP with `None`.
    pub fn with_tls(mut self, certs: Option<&Certs>) -> Self {
        self.tls = certs.cloned();
        self
    }

    /// The `--listen` address (default `127.0.0.1:0`: a free port).
    pub fn listen(mut self, addr: impl Into<String>) -> Self {
        self.listen = addr.into();
        self
    }

    /// The file the server's stderr is appended to (default: the scratch's `server.log`).
    pub fn log(mut self, path: impl Into<PathBuf>) -> Self {
        self.log = Some(path.into());
        self
    }

    /// One more argument for `serve`.
    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// An environment variable for the server.
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// `RUST_LOG` (default `debug`).
    pub fn rust_log(self, filter: &str) -> Self {
        self.env("RUST_LOG", filter)
    }

    /// How long to wait for the `listening on` line (and for an exit after SIGTERM).
    pub fn start_timeout(mut self, timeout: Duration) -> Self {
        self.start_timeout = timeout;
        self
    }
}

/// A running `clinic-server serve` on its scratch's store; killed (SIGKILL) and
/// reaped on drop. It keeps what it was started with, so it can be restarted
/// without the [`Scratch`] (which must outlive it for its files).
#[derive(Debug)]
pub struct Server {
    child: Child,
    addr: String,
    bin: PathBuf,
    store: Store,
    log: PathBuf,
    options: Options,
}

impl Server {
    /// Starts `serve` on `scratch` and waits for its `listening on ADDR` line. On
    /// failure the process is killed and the error holds the tail of its log.
    pub fn start(scratch: &Scratch, options: Options) -> Result<Self> {
        let log = options.log.clone().unwrap_or_else(|| scratch.log());
        let listen = options.listen.clone();
        Self::spawn(
            scratch.bin().to_path_buf(),
            scratch.store().clone(),
            log,
            options,
            &listen,
        )
    }

    fn spawn(
        bin: PathBuf,
        store: Store,
        log: PathBuf,
        options: Options,
        listen: &str,
    ) -> Result<Self> {
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .with_context(|| format!("open the server log {}", log.display()))?;
        let mut cmd = Command::new(&bin);
        cmd.args(["serve", "--listen", listen])
            .args(store.args())
            .env_remove(DATABASE_URL_ENV);
        if let Some(certs) = &options.tls {
            cmd.arg("--tls-cert")
                .arg(&certs.cert)
                .arg("--tls-key")
                .arg(&certs.key);
        }
        cmd.args(&options.args).envs(options.env.iter().cloned());
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .with_context(|| format!("spawn {} serve", bin.display()))?;
        let stdout = child.stdout.take().context("the server's stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            // Keep draining so the server never blocks on a full pipe.
            let _ = reader.read_to_end(&mut Vec::new());
        });
        let timeout = options.start_timeout;
        // From here on the guard owns the child, so a failed start still kills it.
        let mut server = Self {
            child,
            addr: String::new(),
            bin,
            store,
            log,
            options,
        };
        let line = rx.recv_timeout(timeout).unwrap_or_default();
        match line.trim().strip_prefix("listening on ") {
            Some(addr) => server.addr = addr.to_string(),
            None => {
                server.kill9();
                bail!(
                    "clinic-server serve --listen {listen} printed no 'listening on' line within \
                     {timeout:?} (first line {line:?}); its log {}:\n{}",
                    server.log.display(),
                    server.log_tail(20)
                );
            }
        }
        Ok(server)
    }

    /// `127.0.0.1:PORT`, as the server printed it.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    pub fn port(&self) -> u16 {
        self.socket_addr().port()
    }

    pub fn socket_addr(&self) -> SocketAddr {
        self.addr
            .parse()
            .expect("the server printed a socket address")
    }

    /// `https://ADDR` with TLS, else `http://ADDR`.
    pub fn url(&self) -> String {
        let scheme = if self.options.tls.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process has not exited.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// kill -9 (no shutdown, nothing flushed beyond what is durable, open
    /// connections reset) and reaped.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Kills it with -9 if it still runs, then starts it again with the same
    /// options on the same store and address (the log is appended to).
    pub fn restart(&mut self) -> Result<()> {
        self.kill9();
        let addr = self.addr.clone();
        *self = Self::spawn(
            self.bin.clone(),
            self.store.clone(),
            self.log.clone(),
            self.options.clone(),
            &addr,
        )?;
        Ok(())
    }

    /// SIGTERM, then waits (at most the start timeout) for the exit status.
    pub fn terminate(&mut self) -> Result<ExitStatus> {
        let sent = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .context("run kill -TERM")?;
        ensure!(sent.success(), "kill -TERM {} failed", self.pid());
        let deadline = Instant::now() + self.options.start_timeout;
        loop {
            if let Some(status) = self.child.try_wait().context("wait for the server")? {
                return Ok(status);
            }
            ensure!(
                Instant::now() < deadline,
                "the server did not stop within {:?} of SIGTERM",
                self.options.start_timeout
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The file its stderr goes to.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    pub fn log_text(&self) -> String {
        crate::read_log(&self.log)
    }

    /// The last `lines` lines of its log.
    pub fn log_tail(&self, lines: usize) -> String {
        crate::log_tail(&self.log, lines)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}
