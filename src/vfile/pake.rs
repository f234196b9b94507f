//! SPAKE2+ registration records for TLS 1.3 PAKE (draft-ietf-tls-pake, **experimental**):
//! the file format, [`PakeFile`] to edit one, [`PakeFileStore`] to serve one, and
//! [`CombinedUserStore`] to serve SRP users and PAKE records from two stores on one port.
//!
//! # The format (version 1)
//!
//! ```text
//! # tls-srp SPAKE2+ records v1 (draft-ietf-tls-pake, experimental)
//! # username:server_identity:w0:L
//! alice:files.example:3d1c...64 hex digits...:04a7...130 hex digits...
//! bob%3Ajr:files.example:...:...
//! ```
//!
//! - **Line 1** is the header, exactly [`HEADER`]: it is what tells this format from the
//!   OpenSSL and GnuTLS verifier files. A file whose first line starts with
//!   `# tls-srp SPAKE2+ records ` and names another version is refused.
//! - **Records**: one per line, `username:server_identity:w0:L`, four fields separated by
//!   `:`. `username` (the client identity, UTF-8) and `server_identity` (bytes) are
//!   percent-encoded: every byte outside `!`..`~` (0x21 to 0x7E: space, control characters,
//!   non-ASCII) and every `%`, `:` and `#` is written `%XX` (two upper-case hex digits), so
//!   that no name can split a field, a line, or start a comment. Readers also accept raw
//!   non-ASCII UTF-8 and lower-case hex in `%xx`. Each decodes to 1 to
//!   [`MAX_IDENTITY_LEN`] bytes. `w0` is 64 hex digits (32 bytes, a nonzero scalar below the
//!   P-256 group order), `L` is 130 hex digits (65 bytes, an uncompressed P-256 point);
//!   written in lower case, read in either. One record per (username, server identity):
//!   the same user may have records for several server identities.
//! - **Comments and blank lines**: a line starting with `#`, or empty; kept byte for byte
//!   when the file is rewritten, as are unchanged records.
//! - **Bounds**: at most [`MAX_FILE_BYTES`] in all and [`MAX_LINE_BYTES`] per line; a
//!   trailing `\r` is dropped. Any bad line is an error that names the file and the line
//!   number, and nothing is served or written from such a file.
//!
//! The records are what [`crate::pake::register`] makes (scrypt over the password and both
//! identities, as BoringSSL's `SSL_spake2plusv1_register`). Like SRP verifiers they allow
//! an offline guessing attack if stolen (scrypt slows each guess down): keep the file as
//! secret as a verifier file (new files are written with mode 0600).

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use subtle::ConstantTimeEq;

use super::store::{stamp, Stamp};
use super::{corrupt, write, VFileError as Fail};
use crate::pake::spake2plus::{RECORD_LEN, SCALAR_LEN};
use crate::pake::{PreparedRecord, VerifierRecord};
use crate::server::{Lookup, RecordShapes, UserRecord, UserStore};

/// The first line of a version 1 file.
pub const HEADER: &str = "# tls-srp SPAKE2+ records v1 (draft-ietf-tls-pake, experimental)";
/// What the header of any version starts with (format detection).
pub const HEADER_PREFIX: &str = "# tls-srp SPAKE2+ records ";
/// The most bytes a file may have (128 MiB: about 500 000 records with short names).
pub const MAX_FILE_BYTES: u64 = 128 * 1024 * 1024;
/// The most bytes a line may have (without its newline).
pub const MAX_LINE_BYTES: usize = 8 * 1024;
/// The most bytes a username or a server identity may decode to.
pub const MAX_IDENTITY_LEN: usize = 1024;

/// The second line of a new file: what the fields are.
const FIELDS_COMMENT: &str =
    "# username:server_identity:w0:L (percent-encoded names, hex w0 and L; keep this file secret)";

/// One record: who, for which server, and the SPAKE2+ verifier record.
#[derive(Clone)]
pub struct PakeEntry {
    /// The username (the client identity).
    pub username: String,
    /// The server identity the record was registered for.
    pub server_identity: Vec<u8>,
    /// `w0` and `L`.
    pub record: VerifierRecord,
    /// 1-based line number when loaded (0 for a record added since).
    pub line: usize,
    /// The line as read, written back unchanged while the record is not modified.
    raw: Option<String>,
}

impl core::fmt::Debug for PakeEntry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PakeEntry")
            .field("username", &self.username)
            .field(
                "server_identity",
                &String::from_utf8_lossy(&self.server_identity),
            )
            .field("line", &self.line)
            .finish_non_exhaustive()
    }
}

impl PakeEntry {
    /// Whether `password` is this record's: registers it again (scrypt, about 100 ms) and
    /// compares `w0` and `L` in constant time.
    pub fn check_password(&self, password: &[u8]) -> bool {
        let (_, fresh) =
            crate::pake::register(password, self.username.as_bytes(), &self.server_identity);
        let same = fresh.w0.ct_eq(&self.record.w0) & fresh.l.ct_eq(&self.record.l);
        bool::from(same)
    }

    /// The server identity for messages: as text when it is UTF-8, escaped as the log
    /// escapes usernames.
    pub fn server_identity_shown(&self) -> String {
        shown(&self.server_identity)
    }
}

