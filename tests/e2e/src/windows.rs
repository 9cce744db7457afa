//! Helpers for the scheduling and kiosk stories: picking an option from a
//! Mantine combobox (its options render in a portal, not under the input),
//! switching between the staff window and the kiosk window (each Tauri window is
//! a WebDriver window handle), and invoking a command from the current window's
//! page as a hostile script would.
use crate::ui::testid;
use anyhow::{bail, Context};
use fantoccini::wd::WindowHandle;
use fantoccini::Locator;

impl crate::App {
    /// Chooses the option showing `label` in the select with this test id: a
    /// native `<select>` by its visible text; a Mantine `Select` by opening it and
    /// clicking the option.
    pub async fn choose(&self, id: &str, label: &str) -> crate::Result<()> {
        let el = self.find(id).await?;
        if el.tag_name().await?.eq_ignore_ascii_case("select") {
            // The first option whose text contains `label` (labels may add a duration).
            let value = self
                .wait_until(
                    &format!("option {label:?} in [data-testid={id}]"),
                    async || {
                        for o in el.find_all(Locator::Css("option")).await? {
                            if o.text().await?.contains(label) {
                                return Ok(Some(o.attr("value").await?.unwrap_or_default()));
                            }
                        }
                        Ok(None)
                    },
                )
                .await?;
            el.select_by_value(&value)
                .await
                .with_context(|| format!("selecting {label:?} in [data-testid={id}]"))?;
            return Ok(());
        }
        el.click().await?;
        let option = self
            .wait_until(
                &format!("option {label:?} of [data-testid={id}]"),
                async || {
                    for o in self
                        .client()
                        .find_all(Locator::Css("[role=\"option\"]"))
                        .await?
                    {
                        if o.is_displayed().await.unwrap_or(false)
                            && o.text().await?.trim() == label
                        {
                            return Ok(Some(o));
                        }
                    }
                    Ok(None)
                },
            )
            .await?;
        option.click().await?;
        Ok(())
    }

    /// The window handles WebDriver sees right now.
    pub async fn window_handles(&self) -> crate::Result<Vec<WindowHandle>> {
        Ok(self.client().windows().await?)
    }

    /// Waits for a window other than `known` to appear and switches to it.
    pub async fn switch_to_new_window(
        &self,
        known: &[WindowHandle],
    ) -> crate::Result<WindowHandle> {
        let handle = self
            .wait_until_for("a new window", self.timeout() * 3, async || {
                let now = self.client().windows().await?;
                Ok(now.into_iter().find(|h| !known.contains(h)))
            })
            .await?;
        self.client().switch_to_window(handle.clone()).await?;
        Ok(handle)
    }

    pub async fn switch_to(&self, handle: &WindowHandle) -> crate::Result<()> {
        self.client().switch_to_window(handle.clone()).await?;
        Ok(())
    }

    /// Calls a Tauri command from the current page (what injected script could
    /// do) and returns its rejection; an accepted call is an error.
    pub async fn invoke_expecting_refusal(
        &self,
        command: &str,
        args: serde_json::Value,
    ) -> crate::Result<String> {
        let outcome = self
            .client()
            .execute_async(
                "const [cmd, args, done] = arguments;
                 window.__TAURI_INTERNALS__.invoke(cmd, args)
                   .then(v => done({ ok: true, value: JSON.stringify(v) }))
                   .catch(e => done({ ok: false, error: typeof e === 'string' ? e : JSON.stringify(e) }));",
                vec![serde_json::Value::String(command.into()), args],
            )
            .await?;
        if outcome["ok"].as_bool() != Some(false) {
            bail!("{command} was accepted from this window: {outcome}");
        }
        Ok(outcome["error"].as_str().unwrap_or_default().to_string())
    }

    /// The whole text of the current page's body.
    pub async fn page_text(&self) -> crate::Result<String> {
        Ok(self
            .client()
            .find(Locator::Css("body"))
            .await?
            .text()
            .await?)
    }

    /// Whether any element with this test id exists (displayed or not).
    pub async fn exists(&self, id: &str) -> crate::Result<bool> {
        Ok(!self
            .client()
            .find_all(Locator::Css(&testid(id)))
            .await?
            .is_empty())
    }
}
