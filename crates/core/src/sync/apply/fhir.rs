//! FHIR links from other devices (`save_fhir_resource`): the whole link, last
//! writer by HLC wins, written with the importer's own row helper so every
//! device matches a re-import to the same records and exports the same
//! resources. A link naming a patient merged since still names that patient:
//! export and matching follow the merge (`interop`).
use super::{is_newest, malformed, Incoming};
use crate::interop::links::{self, Link};
use crate::CoreError;
use clinic_protocol::OpKind;
use rusqlite::Connection;

pub fn save_resource(conn: &Connection, inc: &Incoming<'_>) -> Result<(), CoreError> {
    let mut link: Link =
        serde_json::from_value(inc.op().payload.clone()).map_err(|_| malformed(inc, "payload"))?;
    link.id = inc.entity_id().to_string();
    if !is_newest(conn, inc, &[OpKind::SaveFhirResource])? {
        return Ok(());
    }
    links::write_rows(conn, &link, &inc.at)
}
