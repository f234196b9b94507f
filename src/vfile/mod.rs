//! Verifier files (feature `vfile`): OpenSSL `srpvfile` (`openssl srp`) and GnuTLS
//! `tpasswd` + `tpasswd.conf` (`srptool`), read, written and served.
//!
//! - [`FileUserStore`] serves a file: a [`crate::UserStore`] that reloads it when it changes
//!   (or on demand) and fails closed when a reload fails (no user logs in until the file
//!   reads again: a deleted user or an old password never goes on working), and describes
//!   its records so that unknown users look like the real ones.
//! - [`VFile`] edits a file: records are kept as lines; the ones we understand are parsed,
//!   every other line is kept byte for byte and written back unchanged. [`VFile::save`]
//!   writes atomically (temp file, fsync, rename) and keeps the file's owner, group and
//!   mode; hold a [`FileLock`] across read-modify-write.
//!
//! Both SRP base64 variants (they differ in how lengths that are not a multiple of 3 are
//! padded) are in [`b64`].
//!
//! TLS 1.3 PAKE (SPAKE2+, **experimental**) records have a file format of their own,
//! told apart by its header line: [`pake`] ([`PakeFile`] to edit, [`PakeFileStore`] to
//! serve, [`CombinedUserStore`] to serve it beside an SRP store).
//!
//! ```no_run
//! use std::sync::Arc;
//! use tls_srp::vfile::FileUserStore;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let (store, report) = FileUserStore::open("users.srpv".as_ref(), None)?;
//! let store = Arc::new(store);
//! let config = tls_srp::ServerConfig::new(store.clone())?;
//! // Every second, or on SIGHUP:
//! if let Some(Err(e)) = store.reload_if_changed() {
//!     eprintln!("{e}; refusing every login until the file reads again");
//! }
//! # Ok(()) }
//! ```

pub mod b64;
pub mod pake;
mod store;
mod write;

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::server::UserRecord;
use crate::srp::SrpGroup;

pub use pake::{CombinedUserStore, PakeEntry, PakeFile, PakeFileStore, PakeLoadReport};
pub use store::{FileUserStore, LoadReport};
pub use write::FileLock;

/// A verifier-file error: one line that says what went wrong and what to do (a corrupt
/// line is named by its number; nothing is ever written after an error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VFileError(String);

impl VFileError {
    pub(crate) fn new(msg: String) -> Self {
        Self(msg)
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl core::fmt::Display for VFileError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for VFileError {}

type Fail = VFileError;

/// The two file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `openssl srp -srpvfile`: `V|R|I <TAB> verifier <TAB> salt <TAB> user <TAB> group <TAB> info`.
    Openssl,
    /// GnuTLS `srptool`: `user:verifier:salt:index` plus `index:N:g` in the conf file.
    Gnutls,
}

impl Format {
    /// `openssl` or `gnutls`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Openssl => "openssl",
            Format::Gnutls => "gnutls",
        }
    }
}

/// One user record as stored.
#[derive(Clone)]
pub struct Entry {
    /// The username.
    pub name: String,
    /// OpenSSL `R` record (revoked by `openssl srp -delete`).
    pub revoked: bool,
    /// The verifier, big-endian.
    pub verifier: Vec<u8>,
    /// The salt as stored (see [`VFile::math_salt`] for the one the SRP math uses).
    pub salt: Vec<u8>,
    /// OpenSSL group id ("2048" or an `I` record id) or GnuTLS conf index.
    pub group_id: String,
    /// OpenSSL info field.
    pub info: String,
    /// The line as read, written back unchanged while the record is not modified.
    raw: Option<String>,
    /// 1-based line number when loaded (0 for a record added since).
    pub line: usize,
}

/// What a user record's group id refers to.
pub enum GroupRef<'a> {
    /// One of the RFC 5054 groups: servable.
    Std(&'static SrpGroup),
    /// A group with its own N and g (OpenSSL `I` record, GnuTLS conf line) that is not one of
    /// the RFC 5054 groups: the library does not serve it and clients refuse it.
    Custom {
        /// The group id (OpenSSL) or conf index (GnuTLS).
        id: &'a str,
        /// The line defining it (in the conf file for GnuTLS).
        line: usize,
        /// The prime.
        n: &'a [u8],
        /// The generator.
        g: &'a [u8],
    },
    /// OpenSSL `*`: made by `openssl srp -gn ID` from an `I` record, without saying which one.
    AnyIndex,
}