/// A server identity for messages (`"name"`, with escapes; invalid UTF-8 replaced).
pub fn shown(server_identity: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(server_identity))
}

enum Line {
    /// Line 1.
    Header(String),
    Record(PakeEntry),
    /// Comments and blank lines, kept as they are.
    Other(String),
}

/// A SPAKE2+ records file in memory, for editing. Hold a [`super::FileLock`] across
/// load-modify-[`Self::save`].
pub struct PakeFile {
    /// The file.
    pub path: PathBuf,
    lines: Vec<Line>,
    /// Whether the file existed (and was not empty) when loaded.
    pub existed: bool,
}

impl core::fmt::Debug for PakeFile {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PakeFile")
            .field("path", &self.path)
            .field("records", &self.entries().count())
            .finish()
    }
}

/// The bytes of `path` (`None` if it does not exist), at most [`MAX_FILE_BYTES`].
fn read_bounded(path: &Path) -> Result<Option<Vec<u8>>, Fail> {
    let cannot = |e: std::io::Error| {
        Fail::new(format!(
            "cannot read {}: {e}; check the path and its permissions",
            path.display()
        ))
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(cannot(e)),
    };
    let too_big = || {
        Fail::new(format!(
            "{} is larger than {} MiB, the most a SPAKE2+ records file may be; check the path (nothing was changed)",
            path.display(),
            MAX_FILE_BYTES / (1024 * 1024)
        ))
    };
    if file.metadata().map_err(cannot)?.len() > MAX_FILE_BYTES {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    // Bounded again while reading: the file may grow meanwhile.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big());
    }
    Ok(Some(bytes))
}

/// Whether `path` is a SPAKE2+ records file: its first line starts with
/// [`HEADER_PREFIX`]. A missing or empty file is not one. Reads at most one line.
pub fn is_pake_file(path: &Path) -> Result<bool, Fail> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => {
            return Err(Fail::new(format!(
                "cannot read {}: {e}; check the path and its permissions",
                path.display()
            )))
        }
    };
    let mut head = Vec::new();
    file.take(HEADER_PREFIX.len() as u64)
        .read_to_end(&mut head)
        .map_err(|e| Fail::new(format!("cannot read {}: {e}", path.display())))?;
    Ok(head == HEADER_PREFIX.as_bytes())
}

/// Percent-encodes a name (see the module documentation).
pub fn encode_field(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'%' | b':' | b'#' => out.push_str(&format!("%{b:02X}")),
            0x21..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decodes a percent-encoded name: `%XX`, printable ASCII other than `%`, `:` and `#`
/// as is, and non-ASCII UTF-8 as is. An error (what is wrong) otherwise.
pub fn decode_field(s: &str) -> Result<Vec<u8>, &'static str> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'%' => {
                let hi = b.get(i + 1).copied().and_then(hex_digit);
                let lo = b.get(i + 2).copied().and_then(hex_digit);
                let (Some(hi), Some(lo)) = (hi, lo) else {
                    return Err("a '%' not followed by two hex digits");
                };
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'#' => return Err("a raw '#' (write it %23)"),
            0x21..=0x7e | 0x80..=0xff => {
                out.push(c);
                i += 1;
            }
            _ => return Err("a space or control character (write it %XX)"),
        }
    }
    Ok(out)
}

fn encode_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn decode_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let b = s.as_bytes();
    if b.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    for (o, pair) in out.iter_mut().zip(b.chunks_exact(2)) {
        *o = hex_digit(pair[0])? << 4 | hex_digit(pair[1])?;
    }
    Some(out)
}

fn parse_record(path: &Path, n: usize, l: &str) -> Result<PakeEntry, Fail> {
    let f: Vec<&str> = l.split(':').collect();
    let [user, sid, w0, big_l] = f[..] else {
        return Err(corrupt(
            path,
            n,
            &format!(
                "expected username:server_identity:w0:L, found {} fields",
                f.len()
            ),
        ));
    };
    let ident = |s: &str, what: &str| -> Result<Vec<u8>, Fail> {
        let v = decode_field(s).map_err(|why| corrupt(path, n, &format!("bad {what}: {why}")))?;
        if v.is_empty() || v.len() > MAX_IDENTITY_LEN {
            return Err(corrupt(
                path,
                n,
                &format!(
                    "the {what} is {} bytes; it must be 1 to {MAX_IDENTITY_LEN}",
                    v.len()
                ),
            ));
        }
        Ok(v)
    };
    let username = String::from_utf8(ident(user, "username")?)
        .map_err(|_| corrupt(path, n, "the username is not UTF-8"))?;
    let server_identity = ident(sid, "server identity")?;
    let w0 = zeroize::Zeroizing::new(
        decode_hex::<SCALAR_LEN>(w0)
            .ok_or_else(|| corrupt(path, n, "bad w0 (64 hex digits expected)"))?,
    );
    let big_l = decode_hex::<RECORD_LEN>(big_l)
        .ok_or_else(|| corrupt(path, n, "bad L (130 hex digits expected)"))?;
    let record = VerifierRecord::from_bytes(&w0[..], &big_l).map_err(|_| {
        corrupt(
            path,
            n,
            "w0 or L is not a SPAKE2+ record (w0 a nonzero scalar below the P-256 order, L an uncompressed P-256 point)",
        )
    })?;
    Ok(PakeEntry {
        username,
        server_identity,
        record,
        line: n,
        raw: Some(l.to_owned()),
    })
}

