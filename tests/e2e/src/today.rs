//! "Today" for the stories that book appointments: a fixed-offset time zone in
//! which it is mid-morning now ([`MorningZone`], given to the app as `TZ`, so
//! the demo clinic's zone, the calendar and the kiosk all agree), and a
//! provider given working hours for all of that day ([`work_all_day`]). With
//! both, a story books, checks in and closes the day at any hour this machine
//! runs it (near midnight there would be no free time left in its own zone).
use crate::{App, LaunchOptions};
use chrono::{Datelike, Timelike};
use std::time::Duration;

/// A zone where it is about 09:00 now.
#[derive(Clone, Debug)]
pub struct MorningZone {
    /// An IANA name (`Etc/GMT-3` is three hours AHEAD of UTC).
    pub name: String,
    pub offset_hours: i64,
}

impl MorningZone {
    pub fn now() -> Self {
        let hour = i64::from(chrono::Utc::now().hour());
        let mut offset = 9 - hour;
        if offset < -12 {
            offset += 24;
        }
        if offset > 14 {
            offset -= 24;
        }
        let name = match offset {
            0 => "Etc/UTC".to_string(),
            o if o > 0 => format!("Etc/GMT-{o}"),
            o => format!("Etc/GMT+{}", -o),
        };
        Self {
            name,
            offset_hours: offset,
        }
    }

    /// Today's weekday there, 1 (Monday) to 7.
    pub fn weekday(&self) -> u32 {
        (chrono::Utc::now() + chrono::Duration::hours(self.offset_hours))
            .weekday()
            .number_from_monday()
    }

    /// `options` with the app running in this zone.
    pub fn launch(&self, options: LaunchOptions) -> LaunchOptions {
        options.env("TZ", &self.name)
    }
}

/// Gives `provider` working hours 00:00–23:55 on `weekday` (Schedule set-up →
/// Hours; the signed-in user may set hours) and saves them.
pub async fn work_all_day(app: &App, provider: &str, weekday: u32) -> crate::Result {
    app.click("nav-schedule-setup").await?;
    app.click("setup-tab-hours").await?;
    app.choose("hours-provider", provider).await?;
    // The week shows once the provider's hours are loaded.
    app.find(&format!("hours-day-{weekday}")).await?;
    let first = format!("hours-period-{weekday}-0-start");
    // A day without hours gets a period; the click is repeated until it shows (a
    // click landing while the provider's saved week is still being applied is lost).
    app.wait_until("a period to edit today", async || {
        if app.is_visible(&first).await? {
            return Ok(Some(()));
        }
        app.click(&format!("hours-day-{weekday}-add")).await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok(None)
    })
    .await?;
    app.fill(&first, "00:00").await?;
    app.fill(&format!("hours-period-{weekday}-0-end"), "23:55")
        .await?;
    app.click("hours-save").await?;
    app.find("hours-saved").await?;
    Ok(())
}
