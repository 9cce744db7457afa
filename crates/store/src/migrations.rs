//! Schema migrations of the client store: numbered SQL files in the repository's
//! `migrations/` folder, embedded at build time. Append-only once landed: never edit
//! a file that shipped; add a new one. `PRAGMA user_version` holds the number of the
//! last applied migration.

/// `(version, sql)` in order. Version N is the N-th file.
pub const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        include_str!("../../../migrations/0001_device_and_outbox.sql"),
    ),
    (
        2,
        include_str!("../../../migrations/0002_patient_registry.sql"),
    ),
    (
        3,
        include_str!("../../../migrations/0003_staff_identity.sql"),
    ),
    (4, include_str!("../../../migrations/0004_audit_trail.sql")),
    (
        5,
        include_str!("../../../migrations/0005_restricted_patients.sql"),
    ),
    (
        6,
        include_str!("../../../migrations/0006_chart_entries.sql"),
    ),
    (
        7,
        include_str!("../../../migrations/0007_encounters_and_notes.sql"),
    ),
    (8, include_str!("../../../migrations/0008_observations.sql")),
    (9, include_str!("../../../migrations/0009_documents.sql")),
    (
        10,
        include_str!("../../../migrations/0010_patient_merge.sql"),
    ),
    (11, include_str!("../../../migrations/0011_scheduling.sql")),
    (12, include_str!("../../../migrations/0012_sync_client.sql")),
    (
        13,
        include_str!("../../../migrations/0013_registration_keys.sql"),
    ),
    (14, include_str!("../../../migrations/0014_fhir_links.sql")),
    (
        15,
        include_str!("../../../migrations/0015_primary_provider.sql"),
    ),
    (16, include_str!("../../../migrations/0016_billing.sql")),
    (
        17,
        include_str!("../../../migrations/0017_dashboard_indexes.sql"),
    ),
    (
        18,
        include_str!("../../../migrations/0018_payment_gateway.sql"),
    ),
    (
        19,
        include_str!("../../../migrations/0019_gateway_refunds.sql"),
    ),
    (20, include_str!("../../../migrations/0020_flutterwave.sql")),
];

/// The schema version this build creates and understands.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map(|(v, _)| *v).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_in_the_migrations_folder_is_embedded_in_order() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        assert_eq!(
            files.len(),
            MIGRATIONS.len(),
            "a migration file is not embedded"
        );
        for (i, (name, (version, sql))) in files.iter().zip(MIGRATIONS).enumerate() {
            assert_eq!(*version, i as i64 + 1);
            assert!(name.starts_with(&format!("{:04}_", version)), "{name}");
            let on_disk = std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
            assert_eq!(&on_disk, sql, "{name} differs from the embedded copy");
        }
    }
}
