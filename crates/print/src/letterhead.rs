//! What heads every document (the clinic's name, address, phone, email and
//! tax id), what foots it (the invoice footer from the billing settings), the
//! zone its times are shown in, and the patient a document is addressed to.
//!
//! `BillingSettings` carries only the footer today; the other letterhead
//! fields are the caller's to fill (the clinic's identity settings) until the
//! settings grow them. Empty fields are simply not printed.
use clinic_protocol::billing::BillingSettings;

/// The clinic's letterhead.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Letterhead {
    pub clinic_name: String,
    /// Street, town, postcode, country: one printed line each.
    pub address_lines: Vec<String>,
    pub phone: String,
    pub email: String,
    /// Printed as "Tax ID: …" (VAT number, TIN, GSTIN…).
    pub tax_id: String,
    /// Printed at the foot of every page (the settings' invoice footer; may
    /// hold several lines).
    pub footer: String,
    /// IANA zone the documents show times in (`Africa/Lagos`); empty: UTC.
    pub time_zone: String,
}

impl Letterhead {
    /// The letterhead from the billing settings: the footer. Set the clinic's
    /// name, address, phone, email, tax id and zone on the result.
    pub fn from_settings(settings: &BillingSettings) -> Self {
        Self {
            footer: settings.invoice_footer.clone(),
            ..Self::default()
        }
    }

    /// The lines under the clinic's name: the address, then phone and email,
    /// then the tax id (empty ones left out).
    pub(crate) fn detail_lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .address_lines
            .iter()
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect();
        let contact: Vec<&str> = [self.phone.trim(), self.email.trim()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        if !contact.is_empty() {
            lines.push(contact.join("  ·  "));
        }
        if !self.tax_id.trim().is_empty() {
            lines.push(format!("Tax ID: {}", self.tax_id.trim()));
        }
        lines
    }
}

/// The patient a document is addressed to. The billing types carry only the
/// patient's id; the caller resolves the name and MRN from the registry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BilledPatient {
    pub name: String,
    pub mrn: String,
}
