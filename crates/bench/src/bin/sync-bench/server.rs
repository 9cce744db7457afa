//! The `clinic-server` child process: found or built, started on 127.0.0.1, stopped on drop.
use super::*;

// ---------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------

/// The `clinic-server` binary: `explicit`, else as the test harness finds it (env
/// `CLINIC_SERVER_BIN`, else next to this binary, built when missing or stale).
pub(crate) fn server_bin(explicit: Option<&Path>) -> Result<PathBuf> {
    match explicit {
        Some(bin) => {
            ensure!(
                bin.is_file(),
                "no clinic-server binary at {}",
                bin.display()
            );
            Ok(bin.to_path_buf())
        }
        None => clinic_server_harness::server_bin(),
    }
}

/// A running `clinic-server serve` with its data, certificates and log in a
/// scratch directory; killed and reaped on drop.
pub(crate) struct Server {
    process: clinic_server_harness::Server,
    pub(crate) url: String,
    pub(crate) ca_pem: Option<String>,
    /// After `process`: removed once the server is killed.
    scratch: clinic_server_harness::Scratch,
}

impl Server {
    pub(crate) fn start(bin: PathBuf, tls: bool) -> Result<Self> {
        use clinic_server_harness::{Options, Scratch};
        let scratch = Scratch::with_bin(bin, "sync-bench-")?;
        let certs = if tls {
            Some(scratch.gen_cert("tls", &[])?)
        } else {
            None
        };
        let process = clinic_server_harness::Server::start(
            &scratch,
            Options::plain()
                .with_tls(certs.as_ref())
                .rust_log("warn")
                .start_timeout(START_TIMEOUT),
        )?;
        let ca_pem = certs.map(|c| c.ca_pem()).transpose()?;
        let scheme = if tls { "https" } else { "http" };
        Ok(Self {
            url: format!("{scheme}://127.0.0.1:{}", process.port()),
            process,
            ca_pem,
            scratch,
        })
    }

    /// A one-time enrollment code for `clinic` (the administrator's CLI command).
    pub(crate) fn issue_code(&self, clinic: ClinicId) -> Result<String> {
        self.scratch.issue_code(clinic, "Bench Clinic")
    }

    pub(crate) fn transport(&self) -> Result<Transport> {
        let mut config = TransportConfig::new(self.url.clone());
        if let Some(pem) = &self.ca_pem {
            config = config.with_ca_pem(pem.as_bytes().to_vec());
        }
        Ok(Transport::new(config)?)
    }

    /// Enrolls a device that has no store (ops built directly): its token.
    pub(crate) async fn enroll_bare(
        &self,
        transport: &Transport,
        code: String,
        device: DeviceId,
    ) -> Result<String> {
        let answer = transport
            .enroll(&EnrollRequest {
                code,
                device_id: device,
                device_name: "Bench device".into(),
            })
            .await?;
        Ok(answer.device_token)
    }

    /// Enrolls a device with a store through the engine, as the app does.
    pub(crate) async fn enroll_device(
        &self,
        device: &Device,
        clinic: ClinicId,
        name: &str,
    ) -> Result<()> {
        let code = self.issue_code(clinic)?;
        engine::enroll(
            device,
            &ConnectSyncServer {
                server_url: self.url.clone(),
                enrollment_code: code,
                device_name: name.into(),
                ca_pem: self.ca_pem.clone(),
            },
        )
        .await?;
        Ok(())
    }

    pub(crate) fn db_mib(&self) -> f64 {
        mib(&self.scratch.data().join("server.sqlite3"))
    }

    pub(crate) fn log_tail(&self, lines: usize) -> String {
        self.process.log_tail(lines)
    }
}