/// Bit length of a big-endian number.
pub fn bit_len(n: &[u8]) -> usize {
    let n = strip_zeros(n);
    match n.first() {
        Some(&b) => (n.len() - 1) * 8 + (8 - b.leading_zeros() as usize),
        None => 0,
    }
}

enum Line {
    User(Entry),
    /// OpenSSL `I` record: a named group, written back byte for byte.
    Group {
        id: String,
        n: Vec<u8>,
        g: Vec<u8>,
        raw: String,
    },
    /// Anything else (blank lines, comments, records we do not know): kept as is.
    Other(String),
}

/// A GnuTLS `tpasswd.conf`.
pub struct Conf {
    /// The conf file.
    pub path: PathBuf,
    lines: Vec<ConfLine>,
    /// Whether it existed when loaded.
    pub existed: bool,
    dirty: bool,
}

enum ConfLine {
    Group {
        index: String,
        n: Vec<u8>,
        g: Vec<u8>,
        line: usize,
    },
    Other(String),
}

/// A verifier file in memory.
pub struct VFile {
    /// The verifier file.
    pub path: PathBuf,
    /// Its format (detected, or as asked for a new file).
    pub format: Format,
    lines: Vec<Line>,
    /// GnuTLS: the conf file.
    pub conf: Option<Conf>,
    /// Whether the file existed when loaded.
    pub existed: bool,
}

/// The GnuTLS conf index srptool uses for each group (`--create-conf` writes 2, 3, 4, 5, 7).
fn gnutls_std_index(bits: u32) -> u32 {
    match bits {
        1024 => 1,
        1536 => 2,
        2048 => 3,
        3072 => 4,
        4096 => 5,
        6144 => 6,
        _ => 7,
    }
}

fn read_text(path: &Path) -> Result<Option<Vec<String>>, Fail> {
    match fs::read(path) {
        Ok(bytes) => {
            let mut out = Vec::new();
            for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
                let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
                let line = String::from_utf8(raw.to_vec()).map_err(|_| {
                    Fail::new(format!(
                        "{} line {}: not UTF-8 text; fix or remove that line",
                        path.display(),
                        i + 1
                    ))
                })?;
                out.push(line);
            }
            // A trailing newline gives one empty last element.
            if out.last().is_some_and(|l| l.is_empty()) {
                out.pop();
            }
            Ok(Some(out))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Fail::new(format!(
            "cannot read {}: {e}; check the path and its permissions",
            path.display()
        ))),
    }
}

/// Guesses the format from the first record-looking line.
fn detect(lines: &[String]) -> Option<Format> {
    for l in lines {
        if l.trim().is_empty() || l.starts_with('#') {
            continue;
        }
        if l.starts_with("V\t") || l.starts_with("R\t") || l.starts_with("I\t") {
            return Some(Format::Openssl);
        }
        if l.contains(':') {
            return Some(Format::Gnutls);
        }
    }
    None
}

fn corrupt(path: &Path, n: usize, what: &str) -> Fail {
    Fail::new(format!(
        "{} line {n}: {what}; the file is corrupt, fix that line (nothing was changed)",
        path.display()
    ))
}

/// The default conf path for a GnuTLS file: `FILE.conf`.
pub fn default_conf(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".conf");
    PathBuf::from(s)
}