/// Checks the header line: [`HEADER`], or an error (another version, or not this format).
fn check_header(path: &Path, first: &str) -> Result<(), Fail> {
    if first == HEADER {
        return Ok(());
    }
    match first.strip_prefix(HEADER_PREFIX) {
        Some(rest) => Err(Fail::new(format!(
            "{} line 1: a SPAKE2+ records file of another version ({:?}); this tls-srp reads only v1 (nothing was changed)",
            path.display(),
            rest.split(' ').next().unwrap_or("")
        ))),
        None => Err(Fail::new(format!(
            "{} is not a SPAKE2+ records file: its first line must be {HEADER:?} (create one with `tls-srp passwd add --pake --server-id NAME --file {} USER`)",
            path.display(),
            path.display()
        ))),
    }
}

impl PakeFile {
    /// Loads `path`. A missing or empty file gives an empty one (`existed` false), which
    /// [`Self::save`] creates with its header.
    pub fn load(path: &Path) -> Result<PakeFile, Fail> {
        let bytes = read_bounded(path)?.unwrap_or_default();
        Self::parse(path, &bytes)
    }

    /// Parses the bytes of a file; `path` names it in errors.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<PakeFile, Fail> {
        let mut file = PakeFile {
            path: path.to_path_buf(),
            lines: Vec::new(),
            existed: !bytes.is_empty(),
        };
        let mut raw_lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
        // A trailing newline gives one empty last element.
        if raw_lines.last().is_some_and(|l| l.is_empty()) {
            raw_lines.pop();
        }
        let mut seen: HashMap<(&str, &[u8]), usize> = HashMap::new();
        let mut entries = Vec::new();
        for (i, raw) in raw_lines.into_iter().enumerate() {
            let n = i + 1;
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            if raw.len() > MAX_LINE_BYTES {
                return Err(corrupt(
                    path,
                    n,
                    &format!(
                        "{} bytes long, more than the {MAX_LINE_BYTES} a line may have",
                        raw.len()
                    ),
                ));
            }
            let l = core::str::from_utf8(raw)
                .map_err(|_| corrupt(path, n, "not UTF-8 text"))?
                .to_owned();
            if n == 1 {
                check_header(path, &l)?;
                file.lines.push(Line::Header(l));
            } else if l.is_empty() || l.starts_with('#') {
                file.lines.push(Line::Other(l));
            } else {
                entries.push(file.lines.len());
                file.lines.push(Line::Record(parse_record(path, n, &l)?));
            }
        }
        for &at in &entries {
            if let Some(Line::Record(e)) = file.lines.get(at) {
                let key = (e.username.as_str(), e.server_identity.as_slice());
                if let Some(first) = seen.insert(key, e.line) {
                    return Err(corrupt(
                        path,
                        e.line,
                        &format!(
                            "user {:?} with server identity {} appears again (first on line {first})",
                            e.username,
                            shown(&e.server_identity)
                        ),
                    ));
                }
            }
        }
        Ok(file)
    }

    /// Every record, in file order.
    pub fn entries(&self) -> impl Iterator<Item = &PakeEntry> {
        self.lines.iter().filter_map(|l| match l {
            Line::Record(e) => Some(e),
            _ => None,
        })
    }

    /// The record of `username` for `server_identity`.
    pub fn find(&self, username: &str, server_identity: &[u8]) -> Option<&PakeEntry> {
        self.entries()
            .find(|e| e.username == username && e.server_identity == server_identity)
    }

    /// Every record of `username` (one per server identity).
    pub fn find_user<'a>(&'a self, username: &'a str) -> impl Iterator<Item = &'a PakeEntry> {
        self.entries().filter(move |e| e.username == username)
    }

    /// Adds the record of `username` for `server_identity`, or with `replace` replaces it
    /// (in place); an error if it exists otherwise, or a name is empty or too long.
    pub fn add(
        &mut self,
        username: &str,
        server_identity: &[u8],
        record: VerifierRecord,
        replace: bool,
    ) -> Result<(), Fail> {
        for (what, len) in [
            ("username", username.len()),
            ("server identity", server_identity.len()),
        ] {
            if len == 0 || len > MAX_IDENTITY_LEN {
                return Err(Fail::new(format!(
                    "the {what} is {len} bytes; it must be 1 to {MAX_IDENTITY_LEN}"
                )));
            }
        }
        let entry = PakeEntry {
            username: username.to_owned(),
            server_identity: server_identity.to_vec(),
            record,
            line: 0,
            raw: None,
        };
        let pos = self.lines.iter().position(|l| {
            matches!(l, Line::Record(e) if e.username == username && e.server_identity == server_identity)
        });
        match pos.and_then(|p| self.lines.get_mut(p)) {
            Some(_) if !replace => Err(Fail::new(format!(
                "user {username:?} already has a record for server identity {} in {}; use --replace to change the password, or `passwd delete` first",
                shown(server_identity),
                self.path.display()
            ))),
            Some(slot) => {
                *slot = Line::Record(entry);
                Ok(())
            }
            None => {
                self.lines.push(Line::Record(entry));
                Ok(())
            }
        }
    }

    /// Removes the records of `username`: the one for `server_identity`, or with `None`
    /// all of them. Returns the server identities removed; an error if there was none.
    pub fn delete(
        &mut self,
        username: &str,
        server_identity: Option<&[u8]>,
    ) -> Result<Vec<Vec<u8>>, Fail> {
        let mut removed = Vec::new();
        self.lines.retain(|l| match l {
            Line::Record(e)
                if e.username == username
                    && server_identity.is_none_or(|s| s == e.server_identity) =>
            {
                removed.push(e.server_identity.clone());
                false
            }
            _ => true,
        });
        if removed.is_empty() {
            let which = match server_identity {
                Some(s) => format!(" for server identity {}", shown(s)),
                None => String::new(),
            };
            return Err(Fail::new(format!(
                "no record of user {username:?}{which} in {}; see `tls-srp passwd list --file {}`",
                self.path.display(),
                self.path.display()
            )));
        }
        Ok(removed)
    }

    /// The file's text: the header first (a new file also gets a comment naming the
    /// fields), then every line.
    pub fn render(&self) -> String {
        let mut s = String::new();
        if !matches!(self.lines.first(), Some(Line::Header(_))) {
            s.push_str(HEADER);
            s.push('\n');
            s.push_str(FIELDS_COMMENT);
            s.push('\n');
        }
        for l in &self.lines {
            match l {
                Line::Header(raw) | Line::Other(raw) => s.push_str(raw),
                Line::Record(PakeEntry { raw: Some(raw), .. }) => s.push_str(raw),
                Line::Record(e) => s.push_str(&format!(
                    "{}:{}:{}:{}",
                    encode_field(e.username.as_bytes()),
                    encode_field(&e.server_identity),
                    encode_hex(&e.record.w0),
                    encode_hex(&e.record.l)
                )),
            }
            s.push('\n');
        }
        s
    }

    /// Writes the file atomically (temp file, fsync, rename), keeping an existing file's
    /// owner, group and mode (new files: mode 0600). Call it holding the
    /// [`super::FileLock`]: it also removes the temp files of writers that died mid-write.
    pub fn save(&mut self) -> Result<(), Fail> {
        write::remove_stale_temps(&self.path);
        let text = zeroize::Zeroizing::new(self.render());
        write::atomic_write(&self.path, text.as_bytes())?;
        self.existed = true;
        Ok(())
    }

    /// The records as the store serves them, prepared ([`PreparedRecord`]: about 30 µs a
    /// record, so a first load of 10 000 records takes about a third of a second). A record
    /// `previous` already holds, unchanged, is taken from it rather than prepared again, so
    /// a reload after a one-line change prepares one record.
    fn records(&self, previous: &Records) -> Records {
        self.entries()
            .filter_map(|e| {
                let key = (e.username.clone(), e.server_identity.clone());
                let unchanged = previous.get(&key).filter(|p| {
                    let (old, new) = (p.record(), &e.record);
                    old.w0 == new.w0 && old.l == new.l
                });
                let prepared = match unchanged {
                    Some(p) => Arc::clone(p),
                    // Parsed records are valid (VerifierRecord::from_bytes): none is dropped.
                    None => Arc::new(PreparedRecord::new(e.record.clone()).ok()?),
                };
                Some((key, prepared))
            })
            .collect()
    }
}

