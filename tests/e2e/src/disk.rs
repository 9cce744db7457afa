//! Disk checks: the database file is encrypted, and no file the app or WebKit wrote
//! (caches, local storage, logs, `-wal`/`-shm`, temp files) contains patient data.
//! A [`Canary`] is a patient whose name is unique to one test run, so any occurrence
//! of its bytes on disk is a leak.
use anyhow::bail;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// A patient with a unique name and phone number for one test run.
#[derive(Clone, Debug)]
pub struct Canary {
    /// Random letters, capitalised, e.g. `Kqzvbxjw`: unique to this run.
    pub token: String,
    pub given: String,
    pub middle: String,
    /// `Zarathustrová-<token>` (with an accent, so accent-folding search is exercised).
    pub family: String,
    /// What a user types to find the family name: lowercase, no accent.
    pub family_folded: String,
    pub date_of_birth: String,
    /// `+1 202 555 dddd` style, with random last four digits.
    pub phone: String,
    pub phone_last4: String,
    pub email: String,
}

impl Canary {
    pub fn new() -> Self {
        let mut r = Random::new();
        let token: String = std::iter::once(r.letter().to_ascii_uppercase())
            .chain((0..7).map(|_| r.letter()))
            .collect();
        let last4: String = (0..4)
            .map(|_| char::from(b'0' + (r.next() % 10) as u8))
            .collect();
        let family = format!("Zarathustrová-{token}");
        Canary {
            given: "Quillon".into(),
            middle: "Ansel".into(),
            family_folded: format!("zarathustrova-{}", token.to_lowercase()),
            family,
            date_of_birth: format!(
                "19{:02}-0{}-1{}",
                40 + r.next() % 50,
                1 + r.next() % 9,
                r.next() % 10
            ),
            phone: format!("+1 202 555 {last4}"),
            phone_last4: last4,
            email: format!("quillon.{}@example.org", token.to_lowercase()),
            token,
        }
    }

    /// "Family, Given Middle" as the profile shows it.
    pub fn display_name(&self) -> String {
        format!("{}, {} {}", self.family, self.given, self.middle)
    }

    /// Strings that must never appear in plain text on disk.
    pub fn secrets(&self) -> Vec<String> {
        vec![
            self.family.clone(),
            self.family_folded.clone(),
            self.token.clone(),
            self.token.to_lowercase(),
            self.token.to_uppercase(),
            self.given.clone(),
            self.given.to_lowercase(),
            self.email.clone(),
        ]
    }
}

impl Default for Canary {
    fn default() -> Self {
        Self::new()
    }
}

/// Small non-cryptographic randomness from std (seeded per process and call).
struct Random(u64);

impl Random {
    fn new() -> Self {
        let mut h = RandomState::new().build_hasher();
        h.write_u128(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        h.write_u32(std::process::id());
        Random(h.finish() | 1)
    }
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11
    }
    fn letter(&mut self) -> char {
        // No vowels: the token can never spell a word that occurs elsewhere.
        const L: &[u8] = b"bcdfghjkmnpqrstvwxz";
        char::from(L[(self.next() % L.len() as u64) as usize])
    }
}

/// Every regular file under `dir` (symlinks are not followed).
pub fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                stack.push(e.path());
            } else if ft.is_file() {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// Fails when any file under `dirs` contains one of `secrets` as UTF-8 or UTF-16LE bytes.
/// Returns how many files were checked (so a test can assert the walk saw something).
pub fn assert_no_canary(dirs: &[PathBuf], secrets: &[String]) -> crate::Result<usize> {
    let needles: Vec<(String, &str, Vec<u8>)> = secrets
        .iter()
        .flat_map(|s| {
            [
                (s.clone(), "UTF-8", s.as_bytes().to_vec()),
                (s.clone(), "UTF-16LE", utf16le(s)),
            ]
        })
        .collect();
    let mut leaks = Vec::new();
    let mut checked = 0;
    for dir in dirs {
        for f in all_files(dir) {
            let Ok(bytes) = std::fs::read(&f) else {
                continue;
            };
            checked += 1;
            for (s, enc, n) in &needles {
                if crate::driver::contains(&bytes, n) {
                    leaks.push(format!("{} contains {s:?} ({enc})", f.display()));
                }
            }
        }
    }
    if !leaks.is_empty() {
        bail!(
            "patient data found on disk outside the encrypted database:\n  {}",
            leaks.join("\n  ")
        );
    }
    Ok(checked)
}

/// Fails unless `db` exists, is not empty and is not a plaintext SQLite file.
pub fn assert_db_encrypted(db: &Path) -> crate::Result<()> {
    let bytes = std::fs::read(db)
        .map_err(|e| anyhow::anyhow!("the database {} cannot be read: {e}", db.display()))?;
    if bytes.len() < 512 {
        bail!(
            "the database {} is only {} bytes",
            db.display(),
            bytes.len()
        );
    }
    if bytes.starts_with(b"SQLite format 3") {
        bail!("the database {} is a plaintext SQLite file", db.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_utf8_and_utf16_canaries_and_passes_clean_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let c = Canary::new();
        let nested = dir.path().join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::write(nested.join("clean"), b"nothing here").unwrap();
        let dirs = vec![dir.path().to_path_buf()];
        assert_eq!(assert_no_canary(&dirs, &c.secrets()).unwrap(), 1);

        let mut bytes = b"xx".to_vec();
        bytes.extend(utf16le(&c.family));
        std::fs::write(nested.join("ls.sqlite-wal"), bytes).unwrap();
        let err = assert_no_canary(&dirs, &c.secrets())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ls.sqlite-wal") && err.contains("UTF-16LE"),
            "{err}"
        );

        std::fs::write(nested.join("ls.sqlite-wal"), c.token.to_lowercase()).unwrap();
        assert!(assert_no_canary(&dirs, &c.secrets()).is_err());
    }

    #[test]
    fn canaries_differ_between_runs_and_fold_to_ascii() {
        let (a, b) = (Canary::new(), Canary::new());
        assert_ne!(a.token, b.token);
        assert!(a.family_folded.is_ascii());
        assert_eq!(a.family_folded, a.family.replace('á', "a").to_lowercase());
        assert_eq!(a.phone_last4.len(), 4);
    }

    #[test]
    fn plaintext_sqlite_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("clinic.db");
        let mut plain = b"SQLite format 3\0".to_vec();
        plain.resize(4096, 0);
        std::fs::write(&db, &plain).unwrap();
        assert!(assert_db_encrypted(&db).is_err());
        std::fs::write(&db, vec![0x5a; 4096]).unwrap();
        assert!(assert_db_encrypted(&db).is_ok());
        assert!(assert_db_encrypted(&dir.path().join("missing.db")).is_err());
    }
}