impl VFile {
    /// Loads `path` (which may not exist: then `existed` is false and the file is empty).
    /// `want` is the format the user asked for, checked against the file's.
    pub fn load(path: &Path, want: Option<Format>, conf: Option<&Path>) -> Result<VFile, Fail> {
        let text = read_text(path)?;
        let existed = text.is_some();
        let text = text.unwrap_or_default();
        if text
            .first()
            .is_some_and(|l| l.starts_with(pake::HEADER_PREFIX))
        {
            return Err(Fail::new(format!(
                "{} is a SPAKE2+ records file (TLS 1.3 PAKE), not an SRP verifier file; use it where PAKE records are expected",
                path.display()
            )));
        }
        let detected = detect(&text);
        let format = match (detected, want) {
            (Some(d), Some(w)) if d != w => {
                return Err(Fail::new(format!(
                    "{} is in {} format, not {}; drop --format or pick the right file",
                    path.display(),
                    d.name(),
                    w.name()
                )))
            }
            (Some(d), _) => d,
            (None, Some(w)) => w,
            (None, None) => {
                if text
                    .iter()
                    .any(|l| !l.trim().is_empty() && !l.starts_with('#'))
                {
                    return Err(Fail::new(format!(
                        "{}: not an OpenSSL srpvfile nor a GnuTLS tpasswd file; check the path",
                        path.display()
                    )));
                }
                match conf {
                    Some(_) => Format::Gnutls,
                    None => Format::Openssl,
                }
            }
        };
        let mut lines = Vec::with_capacity(text.len());
        for (i, l) in text.into_iter().enumerate() {
            let n = i + 1;
            lines.push(match format {
                Format::Openssl => parse_openssl_line(path, n, l)?,
                Format::Gnutls => parse_gnutls_line(path, n, l)?,
            });
        }
        let conf = match format {
            Format::Openssl => None,
            Format::Gnutls => {
                let cpath = conf
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| default_conf(path));
                Some(Conf::load(&cpath)?)
            }
        };
        let vf = VFile {
            path: path.to_path_buf(),
            format,
            lines,
            conf,
            existed,
        };
        // Every user's group must resolve (unknown group, mismatched conf); custom groups
        // load (the users are listed, and skipped with a warning when serving).
        for e in vf.entries() {
            vf.resolve(e)?;
        }
        let mut seen = HashMap::new();
        for (i, l) in vf.lines.iter().enumerate() {
            if let Line::User(e) = l {
                if let Some(prev) = seen.insert(e.name.clone(), i + 1) {
                    return Err(corrupt(
                        path,
                        i + 1,
                        &format!("user {:?} appears again (first on line {prev})", e.name),
                    ));
                }
            }
        }
        Ok(vf)
    }

    /// All user records, in file order.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.lines.iter().filter_map(|l| match l {
            Line::User(e) => Some(e),
            _ => None,
        })
    }

    /// The record of `name`, revoked or not.
    pub fn find(&self, name: &str) -> Option<&Entry> {
        self.entries().find(|e| e.name == name)
    }

    /// What a record's group id refers to; an error for an id nothing defines (unknown
    /// OpenSSL group, GnuTLS index missing from the conf).
    pub fn resolve<'a>(&'a self, e: &'a Entry) -> Result<GroupRef<'a>, Fail> {
        let classify = |id: &'a str, line: usize, n: &'a [u8], g: &'a [u8]| {
            match SrpGroup::from_params(n, g) {
                Some(std) => GroupRef::Std(std),
                None => GroupRef::Custom { id, line, n, g },
            }
        };
        match self.format {
            Format::Openssl => {
                for (i, l) in self.lines.iter().enumerate() {
                    if let Line::Group { id, n, g, .. } = l {
                        if *id == e.group_id {
                            return Ok(classify(id, i + 1, n, g));
                        }
                    }
                }
                if e.group_id == "*" {
                    return Ok(GroupRef::AnyIndex);
                }
                e.group_id
                    .parse::<u32>()
                    .ok()
                    .and_then(SrpGroup::by_bits)
                    .map(GroupRef::Std)
                    .ok_or_else(|| {
                        Fail::new(format!(
                            "{}: user {:?} has unknown group {:?}; use 1024..8192 or define it with an I record",
                            self.path.display(),
                            e.name,
                            e.group_id
                        ))
                    })
            }
            Format::Gnutls => {
                let conf = self
                    .conf
                    .as_ref()
                    .ok_or_else(|| Fail::new("no conf file".into()))?;
                conf.lookup(&e.group_id)
                    .map(|(id, line, n, g)| classify(id, line, n, g))
                    .ok_or_else(|| {
                        Fail::new(format!(
                            "{}: user {:?} uses group index {} which {} does not define; pass the matching --conf",
                            self.path.display(),
                            e.name,
                            e.group_id,
                            conf.path.display()
                        ))
                    })
            }
        }
    }

    /// Why a user with a custom group is not served, and what to do (one line).
    pub fn not_servable(&self, e: &Entry) -> String {
        let at = format!("{} line {}", self.path.display(), e.line);
        let what = match self.resolve(e) {
            Ok(GroupRef::Custom { id, line, n, .. }) => {
                let place = match (&self.format, &self.conf) {
                    (Format::Gnutls, Some(c)) => format!("{} line {line}", c.path.display()),
                    _ => format!("I record on line {line}"),
                };
                format!(
                    "uses custom group {id:?} ({}-bit N, {place}), which is not an RFC 5054 group",
                    bit_len(n)
                )
            }
            Ok(GroupRef::AnyIndex) => {
                "uses group \"*\" (a custom group from `openssl srp -gn`), which is not an RFC 5054 group".to_owned()
            }
            Ok(GroupRef::Std(_)) => "is servable".to_owned(),
            Err(f) => f.0,
        };
        format!(
            "{at}: user {:?} {what}: not served (TLS-SRP clients accept only the RFC 5054 groups); re-add it with a standard group: tls-srp passwd add --replace --group 2048 --file {} {:?}",
            e.name,
            self.path.display(),
            e.name
        )
    }

    /// The RFC 5054 group a record refers to; an error for a custom group.
    pub fn group_of(&self, e: &Entry) -> Result<&'static SrpGroup, Fail> {
        match self.resolve(e)? {
            GroupRef::Std(g) => Ok(g),
            _ => Err(Fail::new(self.not_servable(e))),
        }
    }

    /// The salt as the SRP math uses it (OpenSSL salts lose their leading zero bytes, as
    /// libssl loads them as numbers).
    pub fn math_salt(&self, e: &Entry) -> Vec<u8> {
        match self.format {
            Format::Openssl => strip_zeros(&e.salt).to_vec(),
            Format::Gnutls => e.salt.clone(),
        }
    }

    /// Every `I` record of an OpenSSL file: (id, line, N, g).
    pub fn index_groups(&self) -> Vec<(&str, usize, &[u8], &[u8])> {
        self.lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| match l {
                Line::Group { id, n, g, .. } => {
                    Some((id.as_str(), i + 1, n.as_slice(), g.as_slice()))
                }
                _ => None,
            })
            .collect()
    }

    /// The record the library needs (OpenSSL salts lose their leading zero bytes, as libssl
    /// loads them as numbers).
    pub fn user_record(&self, e: &Entry) -> Result<UserRecord, Fail> {
        let group = self.group_of(e)?;
        Ok(UserRecord {
            group,
            salt: self.math_salt(e),
            verifier: e.verifier.clone(),
        })
    }

    /// Every valid (not revoked) user as a library record, and one line for each user left
    /// out because its group is not an RFC 5054 group, saying where and what to do.
    pub fn user_records(&self) -> Result<(HashMap<String, UserRecord>, Vec<String>), Fail> {
        let mut m = HashMap::new();
        let mut skipped = Vec::new();
        for e in self.entries().filter(|e| !e.revoked) {
            match self.resolve(e)? {
                GroupRef::Std(_) => {
                    m.insert(e.name.clone(), self.user_record(e)?);
                }
                GroupRef::Custom { .. } | GroupRef::AnyIndex => {
                    skipped.push(self.not_servable(e));
                }
            }
        }
        Ok((m, skipped))
    }

    /// Re-activates a revoked OpenSSL user with the verifier it had, as `openssl srp -add`
    /// does for an `R` record. Returns false when there is no revoked user of that name.
    pub fn revive(&mut self, name: &str) -> bool {
        for l in &mut self.lines {
            if let Line::User(e) = l {
                if e.name == name && e.revoked {
                    e.revoked = false;
                    e.raw = e
                        .raw
                        .take()
                        .map(|r| format!("V{}", r.get(1..).unwrap_or("")));
                    return true;
                }
            }
        }
        false
    }

    /// Copies every user of `self` into `into` (a file of either format, usually new and
    /// empty), keeping each verifier, salt and group, so that every password still works.
    /// All or nothing: if any user cannot be held by `into`'s format, nothing is added and
    /// the error names each such user and why:
    ///
    /// - a group that is not an RFC 5054 group (custom `I` records, conf lines, `*`);
    /// - to GnuTLS: a revoked user (GnuTLS files have no revoked state; pass
    ///   `skip_revoked` to leave them out), a username with `:`, an OpenSSL info field;
    /// - to OpenSSL: a username with a TAB, a salt whose first byte is zero (libssl reads
    ///   salts as numbers and drops it, so the verifier would no longer match: that user
    ///   must set a new password).
    ///
    /// Returns how many users were copied.
    pub fn copy_users_into(&self, into: &mut VFile, skip_revoked: bool) -> Result<usize, Fail> {
        let mut problems = Vec::new();
        let mut copied = Vec::new();
        for e in self.entries() {
            let at = format!("{} line {}: user {:?}", self.path.display(), e.line, e.name);
            let group = match self.resolve(e)? {
                GroupRef::Std(g) => g,
                _ => {
                    problems.push(format!(
                        "{at} uses a custom group, which TLS-SRP clients refuse; convert copies RFC 5054 groups only"
                    ));
                    continue;
                }
            };
            let salt = self.math_salt(e);
            match into.format {
                Format::Gnutls => {
                    if e.revoked && skip_revoked {
                        continue;
                    }
                    if e.revoked {
                        problems.push(format!(
                            "{at} is revoked, and GnuTLS files cannot mark a user revoked (pass --skip-revoked to leave such users out)"
                        ));
                    }
                    if e.name.contains(':') {
                        problems.push(format!("{at}: a GnuTLS username cannot contain ':'"));
                    }
                    if !e.info.is_empty() {
                        problems.push(format!(
                            "{at} has an info field ({:?}), which GnuTLS files cannot hold",
                            e.info
                        ));
                    }
                }
                Format::Openssl => {
                    if e.name.contains('\t') {
                        problems.push(format!("{at}: an OpenSSL username cannot contain a TAB"));
                    }
                    if salt.first() == Some(&0) {
                        problems.push(format!(
                            "{at} has a salt starting with a zero byte, which OpenSSL drops when it reads the file, so the password would stop working; set a new password for that user in the source file first (passwd add --replace)"
                        ));
                    }
                }
            }
            if into.find(&e.name).is_some() {
                problems.push(format!("{at} is already in {}", into.path.display()));
            }
            copied.push((e, group, salt));
        }
        if !problems.is_empty() {
            return Err(Fail::new(format!(
                "cannot convert ({} problem{}; nothing was written): {}",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" },
                problems.join("; ")
            )));
        }
        let n = copied.len();
        for (e, group, salt) in copied {
            into.add(&e.name, group, salt, e.verifier.clone(), false)?;
            if e.revoked {
                into.set_revoked(&e.name);
            }
            if let Some(Line::User(new)) = into.lines.last_mut() {
                new.info = e.info.clone();
            }
        }
        Ok(n)
    }

    /// Marks an OpenSSL user revoked (an `R` record).
    fn set_revoked(&mut self, name: &str) {
        for l in &mut self.lines {
            if let Line::User(e) = l {
                if e.name == name {
                    e.revoked = true;
                    e.raw = None;
                }
            }
        }
    }

    /// Adds (or, with `replace`, replaces) a user. Fails on a duplicate otherwise.
    pub fn add(
        &mut self,
        name: &str,
        group: &'static SrpGroup,
        salt: Vec<u8>,
        verifier: Vec<u8>,
        replace: bool,
    ) -> Result<(), Fail> {
        let group_id = match self.format {
            Format::Openssl => group.bits().to_string(),
            Format::Gnutls => self
                .conf
                .as_mut()
                .ok_or_else(|| Fail::new("no conf file".into()))?
                .index_for(group),
        };
        let pos = self
            .lines
            .iter()
            .position(|l| matches!(l, Line::User(e) if e.name == name));
        if let Some(p) = pos {
            let revoked = matches!(self.lines.get(p), Some(Line::User(e)) if e.revoked);
            if !replace && !revoked {
                return Err(Fail::new(format!(
                    "user {name:?} already exists in {}; use --replace to change the password, or `passwd delete` first",
                    self.path.display()
                )));
            }
        }
        let entry = Entry {
            name: name.to_owned(),
            revoked: false,
            verifier,
            salt,
            group_id,
            info: String::new(),
            raw: None,
            line: 0,
        };
        match pos.and_then(|p| self.lines.get_mut(p)) {
            Some(slot) => *slot = Line::User(entry),
            None => self.lines.push(Line::User(entry)),
        }
        Ok(())
    }

    /// Deletes a user: OpenSSL marks it revoked (`R`, as `openssl srp -delete` does),
    /// GnuTLS removes the line. Fails if there is no such (valid) user.
    pub fn delete(&mut self, name: &str) -> Result<(), Fail> {
        let pos = self
            .lines
            .iter()
            .position(|l| matches!(l, Line::User(e) if e.name == name && !e.revoked))
            .ok_or_else(|| {
                Fail::new(format!(
                    "no user {name:?} in {}; see `tls-srp passwd list`",
                    self.path.display()
                ))
            })?;
        match self.format {
            Format::Openssl => {
                if let Some(Line::User(e)) = self.lines.get_mut(pos) {
                    e.revoked = true;
                    // `openssl srp -delete` changes only the record type.
                    e.raw = e
                        .raw
                        .take()
                        .map(|r| format!("R{}", r.get(1..).unwrap_or("")));
                }
            }
            Format::Gnutls => {
                self.lines.remove(pos);
            }
        }
        Ok(())
    }

    fn render(&self) -> String {
        let mut s = String::new();
        for l in &self.lines {
            match (l, self.format) {
                (Line::Other(raw), _) | (Line::Group { raw, .. }, _) => s.push_str(raw),
                (Line::User(Entry { raw: Some(raw), .. }), _) => s.push_str(raw),
                (Line::User(e), Format::Openssl) => s.push_str(&format!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    if e.revoked { "R" } else { "V" },
                    b64::encode_openssl(&e.verifier),
                    b64::encode_openssl(&e.salt),
                    e.name,
                    e.group_id,
                    e.info
                )),
                (Line::User(e), Format::Gnutls) => s.push_str(&format!(
                    "{}:{}:{}:{}",
                    e.name,
                    b64::encode_gnutls(&e.verifier),
                    b64::encode_gnutls(&e.salt),
                    e.group_id
                )),
            }
            s.push('\n');
        }
        s
    }

    /// Writes the file (and a changed conf first) atomically, keeping an existing file's
    /// owner, group and mode (new files: mode 0600). Call it holding the [`FileLock`]: it
    /// also removes the temp files of writers that died mid-write.
    pub fn save(&mut self) -> Result<(), Fail> {
        write::remove_stale_temps(&self.path);
        if let Some(conf) = &mut self.conf {
            write::remove_stale_temps(&conf.path);
            if conf.dirty || !conf.existed {
                write::atomic_write(&conf.path, conf.render().as_bytes())?;
                conf.dirty = false;
                conf.existed = true;
            }
        }
        write::atomic_write(&self.path, self.render().as_bytes())
    }
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let p = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    b.get(p..).unwrap_or(&[])
}

