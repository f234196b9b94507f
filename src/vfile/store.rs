//! [`FileUserStore`]: a verifier file served, reloaded when it changes, failing closed.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use super::{default_conf, Format, VFile, VFileError};
use crate::server::{RecordShapes, UserRecord, UserStore};

/// What identifies a version of a file: modification and change times (the change time
/// moves on `chmod` and `chown` too), size, inode and device. `None`: missing or unreadable.
pub(super) type Stamp = Option<(i64, i64, i64, i64, u64, u64, u64)>;

pub(super) fn stamp(p: &Path) -> Stamp {
    let m = std::fs::metadata(p).ok()?;
    Some((
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec(),
        m.size(),
        m.ino(),
        m.dev(),
    ))
}

/// What a (re)load found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadReport {
    /// The file's format.
    pub format: Format,
    /// Users served (valid records in an RFC 5054 group).
    pub users: usize,
    /// One line per user not served (revoked users are not counted): its group is not an
    /// RFC 5054 group, which TLS-SRP clients refuse; the line says where and what to do.
    pub skipped: Vec<String>,
}

struct Loaded {
    users: Arc<HashMap<String, UserRecord>>,
    shapes: Arc<RecordShapes>,
    /// The stamps of the file and its conf when they were last read.
    stamps: (Stamp, Stamp),
    /// Why the last reload failed: until one succeeds, nobody logs in.
    failed: Option<VFileError>,
}

/// A [`UserStore`] over an OpenSSL srpvfile or a GnuTLS tpasswd file (format detected; the
/// GnuTLS conf is `conf`, or `FILE.conf`). Revoked users and users in groups other than
/// the RFC 5054 ones are not served.
///
/// Reloads replace the users as a whole. **A failed reload fails closed**: every lookup
/// answers "no such user" (so every login fails like a wrong password) until the file
/// reads again, so that a user deleted, or a password changed, in a file that then cannot
/// be read never goes on working. The error says why; log it. The shapes of the records
/// (groups, salt lengths) of the last good load still shape simulated users meanwhile.
pub struct FileUserStore {
    path: PathBuf,
    conf: Option<PathBuf>,
    loaded: RwLock<Loaded>,
}

impl core::fmt::Debug for FileUserStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FileUserStore")
            .field("path", &self.path)
            .field("users", &self.len())
            .field("failed", &self.last_error())
            .finish()
    }
}

impl FileUserStore {
    /// Loads `path`: an error if it is missing, unreadable or corrupt (naming the line).
    pub fn open(path: &Path, conf: Option<&Path>) -> Result<(Self, LoadReport), VFileError> {
        let store = Self {
            path: path.to_path_buf(),
            conf: conf.map(Path::to_path_buf),
            loaded: RwLock::new(Loaded {
                users: Arc::default(),
                shapes: Arc::default(),
                stamps: (None, None),
                failed: None,
            }),
        };
        let report = store.reload()?;
        Ok((store, report))
    }

    /// The verifier file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conf_path(&self) -> PathBuf {
        self.conf
            .clone()
            .unwrap_or_else(|| default_conf(&self.path))
    }

    fn stamps(&self) -> (Stamp, Stamp) {
        (stamp(&self.path), stamp(&self.conf_path()))
    }

    /// Reads the file again. On success the new users replace the old ones; on failure no
    /// user logs in until a reload succeeds (see the type's documentation).
    pub fn reload(&self) -> Result<LoadReport, VFileError> {
        // Stamped before reading: a change made while reading triggers another reload.
        let stamps = self.stamps();
        let result = load(&self.path, self.conf.as_deref());
        let mut w = self
            .loaded
            .write()
            .map_err(|_| VFileError::new("the user table's lock is poisoned".into()))?;
        w.stamps = stamps;
        match result {
            Ok((users, report)) => {
                w.shapes = Arc::new(RecordShapes::from_records(users.values()));
                w.users = Arc::new(users);
                w.failed = None;
                Ok(report)
            }
            Err(e) => {
                w.users = Arc::default();
                w.failed = Some(e.clone());
                Err(e)
            }
        }
    }

    /// Reloads if the file or its conf changed since the last (re)load (modification or
    /// change time, size, inode: a `chmod` or `chown` counts), or if the last one failed.
    /// `None` when nothing was done. Cheap: call it every second.
    pub fn reload_if_changed(&self) -> Option<Result<LoadReport, VFileError>> {
        let (seen, failed) = match self.loaded.read() {
            Ok(l) => (l.stamps, l.failed.is_some()),
            Err(_) => return None,
        };
        if seen == self.stamps() && !failed {
            return None;
        }
        Some(self.reload())
    }

    /// Why the last reload failed, while no user can log in; `None` when the users of the
    /// last successful load are served.
    pub fn last_error(&self) -> Option<VFileError> {
        self.loaded.read().ok()?.failed.clone()
    }

    /// Users served now.
    pub fn len(&self) -> usize {
        self.loaded.read().map(|l| l.users.len()).unwrap_or(0)
    }

    /// Whether no user is served.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn load(
    path: &Path,
    conf: Option<&Path>,
) -> Result<(HashMap<String, UserRecord>, LoadReport), VFileError> {
    let vf = VFile::load(path, None, conf)?;
    if !vf.existed {
        return Err(VFileError::new(format!(
            "{} does not exist; create it with `tls-srp passwd add --file {} USER`",
            path.display(),
            path.display()
        )));
    }
    let (users, skipped) = vf.user_records()?;
    let report = LoadReport {
        format: vf.format,
        users: users.len(),
        skipped,
    };
    Ok((users, report))
}

impl UserStore for FileUserStore {
    fn lookup(&self, username: &str) -> Option<UserRecord> {
        crate::server::lookup_in(&self.loaded.read().ok()?.users, username)
    }

    fn record_shapes(&self) -> Option<Arc<RecordShapes>> {
        Some(self.loaded.read().ok()?.shapes.clone())
    }
}