/// By (username, server identity).
type Records = HashMap<(String, Vec<u8>), Arc<PreparedRecord>>;

/// What a (re)load of a [`PakeFileStore`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PakeLoadReport {
    /// Records served.
    pub records: usize,
    /// Records per server identity (a server answers only those of its own).
    pub by_server_identity: Vec<(Vec<u8>, usize)>,
}

impl PakeLoadReport {
    /// Records for `server_identity`.
    pub fn records_for(&self, server_identity: &[u8]) -> usize {
        self.by_server_identity
            .iter()
            .find(|(s, _)| s == server_identity)
            .map_or(0, |(_, n)| *n)
    }
}

struct Loaded {
    records: Arc<Records>,
    stamp: Stamp,
    failed: Option<Fail>,
}

/// A [`UserStore`] over a SPAKE2+ records file: [`UserStore::lookup_pake`] answers from it,
/// [`UserStore::lookup`] never (it has no SRP users; see [`CombinedUserStore`] to serve
/// both). Reloads as [`super::FileUserStore`] does, and like it **fails closed**: after a
/// failed reload no record is served (every PAKE login fails like a wrong password) until
/// the file reads again.
pub struct PakeFileStore {
    path: PathBuf,
    loaded: RwLock<Loaded>,
}

impl core::fmt::Debug for PakeFileStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PakeFileStore")
            .field("path", &self.path)
            .field("records", &self.len())
            .field("failed", &self.last_error())
            .finish()
    }
}