fn parse_openssl_line(path: &Path, n: usize, l: String) -> Result<Line, Fail> {
    let kind = l.split('\t').next().unwrap_or("");
    if !matches!(kind, "V" | "R" | "I") || l.starts_with('#') {
        return Ok(Line::Other(l));
    }
    let f: Vec<&str> = l.split('\t').collect();
    if f.len() != 6 {
        return Err(corrupt(
            path,
            n,
            &format!("expected 6 TAB-separated fields, found {}", f.len()),
        ));
    }
    let dec = |s: &str, what: &str| {
        b64::decode_openssl(s)
            .ok_or_else(|| corrupt(path, n, &format!("bad {what} (not SRP base64)")))
    };
    let (a, b) = (
        f.get(1).copied().unwrap_or(""),
        f.get(2).copied().unwrap_or(""),
    );
    let (id, gid, info) = (
        f.get(3).copied().unwrap_or(""),
        f.get(4).copied().unwrap_or(""),
        f.get(5).copied().unwrap_or(""),
    );
    if kind == "I" {
        return Ok(Line::Group {
            id: id.to_owned(),
            n: dec(a, "N")?,
            g: dec(b, "g")?,
            raw: l.clone(),
        });
    }
    if id.is_empty() {
        return Err(corrupt(path, n, "empty username"));
    }
    Ok(Line::User(Entry {
        name: id.to_owned(),
        revoked: kind == "R",
        verifier: dec(a, "verifier")?,
        salt: dec(b, "salt")?,
        group_id: gid.to_owned(),
        info: info.to_owned(),
        raw: Some(l.clone()),
        line: n,
    }))
}

