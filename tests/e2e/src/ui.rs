//! A running app seen through WebDriver, addressed by the UI's `data-testid` contract.
//! Every lookup polls (default 10 s, `CLINIC_E2E_TIMEOUT_SECS`) because the UI renders
//! asynchronously; a timeout error lists the test ids that *are* on screen.
use crate::driver::{self, Driver};
use crate::profile::Profile;
use anyhow::{anyhow, bail, Context};
use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// WebDriver key codes (W3C WebDriver §17.4.2).
const KEY_NULL: char = '\u{E000}';
const KEY_CONTROL: char = '\u{E009}';
const KEY_BACKSPACE: char = '\u{E003}';

/// The CSS selector for a `data-testid`.
pub fn testid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

/// A running app. End it with [`Profile::finish`] (or [`App::quit`]).
#[derive(Debug)]
pub struct App {
    client: Client,
    driver: Driver,
    data_dir: PathBuf,
    driver_log: PathBuf,
    timeout: Duration,
}

impl App {
    pub(crate) fn new(
        client: Client,
        driver: Driver,
        profile: &Profile,
        driver_log: PathBuf,
    ) -> Self {
        let secs = std::env::var("CLINIC_E2E_TIMEOUT_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(10);
        App {
            client,
            driver,
            data_dir: profile.data_dir(),
            driver_log,
            timeout: Duration::from_secs(secs),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The default per-wait timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Polls `probe` until it yields `Some`, for at most `timeout`.
    pub async fn wait_until_for<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut probe: impl AsyncFnMut() -> crate::Result<Option<T>>,
    ) -> crate::Result<T> {
        let deadline = Instant::now() + timeout;
        let mut last_err = None;
        loop {
            match probe().await {
                Ok(Some(v)) => return Ok(v),
                Ok(None) => {}
                Err(e) => last_err = Some(e),
            }
            if Instant::now() > deadline {
                let on_screen = self.testids_on_screen().await.unwrap_or_default();
                let mut msg = format!(
                    "timed out after {timeout:?} waiting for {what}; test ids on screen: [{}]",
                    on_screen.join(", ")
                );
                if let Some(e) = last_err {
                    msg.push_str(&format!("; last error: {e:#}"));
                }
                bail!(msg);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// [`App::wait_until_for`] with the default timeout.
    pub async fn wait_until<T>(
        &self,
        what: &str,
        probe: impl AsyncFnMut() -> crate::Result<Option<T>>,
    ) -> crate::Result<T> {
        self.wait_until_for(what, self.timeout, probe).await
    }

    /// The displayed elements with this test id, right now (no waiting).
    pub async fn visible_now(&self, id: &str) -> crate::Result<Vec<Element>> {
        let mut out = Vec::new();
        for e in self.client.find_all(Locator::Css(&testid(id))).await? {
            if e.is_displayed().await.unwrap_or(false) {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// Whether an element with this test id is displayed right now.
    pub async fn is_visible(&self, id: &str) -> crate::Result<bool> {
        Ok(!self.visible_now(id).await?.is_empty())
    }

    /// Waits for the first displayed element with this test id.
    pub async fn find(&self, id: &str) -> crate::Result<Element> {
        self.wait_until(&format!("[data-testid={id}]"), async || {
            Ok(self.visible_now(id).await?.into_iter().next())
        })
        .await
    }

    /// Waits until at least one element with this test id is displayed; returns all of them.
    pub async fn find_all(&self, id: &str) -> crate::Result<Vec<Element>> {
        self.wait_until(&format!("[data-testid={id}] (any)"), async || {
            let v = self.visible_now(id).await?;
            Ok((!v.is_empty()).then_some(v))
        })
        .await
    }

    /// Waits until no element with this test id is displayed.
    pub async fn wait_gone(&self, id: &str) -> crate::Result<()> {
        self.wait_until(&format!("[data-testid={id}] to disappear"), async || {
            Ok((!self.is_visible(id).await?).then_some(()))
        })
        .await
    }

    /// Clicks the first element with this test id (retrying while it is covered or
    /// re-rendered).
    pub async fn click(&self, id: &str) -> crate::Result<()> {
        self.wait_until(&format!("a clickable [data-testid={id}]"), async || {
            let Some(e) = self.visible_now(id).await?.into_iter().next() else {
                return Ok(None);
            };
            self.click_element(&e)
                .await
                .with_context(|| format!("clicking [data-testid={id}]"))?;
            Ok(Some(()))
        })
        .await
    }

    /// Clicks an element like a user. WebKitWebDriver reports a table row (`<tr>`) as
    /// "element not interactable": then its first cell is clicked instead (the click
    /// bubbles to the row's handler, as a mouse click on the row would).
    pub async fn click_element(&self, e: &Element) -> crate::Result<()> {
        let err = match e.click().await {
            Ok(()) => return Ok(()),
            Err(err) => err,
        };
        if let Ok(child) = e.find(Locator::Css(":scope > *")).await {
            if child.click().await.is_ok() {
                return Ok(());
            }
        }
        Err(anyhow!("WebDriver click failed: {err:?}"))
    }

    /// The visible text of the element with this test id, trimmed.
    pub async fn text(&self, id: &str) -> crate::Result<String> {
        Ok(self.find(id).await?.text().await?.trim().to_string())
    }

    /// The MRN shown on the open patient profile (the last word of `profile-mrn`).
    pub async fn profile_mrn(&self) -> crate::Result<String> {
        let text = self.text("profile-mrn").await?;
        let Some(mrn) = text.split_whitespace().last() else {
            bail!("profile-mrn is empty");
        };
        if !mrn.chars().any(|ch| ch.is_ascii_alphanumeric()) {
            bail!("profile-mrn shows {text:?}");
        }
        Ok(mrn.to_string())
    }

    /// From any screen: searches for `mrn`, waits for the result row naming
    /// `token`, opens it, and returns the profile's `profile-name`.
    pub async fn reopen_by_mrn(&self, mrn: &str, token: &str) -> crate::Result<String> {
        self.click("nav-search").await?;
        self.type_into("search-input", mrn).await?;
        self.wait_text("search-result", &format!("naming {token}"), |t| {
            t.contains(token)
        })
        .await?;
        self.click("search-result").await?;
        self.text("profile-name").await
    }

    /// Waits until the text of the element with this test id satisfies `pred`.
    pub async fn wait_text(
        &self,
        id: &str,
        what: &str,
        pred: impl Fn(&str) -> bool,
    ) -> crate::Result<String> {
        self.wait_until(&format!("[data-testid={id}] {what}"), async || {
            for e in self.visible_now(id).await? {
                let t = e.text().await?;
                if pred(&t) {
                    return Ok(Some(t.trim().to_string()));
                }
            }
            Ok(None)
        })
        .await
    }

    /// Sets a form field by test id: a native `<select>` by option value, a checkbox by
    /// `"true"`/`"false"`, anything else by typing (replacing what was there).
    pub async fn fill(&self, id: &str, value: &str) -> crate::Result<()> {
        let el = self.find(id).await?;
        let tag = el.tag_name().await?.to_ascii_lowercase();
        let kind = el
            .attr("type")
            .await?
            .unwrap_or_default()
            .to_ascii_lowercase();
        if tag == "select" {
            el.select_by_value(value)
                .await
                .with_context(|| format!("selecting value {value:?} in [data-testid={id}]"))?;
            let now = el.prop("value").await?.unwrap_or_default();
            if now != value {
                bail!("[data-testid={id}] shows {now:?} after selecting {value:?}");
            }
            Ok(())
        } else if kind == "checkbox" {
            let want = value == "true";
            if el.is_selected().await? != want {
                el.click().await?;
            }
            if el.is_selected().await? != want {
                bail!("checkbox [data-testid={id}] did not become {want}");
            }
            Ok(())
        } else {
            self.type_into_element(id, &el, value).await
        }
    }

    /// Replaces the content of a text field by typing, like a user would.
    pub async fn type_into(&self, id: &str, text: &str) -> crate::Result<()> {
        let el = self.find(id).await?;
        self.type_into_element(id, &el, text).await
    }

    async fn type_into_element(&self, id: &str, el: &Element, text: &str) -> crate::Result<()> {
        el.click().await.ok();
        // Ctrl+A, release, Backspace: a real edit, so React's onChange sees it.
        el.send_keys(&format!("{KEY_CONTROL}a{KEY_NULL}{KEY_BACKSPACE}"))
            .await?;
        if !text.is_empty() {
            el.send_keys(text).await?;
        }
        let now = el.prop("value").await?.unwrap_or_default();
        if now == text {
            return Ok(());
        }
        // Some characters cannot be typed on Xvfb's keymap: set the value the way React
        // listens for (native setter + input event) and say so.
        eprintln!("e2e: typing into [data-testid={id}] gave {now:?}; setting the value by script");
        let arg = serde_json::to_value(el)?;
        self.client
            .execute(
                "const [el, v] = arguments;
                 const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
                 Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, v);
                 el.dispatchEvent(new Event('input', { bubbles: true }));
                 el.dispatchEvent(new Event('change', { bubbles: true }));",
                vec![arg, serde_json::Value::String(text.into())],
            )
            .await?;
        let now = el.prop("value").await?.unwrap_or_default();
        if now != text {
            bail!("[data-testid={id}] holds {now:?} instead of {text:?}");
        }
        Ok(())
    }

    /// Waits until the app has started: the sign-in screen (or, signed in, the main
    /// navigation) is shown. A start-up error screen instead is a failure that
    /// reports its code and text.
    pub async fn wait_ready(&self) -> crate::Result<()> {
        let state = self
            .wait_until_for(
                "the app to start (login-form, nav-search or startup-error)",
                self.timeout * 3,
                async || {
                    if self.is_visible("login-form").await? || self.is_visible("nav-search").await?
                    {
                        return Ok(Some(Ok(())));
                    }
                    if self.is_visible("startup-error").await? {
                        let code = self.text("startup-error-code").await.unwrap_or_default();
                        let text = self.text("startup-error").await.unwrap_or_default();
                        return Ok(Some(Err(anyhow!(
                            "the app showed a start-up error (code {code:?}): {text}"
                        ))));
                    }
                    Ok(None)
                },
            )
            .await?;
        state
    }

    /// Waits for the start-up error screen and returns the text of `startup-error-code`.
    pub async fn wait_startup_error(&self) -> crate::Result<String> {
        self.wait_until_for("startup-error", self.timeout * 3, async || {
            if self.is_visible("nav-search").await? || self.is_visible("login-form").await? {
                bail!("the app started normally; a start-up error was expected");
            }
            if self.is_visible("startup-error").await? {
                return Ok(Some(self.text("startup-error-code").await?));
            }
            Ok(None)
        })
        .await
    }

    /// The `data-testid` values of displayed elements (diagnostics).
    pub async fn testids_on_screen(&self) -> crate::Result<Vec<String>> {
        let v = self
            .client
            .execute(
                "return Array.from(document.querySelectorAll('[data-testid]'))
                   .filter(e => e.offsetParent !== null || e.getClientRects().length > 0)
                   .map(e => e.getAttribute('data-testid'));",
                vec![],
            )
            .await?;
        Ok(v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Saves a screenshot, the page's HTML, the error and the logs under
    /// `<target>/e2e-artifacts/<name>-<time>/` and prints where.
    pub(crate) async fn save_failure_artifacts(&self, name: &str, err: &anyhow::Error) {
        let stamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let dir = artifacts_root().join(format!("{name}-{stamp}"));
        if std::fs::create_dir_all(&dir).is_err() {
            return;
        }
        let _ = std::fs::write(dir.join("error.txt"), format!("{err:?}\n"));
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(dir.join("screenshot.png"), png);
        }
        if let Ok(html) = self.client.source().await {
            let _ = std::fs::write(dir.join("page.html"), html);
        }
        let _ = std::fs::copy(&self.driver_log, dir.join("tauri-driver.log"));
        copy_logs(&self.data_dir, &dir);
        let log = std::fs::read_to_string(&self.driver_log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(30).collect();
        eprintln!(
            "e2e: {name} failed; screenshot, page.html and logs in {}\n--- last lines of tauri-driver/app output ---\n{}",
            dir.display(),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }

    /// `kill -9` of the app's main process (a crash or power cut from the app's point of
    /// view). The WebDriver session is dead afterwards: end it with [`Profile::finish`].
    pub async fn kill_hard(&self) -> crate::Result<()> {
        let pids = driver::app_processes(&self.data_dir)
            .into_iter()
            .filter(|p| driver::argv0(*p).ends_with(&format!("/{}", driver::APP_BIN_NAME)))
            .collect::<Vec<_>>();
        if pids.len() != 1 {
            bail!("expected one running app process, found {pids:?}");
        }
        nix::sys::signal::kill(pids[0], nix::sys::signal::Signal::SIGKILL)?;
        if !driver::wait_app_exit(&self.data_dir, Duration::from_secs(10)).await {
            bail!("the app's processes outlived kill -9 of the app by 10 s");
        }
        Ok(())
    }

    /// Ends the WebDriver session (which closes the app), stops tauri-driver with SIGTERM
    /// and waits until every process of this profile has exited.
    pub async fn quit(mut self) -> crate::Result<()> {
        let closed =
            tokio::time::timeout(Duration::from_secs(20), self.client.clone().close()).await;
        match closed {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("e2e: closing the WebDriver session failed: {e}"),
            Err(_) => eprintln!("e2e: closing the WebDriver session timed out"),
        }
        // WebKitWebDriver answers the DELETE before the app has gone; stopping tauri-driver
        // now would kill WebKitWebDriver mid-way and leave the app running. Wait first.
        let exited = driver::wait_app_exit(&self.data_dir, Duration::from_secs(15)).await;
        self.driver.stop();
        let forced = driver::reap_profile_processes(
            "CLINIC_DATA_DIR",
            &self.data_dir,
            Duration::from_secs(5),
        );
        if !exited || !forced.is_empty() {
            bail!(
                "the app did not exit within 15 s after the WebDriver session ended; killed \
                 (launch log {}): {forced:?}",
                self.driver_log.display()
            );
        }
        Ok(())
    }
}

/// `<target>/e2e-artifacts` (next to the test executable's profile dir).
fn artifacts_root() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|e| e.parent()?.parent()?.parent().map(Path::to_path_buf))
        .unwrap_or_else(std::env::temp_dir)
        .join("e2e-artifacts")
}

/// Copies the app's log files (`*.log*` anywhere under the data dir) into `dest`.
fn copy_logs(data_dir: &Path, dest: &Path) {
    for f in crate::disk::all_files(data_dir) {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.contains(".log") || f.parent().is_some_and(|p| p.ends_with("logs")) {
            let _ = std::fs::copy(&f, dest.join(format!("app-{name}")));
        }
    }
}