impl PakeFileStore {
    /// Loads `path`: an error if it is missing, unreadable, not a SPAKE2+ records file, or
    /// corrupt (naming the line).
    pub fn open(path: &Path) -> Result<(Self, PakeLoadReport), Fail> {
        let store = Self {
            path: path.to_path_buf(),
            loaded: RwLock::new(Loaded {
                records: Arc::default(),
                stamp: None,
                failed: None,
            }),
        };
        let report = store.reload()?;
        Ok((store, report))
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the file again: the new records replace the old ones, or on failure none is
    /// served until a reload succeeds.
    pub fn reload(&self) -> Result<PakeLoadReport, Fail> {
        // Stamped before reading: a change made while reading triggers another reload.
        let stamp = stamp(&self.path);
        let previous = match self.loaded.read() {
            Ok(l) => Arc::clone(&l.records),
            Err(_) => Arc::default(),
        };
        let result = load_store(&self.path, &previous);
        drop(previous);
        let mut w = self
            .loaded
            .write()
            .map_err(|_| Fail::new("the record table's lock is poisoned".into()))?;
        w.stamp = stamp;
        match result {
            Ok((records, report)) => {
                w.records = Arc::new(records);
                w.failed = None;
                Ok(report)
            }
            Err(e) => {
                w.records = Arc::default();
                w.failed = Some(e.clone());
                Err(e)
            }
        }
    }

    /// Reloads if the file changed since the last (re)load (modification or change time,
    /// size, inode), or if the last one failed. `None` when nothing was done. Cheap: call
    /// it every second.
    pub fn reload_if_changed(&self) -> Option<Result<PakeLoadReport, Fail>> {
        let (seen, failed) = match self.loaded.read() {
            Ok(l) => (l.stamp, l.failed.is_some()),
            Err(_) => return None,
        };
        if seen == stamp(&self.path) && !failed {
            return None;
        }
        Some(self.reload())
    }

    /// Why the last reload failed, while no record is served.
    pub fn last_error(&self) -> Option<Fail> {
        self.loaded.read().ok()?.failed.clone()
    }

    /// Records served now.
    pub fn len(&self) -> usize {
        self.loaded.read().map(|l| l.records.len()).unwrap_or(0)
    }

    /// Whether no record is served.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn load_store(path: &Path, previous: &Records) -> Result<(Records, PakeLoadReport), Fail> {
    let Some(bytes) = read_bounded(path)? else {
        return Err(Fail::new(format!(
            "{} does not exist; create it with `tls-srp passwd add --pake --server-id NAME --file {} USER`",
            path.display(),
            path.display()
        )));
    };
    let file = PakeFile::parse(path, &bytes)?;
    if !file.existed {
        // Empty: say what it should be rather than serve nothing silently.
        check_header(path, "")?;
    }
    let mut by_sid: Vec<(Vec<u8>, usize)> = Vec::new();
    for e in file.entries() {
        match by_sid.iter_mut().find(|(s, _)| *s == e.server_identity) {
            Some((_, n)) => *n += 1,
            None => by_sid.push((e.server_identity.clone(), 1)),
        }
    }
    let report = PakeLoadReport {
        records: file.entries().count(),
        by_server_identity: by_sid,
    };
    Ok((file.records(previous), report))
}

impl UserStore for PakeFileStore {
    fn lookup(&self, _username: &str) -> Option<UserRecord> {
        None
    }

    fn lookup_pake(&self, username: &str, server_identity: &[u8]) -> Option<VerifierRecord> {
        self.lookup_pake_prepared(username, server_identity)
            .map(|p| p.record().clone())
    }

    fn lookup_pake_prepared(
        &self,
        username: &str,
        server_identity: &[u8],
    ) -> Option<Arc<PreparedRecord>> {
        let records = Arc::clone(&self.loaded.read().ok()?.records);
        let key = (username.to_owned(), server_identity.to_vec());
        crate::server::lookup_prepared_in(&records, &key)
    }

    fn pake_records_prepared(&self) -> bool {
        true
    }
}

/// Registration over TLS-SRP ([`crate::pake::migrate`]) writes to the file: under the
/// directory lock (as `tls-srp passwd` takes it), read, add, write atomically, then reload
/// so the record is served at once.
impl crate::pake::migrate::PakeRegistrar for PakeFileStore {
    fn register_pake(
        &self,
        username: &str,
        server_identity: &[u8],
        record: VerifierRecord,
        replace: bool,
    ) -> Result<bool, crate::pake::migrate::MigrationError> {
        use crate::pake::migrate::MigrationError;
        let store = |e: Fail| MigrationError::Store(e.to_string());
        let _lock = super::FileLock::acquire(&self.path).map_err(store)?;
        let mut file = PakeFile::load(&self.path).map_err(store)?;
        let exists = file.find(username, server_identity).is_some();
        if exists && !replace {
            return Err(MigrationError::AlreadyRegistered);
        }
        file.add(username, server_identity, record, replace)
            .map_err(store)?;
        file.save().map_err(store)?;
        self.reload().map_err(store)?;
        Ok(exists)
    }
}

/// Two stores as one: TLS-SRP users from `srp` ([`UserStore::lookup`],
/// [`UserStore::lookup_deferred`] and [`UserStore::record_shapes`], so that unknown SRP
/// users look like its users), TLS 1.3 PAKE records from `pake`
/// ([`UserStore::lookup_pake`]). For a server that takes both kinds of client on one port
/// from, say, a verifier file (or a database) and a [`PakeFileStore`].
pub struct CombinedUserStore {
    srp: Arc<dyn UserStore>,
    pake: Arc<dyn UserStore>,
}

impl core::fmt::Debug for CombinedUserStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CombinedUserStore").finish_non_exhaustive()
    }
}

