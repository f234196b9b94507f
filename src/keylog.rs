//! Key logging for debuggers: each connection's master secret, keyed by its client random,
//! in the NSS key log format that Wireshark and tshark read
//! (`CLIENT_RANDOM <64 hex digits> <96 hex digits>`).
//!
//! Off unless asked for: a config's `key_log` is [`NoKeyLog`] by default. Whoever can read
//! the log can decrypt every logged session: use it for debugging only.
//!
//! ```no_run
//! # use std::sync::Arc;
//! let mut config = tls_srp::ClientConfig::new("alice", "password123");
//! // Writes to the file named by SSLKEYLOGFILE, if set.
//! config.key_log = Arc::new(tls_srp::KeyLogFile::from_env());
//! ```
//!
//! The trait has the shape of rustls's `KeyLog`, so one implementation can serve both.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Where a connection writes its secrets. TLS 1.2 only ever logs `CLIENT_RANDOM`: `secret`
/// is the 48-byte master secret.
pub trait KeyLog: core::fmt::Debug + Send + Sync {
    /// Logs `secret` for the connection whose ClientHello random is `client_random`.
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]);

    /// Whether [`Self::log`] does anything for `label` (so that the secret need not be
    /// formatted for nothing).
    fn will_log(&self, _label: &str) -> bool {
        true
    }
}

/// Logs nothing: the default.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoKeyLog;

impl KeyLog for NoKeyLog {
    fn log(&self, _: &str, _: &[u8], _: &[u8]) {}

    fn will_log(&self, _: &str) -> bool {
        false
    }
}

/// Appends to a file in the NSS key log format, one line per secret, created with mode 0600
/// if it does not exist. Writing errors are ignored (a debugging aid must never break a
/// connection).
pub struct KeyLogFile {
    path: Option<PathBuf>,
    file: Mutex<Option<File>>,
}

impl core::fmt::Debug for KeyLogFile {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyLogFile")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl KeyLogFile {
    /// Logs to `path`.
    pub fn new(path: impl AsRef<Path>) -> Self {
        let path = path.as_ref().to_path_buf();
        let file = open(&path).ok();
        Self {
            path: Some(path),
            file: Mutex::new(file),
        }
    }

    /// Like [`Self::new`], but fails, saying why, when the file cannot be opened: for a
    /// program that should refuse to start rather than silently log nothing.
    pub fn create(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let path = path.as_ref().to_path_buf();
        let file = open(&path)?;
        Ok(Self {
            path: Some(path),
            file: Mutex::new(Some(file)),
        })
    }

    /// Logs to the file named by the `SSLKEYLOGFILE` environment variable, or nowhere if it
    /// is not set (or empty).
    pub fn from_env() -> Self {
        match std::env::var_os("SSLKEYLOGFILE").filter(|v| !v.is_empty()) {
            Some(p) => Self::new(p),
            None => Self {
                path: None,
                file: Mutex::new(None),
            },
        }
    }

    /// The file logged to, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

fn open(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl KeyLog for KeyLogFile {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = file.as_mut() {
            let line = zeroize::Zeroizing::new(format!(
                "{label} {} {}\n",
                hex(client_random),
                hex(secret)
            ));
            let _ = f.write_all(line.as_bytes());
        }
    }

    fn will_log(&self, _: &str) -> bool {
        self.path.is_some()
    }
}

/// The same file for rustls connections: a one-port server's certificate clients (TLS 1.3
/// labels included) log beside its SRP clients.
#[cfg(feature = "rustls")]
impl rustls::KeyLog for KeyLogFile {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        KeyLog::log(self, label, client_random, secret)
    }

    fn will_log(&self, label: &str) -> bool {
        KeyLog::will_log(self, label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_nss_lines_and_appends() {
        let dir = std::env::temp_dir().join(format!("tls-srp-keylog-{}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        let log = KeyLogFile::new(&dir);
        assert!(log.will_log("CLIENT_RANDOM"));
        log.log("CLIENT_RANDOM", &[0xab; 32], &[0x01; 48]);
        drop(log);
        KeyLogFile::new(&dir).log("CLIENT_RANDOM", &[0xcd; 32], &[0x02; 48]);
        let text = std::fs::read_to_string(&dir).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            format!("CLIENT_RANDOM {} {}", "ab".repeat(32), "01".repeat(48))
        );
        assert_eq!(
            lines[1],
            format!("CLIENT_RANDOM {} {}", "cd".repeat(32), "02".repeat(48))
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        std::fs::remove_file(&dir).unwrap();
        assert!(!NoKeyLog.will_log("CLIENT_RANDOM"));
    }

    #[test]
    fn create_says_why_it_cannot_open() {
        let dir = std::env::temp_dir().join(format!("tls-srp-keylog-dir-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let e = KeyLogFile::create(dir.join("missing").join("keys.log")).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
        let log = KeyLogFile::create(dir.join("keys.log")).unwrap();
        KeyLog::log(&log, "CLIENT_RANDOM", &[0xee; 32], &[0x03; 48]);
        let text = std::fs::read_to_string(dir.join("keys.log")).unwrap();
        assert!(text.starts_with("CLIENT_RANDOM eeee"), "{text}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