fn parse_gnutls_line(path: &Path, n: usize, l: String) -> Result<Line, Fail> {
    if l.trim().is_empty() || l.starts_with('#') {
        return Ok(Line::Other(l));
    }
    let f: Vec<&str> = l.split(':').collect();
    if f.len() != 4 {
        return Err(corrupt(
            path,
            n,
            &format!(
                "expected user:verifier:salt:index, found {} fields",
                f.len()
            ),
        ));
    }
    let get = |i: usize| f.get(i).copied().unwrap_or("");
    if get(0).is_empty() {
        return Err(corrupt(path, n, "empty username"));
    }
    let verifier = b64::decode_gnutls(get(1))
        .ok_or_else(|| corrupt(path, n, "bad verifier (not SRP base64)"))?;
    let salt =
        b64::decode_gnutls(get(2)).ok_or_else(|| corrupt(path, n, "bad salt (not SRP base64)"))?;
    if get(3).parse::<u32>().is_err() {
        return Err(corrupt(path, n, "bad group index"));
    }
    Ok(Line::User(Entry {
        name: get(0).to_owned(),
        revoked: false,
        verifier,
        salt,
        group_id: get(3).to_owned(),
        info: String::new(),
        raw: Some(l.clone()),
        line: n,
    }))
}

impl Conf {
    fn load(path: &Path) -> Result<Conf, Fail> {
        let text = read_text(path)?;
        let existed = text.is_some();
        let mut lines = Vec::new();
        for (i, l) in text.unwrap_or_default().into_iter().enumerate() {
            if l.trim().is_empty() || l.starts_with('#') {
                lines.push(ConfLine::Other(l));
                continue;
            }
            let f: Vec<&str> = l.split(':').collect();
            let (Some(idx), Some(n), Some(g), 3) = (f.first(), f.get(1), f.get(2), f.len()) else {
                return Err(corrupt(path, i + 1, "expected index:N:g"));
            };
            let (Some(n), Some(g)) = (b64::decode_gnutls(n), b64::decode_gnutls(g)) else {
                return Err(corrupt(path, i + 1, "bad N or g (not SRP base64)"));
            };
            if idx.parse::<u32>().is_err() {
                return Err(corrupt(path, i + 1, "bad index"));
            }
            lines.push(ConfLine::Group {
                index: (*idx).to_owned(),
                n,
                g,
                line: i + 1,
            });
        }
        Ok(Conf {
            path: path.to_path_buf(),
            lines,
            existed,
            dirty: false,
        })
    }