impl CombinedUserStore {
    /// SRP users from `srp`, PAKE records from `pake`.
    pub fn new(srp: Arc<dyn UserStore>, pake: Arc<dyn UserStore>) -> Self {
        Self { srp, pake }
    }
}

impl UserStore for CombinedUserStore {
    fn lookup(&self, username: &str) -> Option<UserRecord> {
        self.srp.lookup(username)
    }

    fn lookup_deferred(&self, username: &str) -> Lookup {
        self.srp.lookup_deferred(username)
    }

    fn record_shapes(&self) -> Option<Arc<RecordShapes>> {
        self.srp.record_shapes()
    }

    fn lookup_pake(&self, username: &str, server_identity: &[u8]) -> Option<VerifierRecord> {
        self.pake.lookup_pake(username, server_identity)
    }

    fn lookup_pake_prepared(
        &self,
        username: &str,
        server_identity: &[u8],
    ) -> Option<Arc<PreparedRecord>> {
        self.pake.lookup_pake_prepared(username, server_identity)
    }

    fn pake_records_prepared(&self) -> bool {
        self.pake.pake_records_prepared()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pake::ProverKeys;

    /// A valid record without scrypt: w0 = 1 + seed, w1 = 2 + seed.
    fn record(seed: u8) -> VerifierRecord {
        let mut w0 = [0u8; 32];
        let mut w1 = [0u8; 32];
        w0[31] = 1 + seed;
        w1[31] = 2 + seed;
        ProverKeys::from_bytes(&w0, &w1).unwrap().record()
    }

    fn tmp(tag: &str) -> PathBuf {
        let mut r = [0u8; 8];
        getrandom::fill(&mut r).unwrap();
        let d = std::env::temp_dir().join(format!("tls-srp-pake-{tag}-{}", encode_hex(&r)));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn parse(text: &str) -> Result<PakeFile, Fail> {
        PakeFile::parse(Path::new("f"), text.as_bytes())
    }

    #[test]
    fn field_encoding_round_trips_every_byte() {
        let all: Vec<u8> = (0..=255u8).collect();
        let enc = encode_field(&all);
        assert!(!enc.contains([':', '#', ' ', '\n', '\r', '\t']));
        assert_eq!(decode_field(&enc).unwrap(), all);
        assert_eq!(encode_field(b"a:b%c#d e"), "a%3Ab%25c%23d%20e");
        assert_eq!(encode_field("josé".as_bytes()), "jos%C3%A9");
        // Readers also take raw UTF-8 and lower-case escapes.
        assert_eq!(decode_field("josé").unwrap(), "josé".as_bytes());
        assert_eq!(decode_field("a%3ab").unwrap(), b"a:b");
        for bad in ["a b", "a\tb", "%", "%4", "%zz", "#x", "a\u{7f}"] {
            assert!(decode_field(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn round_trip_with_odd_names() {
        let names = [
            "alice",
            "bob:jr",
            "#hash",
            "100%",
            "with space",
            "new\nline",
            "tab\there",
            "名前",
            "\u{202e}rtl",
            "cr\r",
        ];
        let mut f = parse("").unwrap();
        assert!(!f.existed);
        for (i, n) in names.iter().enumerate() {
            let sid = format!("server:{i}#x y");
            f.add(n, sid.as_bytes(), record(i as u8), false).unwrap();
        }
        let text = f.render();
        assert!(text.starts_with(&format!("{HEADER}\n")));
        // One line per record, plus the header and the fields comment.
        assert_eq!(text.lines().count(), names.len() + 2, "{text}");
        let g = parse(&text).unwrap();
        let got: Vec<&PakeEntry> = g.entries().collect();
        assert_eq!(got.len(), names.len());
        for (i, (e, n)) in got.iter().zip(names).enumerate() {
            assert_eq!(e.username, n);
            assert_eq!(e.server_identity, format!("server:{i}#x y").as_bytes());
            assert_eq!(e.record.w0, record(i as u8).w0);
            assert_eq!(e.record.l, record(i as u8).l);
            assert_eq!(e.line, i + 3);
        }
        // Written back byte for byte, comments and all.
        let with_comment =
            text.replace(&format!("{FIELDS_COMMENT}\n"), "# a comment\n\n# another\n");
        assert_eq!(parse(&with_comment).unwrap().render(), with_comment);
        // Lower-case hex, as documented.
        let line = text.lines().nth(2).unwrap();
        let hexes: Vec<&str> = line.rsplitn(3, ':').take(2).collect();
        assert!(hexes
            .iter()
            .all(|h| h.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))));
    }

    #[test]
    fn add_replace_delete() {
        let mut f = parse("").unwrap();
        f.add("alice", b"s1", record(1), false).unwrap();
        f.add("alice", b"s2", record(2), false).unwrap();
        f.add("bob", b"s1", record(3), false).unwrap();
        let e = f.add("alice", b"s1", record(4), false).unwrap_err();
        assert!(e.message().contains("already has a record"), "{e}");
        f.add("alice", b"s1", record(4), true).unwrap();
        assert_eq!(f.find("alice", b"s1").unwrap().record.w0, record(4).w0);
        // Replaced in place.
        assert_eq!(f.entries().next().unwrap().server_identity, b"s1");
        assert_eq!(f.find_user("alice").count(), 2);
        assert_eq!(
            f.delete("alice", Some(b"s2")).unwrap(),
            vec![b"s2".to_vec()]
        );
        assert!(f.delete("alice", Some(b"s2")).is_err());
        assert_eq!(f.delete("alice", None).unwrap(), vec![b"s1".to_vec()]);
        assert!(f.delete("alice", None).is_err());
        assert_eq!(f.entries().count(), 1);
        assert!(f.add("", b"s", record(1), false).is_err());
        assert!(f.add("a", b"", record(1), false).is_err());
        let long = "x".repeat(MAX_IDENTITY_LEN + 1);
        assert!(f.add(&long, b"s", record(1), false).is_err());
        f.add(&long[1..], &long.as_bytes()[1..], record(1), false)
            .unwrap();
        // The longest names still fit in a line.
        assert_eq!(parse(&f.render()).unwrap().entries().count(), 2);
    }

    #[test]
    fn bad_lines_name_their_number() {
        let mut f = parse("").unwrap();
        f.add("alice", b"s", record(1), false).unwrap();
        let good = f.render();
        let good_line = good.lines().nth(2).unwrap().to_owned();
        let (w0, l) = (encode_hex(&record(1).w0), encode_hex(&record(1).l));
        let cases: Vec<(String, &str)> = vec![
            ("alice:s:00".into(), "found 3 fields"),
            (format!("alice:s:{w0}:{l}:x"), "found 5 fields"),
            (format!(":s:{w0}:{l}"), "username is 0 bytes"),
            (
                format!("a:{}:{w0}:{l}", "x".repeat(1025)),
                "server identity is 1025",
            ),
            (format!("a b:s:{w0}:{l}"), "bad username"),
            (format!("a:s%:{w0}:{l}"), "bad server identity"),
            (format!("%FF:s:{w0}:{l}"), "not UTF-8"),
            (format!("a:s:{}:{l}", &w0[1..]), "bad w0"),
            (format!("a:s:{w0}:{}", &l[2..]), "bad L"),
            (format!("a:s:{w0}:{l} "), "bad L"),
            (
                format!("a:s:{}:{l}", "0".repeat(64)),
                "not a SPAKE2+ record",
            ),
            (
                format!("a:s:{}:{l}", "f".repeat(64)),
                "not a SPAKE2+ record",
            ),
            (
                format!("a:s:{w0}:04{}", "00".repeat(64)),
                "not a SPAKE2+ record",
            ),
            (good_line.clone(), "appears again (first on line 3)"),
            ("x".repeat(MAX_LINE_BYTES + 1), "more than the 8192"),
        ];
        for (line, want) in cases {
            let text = format!("{good}# comment\n{line}\n");
            let e = parse(&text)
                .err()
                .unwrap_or_else(|| panic!("{line:?} parsed"));
            let m = e.message();
            assert!(m.starts_with("f line 5: "), "{line:?}: {m}");
            assert!(m.contains(want), "{line:?}: {m}");
            assert!(!m.contains('\n'), "{m}");
        }
        // Not UTF-8.
        let mut bytes = good.clone().into_bytes();
        bytes.extend_from_slice(b"\xff\n");
        let e = PakeFile::parse(Path::new("f"), &bytes).err().unwrap();
        assert!(e.message().starts_with("f line 4: not UTF-8"), "{e}");
        // Upper-case hex and CRLF are read.
        let upper = format!("{HEADER}\r\nalice:s:{}:{}\r\n", w0.to_uppercase(), l);
        assert_eq!(parse(&upper).unwrap().entries().count(), 1);
    }

    #[test]
    fn header_is_required_and_versioned() {
        let e = parse("alice:s:00:00\n").err().unwrap();
        assert!(e.message().contains("is not a SPAKE2+ records file"), "{e}");
        let e = parse("# tls-srp SPAKE2+ records v2 (future)\n")
            .err()
            .unwrap();
        assert!(e.message().contains("another version (\"v2\")"), "{e}");
        assert!(parse(&format!("{HEADER}\n")).unwrap().existed);
    }

    #[test]
    fn file_size_is_bounded_and_detection_reads_the_header() {
        let d = tmp("bounds");
        let p = d.join("big");
        let f = std::fs::File::create(&p).unwrap();
        f.set_len(MAX_FILE_BYTES + 1).unwrap();
        let e = PakeFile::load(&p).err().unwrap();
        assert!(e.message().contains("larger than 128 MiB"), "{e}");
        assert!(!is_pake_file(&p).unwrap());
        let q = d.join("records");
        let mut pf = PakeFile::load(&q).unwrap();
        assert!(!pf.existed && !is_pake_file(&q).unwrap());
        pf.add("alice", b"s", record(1), false).unwrap();
        pf.save().unwrap();
        assert!(is_pake_file(&q).unwrap());
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&q).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // Mode kept on rewrite.
        std::fs::set_permissions(&q, std::fs::Permissions::from_mode(0o640)).unwrap();
        let mut pf = PakeFile::load(&q).unwrap();
        pf.add("bob", b"s", record(2), false).unwrap();
        pf.save().unwrap();
        let mode = std::fs::metadata(&q).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        // An SRP file is not one, and VFile refuses a PAKE file by name.
        let v = d.join("srpv");
        std::fs::write(&v, "V\tabc\tdef\talice\t2048\t\n").unwrap();
        assert!(!is_pake_file(&v).unwrap());
        let e = super::super::VFile::load(&q, None, None).err().unwrap();
        assert!(e.message().contains("SPAKE2+ records file"), "{e}");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn records_are_served_prepared_and_a_reload_prepares_only_what_changed() {
        let d = tmp("prepared");
        let p = d.join("records");
        let mut pf = PakeFile::load(&p).unwrap();
        pf.add("alice", b"s1", record(1), false).unwrap();
        pf.add("bob", b"s1", record(2), false).unwrap();
        pf.save().unwrap();
        let (store, _) = PakeFileStore::open(&p).unwrap();
        assert!(store.pake_records_prepared());
        let alice = store.lookup_pake_prepared("alice", b"s1").unwrap();
        let bob = store.lookup_pake_prepared("bob", b"s1").unwrap();
        assert_eq!(alice.record().l, record(1).l);
        assert!(store.lookup_pake_prepared("alice", b"s2").is_none());

        // Bob's record changes, Alice's does not: hers is kept, his prepared anew.
        let mut pf = PakeFile::load(&p).unwrap();
        pf.add("bob", b"s1", record(3), true).unwrap();
        pf.save().unwrap();
        store.reload().unwrap();
        let alice2 = store.lookup_pake_prepared("alice", b"s1").unwrap();
        let bob2 = store.lookup_pake_prepared("bob", b"s1").unwrap();
        assert!(Arc::ptr_eq(&alice, &alice2));
        assert!(!Arc::ptr_eq(&bob, &bob2));
        assert_eq!(bob2.record().w0, record(3).w0);
        // Through a combined store as well.
        let both =
            CombinedUserStore::new(Arc::new(crate::InMemoryUserStore::new()), Arc::new(store));
        assert!(both.pake_records_prepared());
        assert!(Arc::ptr_eq(
            &both.lookup_pake_prepared("alice", b"s1").unwrap(),
            &alice
        ));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn store_serves_reloads_and_fails_closed() {
        let d = tmp("store");
        let p = d.join("records");
        let mut pf = PakeFile::load(&p).unwrap();
        pf.add("alice", b"s1", record(1), false).unwrap();
        pf.add("alice", b"s2", record(2), false).unwrap();
        pf.save().unwrap();
        let (store, report) = PakeFileStore::open(&p).unwrap();
        assert_eq!(report.records, 2);
        assert_eq!(report.records_for(b"s1"), 1);
        assert_eq!(report.records_for(b"s3"), 0);
        assert!(store.lookup("alice").is_none());
        assert_eq!(store.lookup_pake("alice", b"s2").unwrap().w0, record(2).w0);
        assert!(store.lookup_pake("alice", b"s3").is_none());
        assert!(store.lookup_pake("bob", b"s1").is_none());
        assert!(store.reload_if_changed().is_none());

        // A corrupt file: nothing served until it reads again.
        let good = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, format!("{good}broken\n")).unwrap();
        let e = store.reload_if_changed().unwrap().unwrap_err();
        assert!(e.message().contains("records line 5: "), "{e}");
        assert!(store.lookup_pake("alice", b"s1").is_none());
        assert!(store.last_error().is_some());
        std::fs::write(&p, &good).unwrap();
        assert!(store.reload_if_changed().unwrap().is_ok());
        assert!(store.lookup_pake("alice", b"s1").is_some());

        // Missing, empty or not a records file: an error at open.
        assert!(PakeFileStore::open(&d.join("missing")).is_err());
        std::fs::write(d.join("empty"), "").unwrap();
        assert!(PakeFileStore::open(&d.join("empty")).is_err());

        // Combined with an SRP store.
        let srp = Arc::new(crate::InMemoryUserStore::new());
        srp.add_user("carol", b"pw", crate::SrpGroup::by_bits(2048).unwrap())
            .unwrap();
        let both = CombinedUserStore::new(srp, Arc::new(store));
        assert!(both.lookup("carol").is_some());
        assert!(both.lookup("alice").is_none());
        assert!(both.lookup_pake("alice", b"s1").is_some());
        assert!(both.lookup_pake("carol", b"s1").is_none());
        assert_eq!(both.record_shapes().unwrap().len(), 1);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn check_password_recomputes() {
        let (_, rec) = crate::pake::register(b"right", b"alice", b"srv");
        let mut f = parse("").unwrap();
        f.add("alice", b"srv", rec, false).unwrap();
        let e = f.find("alice", b"srv").unwrap();
        assert!(e.check_password(b"right"));
        assert!(!e.check_password(b"wrong"));
    }
}
