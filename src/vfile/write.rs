//! Writing verifier files: the writers' lock, atomic replacement that keeps the file's
//! owner, group and mode, and the clean-up of temp files left by killed writers.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::VFileError as Fail;

/// Holds an exclusive `flock` on the directory that holds a verifier file, for as long as
/// it lives: writers take it across read-modify-write. The directory is the lock because
/// the file itself is replaced by rename (a new inode each time), and a lock file beside it
/// would linger (and removing one safely is not possible while others may wait on it).
/// Every writer of any file in that directory waits for it; writes take milliseconds.
pub struct FileLock {
    _dir: File,
}

impl FileLock {
    /// Waits for the lock of the directory holding `path`.
    pub fn acquire(path: &Path) -> Result<FileLock, Fail> {
        let (dir, _) = dir_and_name(path);
        let file = File::open(&dir).map_err(|e| {
            Fail::new(format!(
                "cannot open the directory {} to lock it: {e}; check its permissions",
                dir.display()
            ))
        })?;
        rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)
            .map_err(|e| Fail::new(format!("cannot lock {}: {e}", dir.display())))?;
        Ok(FileLock { _dir: file })
    }
}

pub(crate) fn dir_and_name(path: &Path) -> (PathBuf, String) {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    (dir, name)
}

/// Removes `.NAME.tmp-PID-TAG` files left by writers killed between creating their temp
/// file and renaming it. Writers make temp files only while holding the lock, so with the
/// lock held every temp file is stale; as a second guard the ones whose process still
/// runs are kept (the same file reached through another path takes another lock).
pub(crate) fn remove_stale_temps(path: &Path) {
    let (dir, name) = dir_and_name(path);
    let prefix = format!(".{name}.tmp-");
    let Ok(rd) = fs::read_dir(&dir) else {
        return;
    };
    let me = std::process::id().to_string();
    let proc_fs = Path::new("/proc/self").exists();
    for ent in rd.flatten() {
        let fname = ent.file_name();
        let Some(rest) = fname.to_str().and_then(|f| f.strip_prefix(&prefix)) else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or("");
        let alive = pid == me || (proc_fs && Path::new("/proc").join(pid).exists());
        if !alive {
            let _ = fs::remove_file(ent.path());
        }
    }
}

/// Temp file in the same directory, given the owner, group and mode of the file it
/// replaces (new files: mode 0600, owned by the writer), fsync, rename over `path`, fsync
/// the directory. If the owner or group cannot be kept (not root, not the owner), nothing
/// is written: a file that the server account can no longer read would keep its old users
/// in memory, or lock everyone out.
pub(crate) fn atomic_write(path: &Path, data: &[u8]) -> Result<(), Fail> {
    let (dir, name) = dir_and_name(path);
    let existing = match fs::metadata(path) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(Fail::new(format!(
                "cannot read {}: {e}; check the path and its permissions",
                path.display()
            )))
        }
    };
    let mut rnd = [0u8; 6];
    getrandom::fill(&mut rnd).map_err(|e| Fail::new(format!("no randomness: {e}")))?;
    let tag: String = rnd.iter().map(|b| format!("{b:02x}")).collect();
    let tmp = dir.join(format!(".{name}.tmp-{}-{tag}", std::process::id()));
    let mut ownership_error = None;
    let res = (|| -> std::io::Result<()> {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        if let Some(m) = &existing {
            let mine = f.metadata()?;
            if (mine.uid(), mine.gid()) != (m.uid(), m.gid()) {
                if let Err(e) = std::os::unix::fs::fchown(&f, Some(m.uid()), Some(m.gid())) {
                    ownership_error = Some((m.uid(), m.gid()));
                    return Err(e);
                }
            }
            // After the chown, which clears set-id bits.
            f.set_permissions(fs::Permissions::from_mode(m.mode() & 0o7777))?;
        }
        f.write_all(data)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    res.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        match ownership_error {
            Some((uid, gid)) => Fail::new(format!(
                "cannot keep the owner and group of {} (uid {uid}, gid {gid}): {e}; run this as \
                 root or as the file's owner (nothing was changed)",
                path.display()
            )),
            None => Fail::new(format!(
                "cannot write {}: {e}; check the directory's permissions (nothing was changed)",
                path.display()
            )),
        }
    })
}
