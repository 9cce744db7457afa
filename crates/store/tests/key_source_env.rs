//! `KeySource::from_env`. Environment variables are process-global, so this binary
//! holds ONE test that walks through every case in order.
mod common;

use clinic_protocol::ErrorCode;
use clinic_store::key::{ENV_KEY_SOURCE, ENV_TEST_KEY, KEYCHAIN_SERVICE, TEST_KEY_SOURCE};
use clinic_store::{open, Encryption, KeySource, StoreError};
use common::*;

fn config_error(r: Result<KeySource, StoreError>, what: &str) -> String {
    match r {
        Err(e @ StoreError::Config(_)) => {
            assert_eq!(e.code(), ErrorCode::Config, "{what}");
            e.to_string()
        }
        other => panic!("{what}: expected a Config error, got {other:?}"),
    }
}

#[test]
fn key_source_from_env() {
    let dir = tempdir();
    let path = db_path(dir.path());
    let set = |source: Option<&str>, key: Option<&str>| {
        match source {
            Some(v) => std::env::set_var(ENV_KEY_SOURCE, v),
            None => std::env::remove_var(ENV_KEY_SOURCE),
        }
        match key {
            Some(v) => std::env::set_var(ENV_TEST_KEY, v),
            None => std::env::remove_var(ENV_TEST_KEY),
        }
    };

    // Default, explicit and empty: the keychain entry for this database path.
    for source in [None, Some("keychain"), Some("")] {
        set(source, Some(KEY_A_HEX)); // a test key alone does not switch the source
        match KeySource::from_env(&path).unwrap() {
            KeySource::Keychain { service, account } => {
                assert_eq!(service, KEYCHAIN_SERVICE);
                assert!(account.contains(&path.display().to_string()), "{account}");
            }
            other => panic!("{source:?}: expected the keychain, got {other:?}"),
        }
    }

    if cfg!(debug_assertions) {
        // A valid test key (also with surrounding whitespace or upper case).
        for hex in [
            KEY_A_HEX.to_string(),
            format!("  {KEY_A_HEX}\n"),
            KEY_A_HEX.to_uppercase(),
        ] {
            set(Some(TEST_KEY_SOURCE), Some(&hex));
            let source = KeySource::from_env(&path).expect("valid test key");
            assert!(source.is_test_key());
            let k = source.load_or_create(&path).unwrap();
            // Prove it is the very key given: a database created with it opens
            // with KEY_A and not with KEY_B.
            let _ = std::fs::remove_file(&path);
            drop(open(&path, &Encryption::Key(k)).unwrap());
            assert!(open(&path, &key_b()).is_err());
            drop(open(&path, &key_a()).expect("the env key is KEY_A"));
        }

        // Missing key.
        set(Some(TEST_KEY_SOURCE), None);
        let msg = config_error(KeySource::from_env(&path), "missing key");
        assert!(
            msg.contains(ENV_TEST_KEY) && msg.contains("64 hex"),
            "{msg}"
        );

        // Malformed keys: the message says what is wrong and never echoes the value.
        let too_long = format!("{KEY_A_HEX}00");
        let not_hex = "zq".repeat(32);
        for bad in [
            "",
            "abcd",
            &KEY_A_HEX[..63],
            too_long.as_str(),
            not_hex.as_str(),
        ] {
            set(Some(TEST_KEY_SOURCE), Some(bad));
            let msg = config_error(KeySource::from_env(&path), &format!("bad key {bad:?}"));
            assert!(msg.contains("64 hexadecimal digits"), "{msg}");
            if bad.len() >= 4 {
                assert!(!msg.contains(bad), "the message echoes the key: {msg}");
            }
        }
    } else {
        set(Some(TEST_KEY_SOURCE), Some(KEY_A_HEX));
        let msg = config_error(KeySource::from_env(&path), "release build");
        assert!(msg.contains("refused by release builds"), "{msg}");
    }

    // Unknown sources (including near misses) are refused, never a fallback.
    for unknown in ["Keychain", "plaintext", "file", "insecure_test_key", "none"] {
        set(Some(unknown), Some(KEY_A_HEX));
        let msg = config_error(KeySource::from_env(&path), unknown);
        assert!(msg.contains(&format!("'{unknown}'")), "{msg}");
        assert!(msg.contains(ENV_KEY_SOURCE), "{msg}");
        assert!(
            msg.contains("'keychain'") && msg.contains(TEST_KEY_SOURCE),
            "{msg}"
        );
    }
    set(None, None);
}
