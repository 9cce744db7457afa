//! Helpers for the billing story: a directory the app saves its documents to
//! without a dialog (the app's `CLINIC_E2E_SAVE_DIR` test hook, honoured only on
//! the insecure test key), checks of saved PDF and CSV files, and reading the
//! exact amounts (`data-minor`) and statuses (`data-status`) the billing UI puts
//! on its elements.
use crate::ui::testid;
use crate::{App, LaunchOptions};
use anyhow::{bail, ensure, Context};
use fantoccini::Locator;
use std::path::{Path, PathBuf};

/// The app's test hook: every save dialog answers `<dir>/<file name>`.
pub const SAVE_DIR_ENV: &str = "CLINIC_E2E_SAVE_DIR";

/// A temp directory the app saves documents to instead of asking. It lives outside
/// the test profile on purpose: the documents hold the patient's name by design
/// (the user chose to export them), so they must not count in the profile's disk
/// walk. Deleted on drop unless `CLINIC_E2E_KEEP=1`.
#[derive(Debug)]
pub struct SaveDir {
    dir: tempfile::TempDir,
}

impl SaveDir {
    pub fn new(name: &str) -> crate::Result<Self> {
        let mut dir = tempfile::Builder::new()
            .prefix(&format!("clinic-e2e-{name}-saved-"))
            .tempdir()?;
        if std::env::var_os("CLINIC_E2E_KEEP").is_some_and(|v| v == "1") {
            dir.disable_cleanup(true);
        }
        Ok(Self { dir })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `opts` with the app's save hook pointed here.
    pub fn launch_options(&self, opts: LaunchOptions) -> LaunchOptions {
        opts.env(SAVE_DIR_ENV, self.path().as_os_str())
    }

    /// The saved file `name`; an error (listing what is there) when it is missing.
    pub fn file(&self, name: &str) -> crate::Result<PathBuf> {
        let path = self.path().join(name);
        if !path.is_file() {
            let present: Vec<String> = std::fs::read_dir(self.path())?
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            bail!(
                "{name} was not saved in {} (present: {present:?})",
                self.path().display()
            );
        }
        Ok(path)
    }

    /// The saved PDF `name`, checked: it starts with `%PDF-`, ends with `%%EOF`
    /// and is at least `min_len` bytes.
    pub fn pdf(&self, name: &str, min_len: usize) -> crate::Result<Vec<u8>> {
        let bytes = std::fs::read(self.file(name)?)?;
        ensure!(
            bytes.starts_with(b"%PDF-"),
            "{name} does not start with %PDF-: {:?}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(16)])
        );
        ensure!(
            bytes.len() >= min_len,
            "{name} is only {} bytes (expected at least {min_len})",
            bytes.len()
        );
        let tail = String::from_utf8_lossy(&bytes[bytes.len().saturating_sub(64)..]).into_owned();
        ensure!(tail.contains("%%EOF"), "{name} does not end with %%EOF");
        Ok(bytes)
    }

    /// The saved CSV `name` as rows of cells keyed by the header row.
    pub fn csv(&self, name: &str) -> crate::Result<Vec<CsvRow>> {
        let text = std::fs::read_to_string(self.file(name)?)?;
        parse_csv(&text)
    }
}

/// One data row of a CSV file, addressed by column name.
#[derive(Clone, Debug)]
pub struct CsvRow {
    cells: Vec<(String, String)>,
}

impl CsvRow {
    /// The cell under `column` ("" when the column does not exist).
    pub fn get(&self, column: &str) -> &str {
        self.cells
            .iter()
            .find(|(c, _)| c == column)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

/// RFC 4180 (quoted fields with doubled quotes, CRLF or LF line ends): the header
/// row names the columns of the rows after it.
pub fn parse_csv(text: &str) -> crate::Result<Vec<CsvRow>> {
    let mut records: Vec<Vec<String>> = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(ch) = chars.next() {
        match (quoted, ch) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    ensure!(!quoted, "the CSV ends inside a quoted field");
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    let mut records = records.into_iter();
    let header = records.next().context("the CSV is empty")?;
    records
        .map(|r| {
            ensure!(
                r.len() == header.len(),
                "a CSV row has {} cells, the header {}: {r:?}",
                r.len(),
                header.len()
            );
            Ok(CsvRow {
                cells: header.iter().cloned().zip(r).collect(),
            })
        })
        .collect()
}

/// The hosted page id of a checkout link: its last path segment.
pub fn checkout_page_id(link: &str) -> crate::Result<String> {
    let id = link
        .trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    ensure!(
        !id.is_empty() && !id.contains(':'),
        "no page id in the checkout link {link:?}"
    );
    Ok(id.to_string())
}

impl App {
    /// An attribute of the first element (displayed or not) with this test id,
    /// waiting for the element to exist.
    pub async fn attr_of(&self, id: &str, attr: &str) -> crate::Result<Option<String>> {
        self.wait_until(&format!("[data-testid={id}] in the page"), async || {
            let all = self.client().find_all(Locator::Css(&testid(id))).await?;
            match all.first() {
                Some(e) => Ok(Some(e.attr(attr).await?)),
                None => Ok(None),
            }
        })
        .await
    }

    /// Waits until the first element with this test id has `attr` equal to `value`
    /// (for up to `timeout`); the error names the last value seen.
    pub async fn wait_attr_for(
        &self,
        id: &str,
        attr: &str,
        value: &str,
        timeout: std::time::Duration,
    ) -> crate::Result<()> {
        let mut last = None;
        let waited = self
            .wait_until_for(
                &format!("[data-testid={id}] with {attr}={value:?}"),
                timeout,
                async || {
                    let all = self.client().find_all(Locator::Css(&testid(id))).await?;
                    let Some(e) = all.first() else {
                        return Ok(None);
                    };
                    let now = e.attr(attr).await?;
                    let done = now.as_deref() == Some(value);
                    last = now;
                    Ok(done.then_some(()))
                },
            )
            .await;
        waited.with_context(|| format!("last {attr} of [data-testid={id}]: {last:?}"))
    }

    /// [`App::wait_attr_for`] with the default timeout.
    pub async fn wait_attr(&self, id: &str, attr: &str, value: &str) -> crate::Result<()> {
        self.wait_attr_for(id, attr, value, self.timeout()).await
    }

    /// Waits until the amount (`data-minor`) of the element with this test id is
    /// `minor` (the exact integer the UI was given, not its formatted text).
    pub async fn wait_minor(&self, id: &str, minor: i64) -> crate::Result<()> {
        self.wait_attr(id, "data-minor", &minor.to_string()).await
    }

    /// Waits until the `textContent` of an element with this test id satisfies
    /// `pred` (WebKitWebDriver's `text()` leaves some rendered text out, e.g. of
    /// Mantine alerts and buttons in a group); returns that content.
    pub async fn wait_content(
        &self,
        id: &str,
        what: &str,
        pred: impl Fn(&str) -> bool,
    ) -> crate::Result<String> {
        self.wait_until(&format!("[data-testid={id}] {what}"), async || {
            for e in self.client().find_all(Locator::Css(&testid(id))).await? {
                let t = e.prop("textContent").await?.unwrap_or_default();
                if pred(&t) {
                    return Ok(Some(t.trim().to_string()));
                }
            }
            Ok(None)
        })
        .await
    }

    /// Waits until the element with this test id is enabled.
    pub async fn wait_enabled(&self, id: &str) -> crate::Result<()> {
        self.wait_until(&format!("[data-testid={id}] to be enabled"), async || {
            let Some(e) = self.visible_now(id).await?.into_iter().next() else {
                return Ok(None);
            };
            Ok(e.is_enabled().await?.then_some(()))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_by_header() {
        let rows = parse_csv("a,b,c\r\n1,\"x, \"\"y\"\"\",\r\n2,z,3\r\n").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].get("b"), "x, \"y\"");
        assert_eq!(rows[0].get("c"), "");
        assert_eq!(rows[1].get("c"), "3");
        assert_eq!(rows[1].get("missing"), "");
        assert!(parse_csv("a,b\r\n1\r\n").is_err());
    }

    #[test]
    fn page_id_is_the_last_segment() {
        assert_eq!(
            checkout_page_id("http://127.0.0.1:4242/pay/cs_test_1\n").unwrap(),
            "cs_test_1"
        );
        assert!(checkout_page_id("").is_err());
    }
}