    /// (index, line, N, g) of conf index `index`.
    fn lookup(&self, index: &str) -> Option<(&str, usize, &[u8], &[u8])> {
        self.lines.iter().find_map(|l| match l {
            ConfLine::Group {
                index: i,
                n,
                g,
                line,
            } if i == index => Some((i.as_str(), *line, n.as_slice(), g.as_slice())),
            _ => None,
        })
    }

    /// The index of `group`, adding it (at srptool's usual index if free) when missing.
    fn index_for(&mut self, group: &'static SrpGroup) -> String {
        for l in &self.lines {
            if let ConfLine::Group { index, n, g, .. } = l {
                if SrpGroup::from_params(n, g) == Some(group) {
                    return index.clone();
                }
            }
        }
        let used: Vec<u32> = self
            .lines
            .iter()
            .filter_map(|l| match l {
                ConfLine::Group { index, .. } => index.parse().ok(),
                _ => None,
            })
            .collect();
        let mut idx = gnutls_std_index(group.bits());
        while used.contains(&idx) {
            idx = used.iter().max().copied().unwrap_or(idx).saturating_add(1);
        }
        self.lines.push(ConfLine::Group {
            index: idx.to_string(),
            n: group.n().to_vec(),
            g: group.g().to_vec(),
            line: 0,
        });
        self.dirty = true;
        idx.to_string()
    }

    fn render(&self) -> String {
        let mut s = String::new();
        for l in &self.lines {
            match l {
                ConfLine::Other(raw) => s.push_str(raw),
                ConfLine::Group { index, n, g, .. } => s.push_str(&format!(
                    "{index}:{}:{}",
                    b64::encode_gnutls(n),
                    b64::encode_gnutls(g)
                )),
            }
            s.push('\n');
        }
        s
    }
}
