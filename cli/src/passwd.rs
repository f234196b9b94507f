//! `tls-srp passwd add|delete|list|verify|convert`, over the library's verifier files
//! (`tls_srp::vfile`) and SPAKE2+ records files (`tls_srp::vfile::pake`, TLS 1.3 PAKE).

use std::io::BufRead;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use tls_srp::SrpGroup;
use zeroize::Zeroizing;

use tls_srp::vfile::pake::{is_pake_file, shown, MAX_IDENTITY_LEN};
use tls_srp::vfile::{bit_len, FileLock, Format, GroupRef, PakeFile, VFile, VFileError};

use crate::Fail;

impl From<VFileError> for Fail {
    fn from(e: VFileError) -> Fail {
        Fail::new(e.to_string())
    }
}

/// The two file formats, as command-line values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// `openssl srp -srpvfile`: `V|R|I <TAB> verifier <TAB> salt <TAB> user <TAB> group <TAB> info`.
    Openssl,
    /// GnuTLS `srptool`: `user:verifier:salt:index` plus `index:N:g` in the conf file.
    Gnutls,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Openssl => Format::Openssl,
            FormatArg::Gnutls => Format::Gnutls,
        }
    }
}

#[derive(Subcommand)]
pub enum PasswdCmd {
    /// Add a user (prompts twice for the password without echo). A user revoked by `delete`
    /// in an OpenSSL file is re-activated with its old verifier, as `openssl srp -add` does.
    /// With --pake (or on a SPAKE2+ records file), a TLS 1.3 PAKE record for --server-id.
    #[command(
        after_help = "Examples:\n  tls-srp passwd add --file users.srpv alice\n  echo 'long passphrase' | tls-srp passwd add --file tpasswd --format gnutls --password-stdin alice\n  tls-srp passwd add --file users.pake --pake --server-id files.example alice   # TLS 1.3 PAKE (experimental)"
    )]
    Add {
        #[command(flatten)]
        common: Common,
        /// SRP group size in bits: 1024, 1536, 2048, 3072, 4096, 6144 or 8192 (default 2048;
        /// not for --pake, whose records are on P-256).
        #[arg(long)]
        group: Option<u32>,
        /// Allow the 1024- and 1536-bit groups (too weak for new deployments).
        #[arg(long)]
        allow_weak_group: bool,
        /// Read the password from the first line of stdin.
        #[arg(long)]
        password_stdin: bool,
        /// Replace an existing user's verifier instead of failing.
        #[arg(long)]
        replace: bool,
        /// No warning for a weak password (for scripts that choose their own).
        #[arg(long)]
        quiet: bool,
    },
    /// Delete a user: OpenSSL files mark it revoked (an `R` record, as `openssl srp -delete`
    /// does; `passwd add` re-activates it), GnuTLS files lose its line. SPAKE2+ records
    /// files lose the user's records (only the one for --server-id, if given).
    #[command(
        after_help = "Examples:\n  tls-srp passwd delete --file users.srpv alice\n  tls-srp passwd delete --file users.pake --server-id files.example alice"
    )]
    Delete {
        #[command(flatten)]
        common: Common,
    },
    /// List users, groups and formats (never secrets); for a SPAKE2+ records file, users and
    /// server identities.
    #[command(
        after_help = "Examples:\n  tls-srp passwd list --file users.srpv\n  tls-srp passwd list --file users.pake"
    )]
    List {
        /// Verifier file or SPAKE2+ records file (detected).
        #[arg(long, required_unless_present = "store", conflicts_with = "store")]
        file: Option<PathBuf>,
        /// PostgreSQL store instead of a file: postgres://USER:PASSWORD@HOST:PORT/DB (or the
        /// TLS_SRP_STORE environment variable, which keeps the password out of `ps`).
        #[arg(long, env = "TLS_SRP_STORE", hide_env_values = true)]
        store: Option<String>,
        /// File format (detected from an existing file).
        #[arg(long, value_enum)]
        format: Option<FormatArg>,
        /// GnuTLS tpasswd.conf (default FILE.conf).
        #[arg(long)]
        conf: Option<PathBuf>,
    },
    /// Convert a verifier file to the other format (or copy it), keeping every verifier:
    /// every password goes on working. Refuses, writing nothing, users the target format
    /// cannot hold (revoked users and ':' in names for GnuTLS, salts with a leading zero
    /// byte for OpenSSL, custom groups).
    #[command(
        after_help = "Examples:\n  tls-srp passwd convert --file users.srpv --to tpasswd --format gnutls\n  tls-srp passwd convert --file tpasswd --conf tpasswd.conf --to users.srpv --format openssl"
    )]
    Convert {
        /// The file to read (format detected).
        #[arg(long)]
        file: PathBuf,
        /// Its GnuTLS tpasswd.conf (default FILE.conf).
        #[arg(long)]
        conf: Option<PathBuf>,
        /// The file to write; it must not exist.
        #[arg(long, value_name = "OUT")]
        to: PathBuf,
        /// The format of OUT.
        #[arg(long, value_enum)]
        format: FormatArg,
        /// OUT's GnuTLS tpasswd.conf (default OUT.conf; an existing one is reused and
        /// completed).
        #[arg(long, value_name = "CONF")]
        to_conf: Option<PathBuf>,
        /// Leave revoked users out (GnuTLS files cannot mark a user revoked).
        #[arg(long)]
        skip_revoked: bool,
    },
    /// Check a password against the stored verifier (or SPAKE2+ record): exit 0 if it
    /// matches, 1 if not, 2 for any other error (no such user, unreadable file, bad
    /// arguments).
    #[command(
        after_help = "Examples:\n  echo 'long passphrase' | tls-srp passwd verify --file users.srpv --password-stdin alice\n  tls-srp passwd verify --file users.pake --server-id files.example alice"
    )]
    Verify {
        #[command(flatten)]
        common: Common,
        /// Read the password from the first line of stdin.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Copy every user of an OpenSSL or GnuTLS verifier file into a PostgreSQL store, with
    /// its verifier, salt and group (every password goes on working); revoked users stay
    /// revoked. All or nothing.
    #[command(
        after_help = "Example:\n  TLS_SRP_STORE=postgres://tlssrp:secret@127.0.0.1/tlssrp tls-srp passwd import --file users.srpv"
    )]
    Import {
        /// The file to read (format detected).
        #[arg(long)]
        file: PathBuf,
        /// Its GnuTLS tpasswd.conf (default FILE.conf).
        #[arg(long)]
        conf: Option<PathBuf>,
        /// The store: postgres://USER:PASSWORD@HOST:PORT/DB (or TLS_SRP_STORE).
        #[arg(long, env = "TLS_SRP_STORE", hide_env_values = true)]
        store: String,
        /// Overwrite users the store already has (they are left alone by default).
        #[arg(long)]
        replace: bool,
    },
}

#[derive(Args)]
pub struct Common {
    /// Verifier file, or SPAKE2+ records file (detected by its header line).
    #[arg(long, required_unless_present = "store", conflicts_with = "store")]
    file: Option<PathBuf>,
    /// PostgreSQL store instead of a file: postgres://USER:PASSWORD@HOST:PORT/DB (or the
    /// TLS_SRP_STORE environment variable, which keeps the password out of `ps`).
    #[arg(long, env = "TLS_SRP_STORE", hide_env_values = true)]
    store: Option<String>,
    /// File format: openssl (srpvfile) or gnutls (tpasswd); detected from an existing file,
    /// a new file defaults to openssl.
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// GnuTLS tpasswd.conf (default FILE.conf).
    #[arg(long)]
    conf: Option<PathBuf>,
    /// TLS 1.3 PAKE (SPAKE2+, draft-ietf-tls-pake; experimental): FILE holds SPAKE2+
    /// records (`username:server_identity:w0:L`, cli/README.md) instead of SRP verifiers.
    /// Needed to create such a file; an existing one is detected. File-only for now.
    #[arg(long)]
    pake: bool,
    /// With a SPAKE2+ records file: the server identity the record is bound to, the name
    /// `tls-srp serve --server-id` uses (required by `add`; picks one record for `delete`
    /// and `verify` when the user has several).
    #[arg(long, value_name = "NAME")]
    server_id: Option<String>,
    /// Username (UTF-8, 1 to 255 bytes).
    #[arg(value_parser = clap::builder::OsStringValueParser::new())]
    user: std::ffi::OsString,
}

/// Whether the command works on a SPAKE2+ records file: `--pake`, `--server-id`, or the
/// file's header says so. PAKE records are file-only (no `--store`), in their own format
/// (no `--format`, `--conf`).
fn pake_mode(common: &Common) -> Result<bool, Fail> {
    let file_is_pake = match &common.file {
        Some(f) => is_pake_file(f)?,
        None => false,
    };
    if !(common.pake || common.server_id.is_some() || file_is_pake) {
        return Ok(false);
    }
    if common.store.is_some() {
        return Err(Fail::new(
            "PAKE records are file-only for now: --pake and --server-id cannot be used with --store (or TLS_SRP_STORE); give --file FILE".into(),
        ));
    }
    if common.format.is_some() || common.conf.is_some() {
        return Err(Fail::new(
            "--format and --conf are for SRP verifier files, not SPAKE2+ records files; drop them"
                .into(),
        ));
    }
    Ok(true)
}

/// `--server-id`, checked.
fn server_id(common: &Common) -> Result<Option<&str>, Fail> {
    match common.server_id.as_deref() {
        Some(s) if s.is_empty() || s.len() > MAX_IDENTITY_LEN => Err(Fail::new(format!(
            "--server-id must be 1 to {MAX_IDENTITY_LEN} bytes"
        ))),
        s => Ok(s),
    }
}

/// A SPAKE2+ records file that must exist.
fn load_pake(file: &Path) -> Result<PakeFile, Fail> {
    let pf = PakeFile::load(file)?;
    if !pf.existed {
        return Err(Fail::new(format!(
            "{} does not exist; create it with `tls-srp passwd add --pake --server-id NAME --file {} USER`",
            file.display(),
            file.display()
        )));
    }
    Ok(pf)
}

/// A name for a line of `list`: as it is, or escaped if it holds control characters.
fn listed(name: &str) -> String {
    match name.chars().any(char::is_control) {
        true => format!("{name:?}"),
        false => name.to_owned(),
    }
}

/// `passwd add --pake`: registers the password for (USER, --server-id) with scrypt and
/// writes the record.
fn pake_add(
    common: &Common,
    group: Option<u32>,
    password_stdin: bool,
    replace: bool,
    quiet: bool,
) -> Result<(), Fail> {
    let file = file_of(&common.file)?;
    if group.is_some() {
        return Err(Fail::new(
            "--group is for SRP verifiers; SPAKE2+ records are on P-256: drop --group".into(),
        ));
    }
    let sid = server_id(common)?.ok_or_else(|| {
        Fail::new(
            "--pake needs --server-id NAME: the server identity the record is bound to (the name `tls-srp serve --server-id` uses; a record made for another name does not log in)".into(),
        )
    })?;
    let user = check_user(&common.user, Format::Openssl)?;
    // Check the name and the file before asking for a password.
    let existing = PakeFile::load(file)?;
    if !existing.existed && !common.pake {
        return Err(Fail::new(format!(
            "{} is not a SPAKE2+ records file yet: add --pake to create it (--server-id alone is for records files)",
            file.display()
        )));
    }
    if !replace && existing.find(&user, sid.as_bytes()).is_some() {
        return Err(Fail::new(format!(
            "user {user:?} already has a record for server identity {sid:?} in {}; use --replace to change the password",
            file.display()
        )));
    }
    let pw = read_password(password_stdin, true)?;
    // scrypt (about 100 ms, 32 MiB): before taking the lock.
    let (_, record) = tls_srp::pake::register(pw.as_bytes(), user.as_bytes(), sid.as_bytes());
    let _lock = FileLock::acquire(file)?;
    let mut pf = PakeFile::load(file)?;
    pf.add(&user, sid.as_bytes(), record, replace)?;
    pf.save()?;
    if !quiet {
        if let Some(w) = weak_password_warning(&user, &pw) {
            eprintln!("tls-srp: {w}");
        }
    }
    eprintln!(
        "added {user:?} for server identity {sid:?} to {} (SPAKE2+ records, TLS 1.3 PAKE, experimental)",
        file.display()
    );
    Ok(())
}

/// `passwd delete` on a SPAKE2+ records file: the user's record for `--server-id`, or all
/// of the user's records.
fn pake_delete(common: &Common) -> Result<(), Fail> {
    let file = file_of(&common.file)?;
    let sid = server_id(common)?;
    let user = check_user(&common.user, Format::Openssl)?;
    load_pake(file)?;
    let _lock = FileLock::acquire(file)?;
    let mut pf = load_pake(file)?;
    let removed = pf.delete(&user, sid.map(str::as_bytes))?;
    pf.save()?;
    let sids: Vec<String> = removed.iter().map(|s| shown(s)).collect();
    eprintln!(
        "removed {user:?} (server identity {}) from {}",
        sids.join(", "),
        file.display()
    );
    Ok(())
}

/// `passwd list` of a SPAKE2+ records file: users and server identities, never secrets.
fn pake_list(file: &Path) -> Result<(), Fail> {
    let pf = load_pake(file)?;
    println!(
        "# {} (SPAKE2+ records, TLS 1.3 PAKE, experimental)",
        file.display()
    );
    for e in pf.entries() {
        println!(
            "{}\tserver identity {}\tSPAKE2+ P-256",
            listed(&e.username),
            e.server_identity_shown()
        );
    }
    Ok(())
}

/// `passwd verify` on a SPAKE2+ records file: registers the password again and compares
/// w0 and L in constant time.
fn pake_verify(common: &Common, password_stdin: bool) -> Result<(), Fail> {
    let file = file_of(&common.file)?;
    let sid = server_id(common)?;
    let pf = load_pake(file)?;
    let user = check_user(&common.user, Format::Openssl)?;
    let records: Vec<_> = pf
        .find_user(&user)
        .filter(|e| sid.is_none_or(|s| e.server_identity == s.as_bytes()))
        .collect();
    let e = match records[..] {
        [e] => e,
        [] => {
            let which = sid
                .map(|s| format!(" for server identity {s:?}"))
                .unwrap_or_default();
            return Err(Fail::new(format!(
                "no record of user {user:?}{which} in {}",
                file.display()
            )));
        }
        _ => {
            let sids: Vec<String> = records.iter().map(|e| e.server_identity_shown()).collect();
            return Err(Fail::new(format!(
                "user {user:?} has records for several server identities ({}); pick one with --server-id NAME",
                sids.join(", ")
            )));
        }
    };
    let pw = read_password(password_stdin, false)?;
    match e.check_password(pw.as_bytes()) {
        true => {
            println!(
                "password OK for {user:?} (server identity {})",
                e.server_identity_shown()
            );
            Ok(())
        }
        false => Err(Fail::no(format!(
            "wrong password for {user:?} (server identity {})",
            e.server_identity_shown()
        ))),
    }
}

fn check_user(user: &std::ffi::OsStr, format: Format) -> Result<String, Fail> {
    let u = user
        .to_str()
        .ok_or_else(|| Fail::new("the username is not valid UTF-8; use a UTF-8 name".into()))?;
    if u.is_empty() {
        return Err(Fail::new(
            "the username is empty; give a name of 1 to 255 bytes".into(),
        ));
    }
    if u.len() > 255 {
        return Err(Fail::new(format!(
            "the username is {} bytes long; TLS-SRP allows at most 255",
            u.len()
        )));
    }
    if u.chars().any(|c| c.is_control()) {
        return Err(Fail::new(
            "the username contains control characters (TAB, newline...); remove them".into(),
        ));
    }
    if format == Format::Gnutls && u.contains(':') {
        return Err(Fail::new(
            "a GnuTLS tpasswd username cannot contain ':'; pick another name".into(),
        ));
    }
    Ok(u.to_owned())
}

/// `--file`, which clap requires when there is no `--store`.
fn file_of(f: &Option<PathBuf>) -> Result<&PathBuf, Fail> {
    f.as_ref()
        .ok_or_else(|| Fail::new("give --file FILE or --store URL".into()))
}

fn check_exists(vf: &VFile) -> Result<(), Fail> {
    if !vf.existed {
        return Err(Fail::new(format!(
            "{} does not exist; create it with `tls-srp passwd add --file {} USER`",
            vf.path.display(),
            vf.path.display()
        )));
    }
    Ok(())
}

/// Reads a password: one line of stdin, or two prompts without echo.
pub fn read_password(from_stdin: bool, confirm: bool) -> Result<Zeroizing<String>, Fail> {
    let pw = if from_stdin {
        let mut line = Zeroizing::new(String::new());
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Fail::new(format!("cannot read the password from stdin: {e}")))?;
        let t = line.trim_end_matches(['\n', '\r']).to_owned();
        Zeroizing::new(t)
    } else {
        let p1 = Zeroizing::new(rpassword::prompt_password("Password: ").map_err(|e| {
            Fail::new(format!(
                "cannot prompt for the password ({e}); use --password-stdin"
            ))
        })?);
        if confirm {
            let p2 =
                Zeroizing::new(rpassword::prompt_password("Password again: ").map_err(|e| {
                    Fail::new(format!(
                        "cannot prompt for the password ({e}); use --password-stdin"
                    ))
                })?);
            if *p1 != *p2 {
                return Err(Fail::new("the two passwords differ; try again".into()));
            }
        }
        p1
    };
    if pw.is_empty() {
        return Err(Fail::new(
            "the password is empty; give a non-empty password".into(),
        ));
    }
    Ok(pw)
}

fn load(file: &Path, format: Option<FormatArg>, conf: Option<&Path>) -> Result<VFile, Fail> {
    Ok(VFile::load(file, format.map(Format::from), conf)?)
}

/// A warning for a password that a strength estimator (zxcvbn, Dropbox's, as a
/// maintained Rust port) scores below 3 of 4: with the verifier file, guesses are checked
/// offline at the speed of an exponentiation, so a weak password falls fast.
fn weak_password_warning(user: &str, pw: &str) -> Option<String> {
    let estimate = zxcvbn::zxcvbn(pw, &[user]);
    let score = u8::from(estimate.score());
    if score >= 3 {
        return None;
    }
    let why = estimate
        .feedback()
        .and_then(|f| f.warning())
        .map(|w| format!(": {w}"))
        .unwrap_or_default();
    Some(format!(
        "warning: weak password for {user:?} (strength {score} of 4{why}); anyone who obtains the verifier file can guess it offline quickly: prefer a long passphrase (--quiet silences this warning)"
    ))
}

pub fn run(cmd: PasswdCmd) -> Result<(), Fail> {
    match cmd {
        PasswdCmd::Add {
            common,
            group,
            allow_weak_group,
            password_stdin,
            replace,
            quiet,
        } => {
            if pake_mode(&common)? {
                return pake_add(&common, group, password_stdin, replace, quiet);
            }
            let group = group.unwrap_or(2048);
            let grp = SrpGroup::by_bits(group).ok_or_else(|| {
                Fail::new(format!(
                    "unknown group {group}; use 1024, 1536, 2048, 3072, 4096, 6144 or 8192"
                ))
            })?;
            if group < 2048 && !allow_weak_group {
                return Err(Fail::new(format!(
                    "the {group}-bit group is weak; use 2048 or more, or pass --allow-weak-group"
                )));
            }
            if let Some(url) = &common.store {
                let user = check_user(&common.user, Format::Openssl)?;
                return crate::store::add(url, &user, replace, || {
                    let pw = read_password(password_stdin, true)?;
                    let record = tls_srp::UserRecord::new(&user, pw.as_bytes(), grp)
                        .map_err(|e| Fail::new(format!("cannot make a salt: {e}")))?;
                    let warning = match quiet {
                        true => None,
                        false => weak_password_warning(&user, &pw),
                    };
                    Ok((record, warning.unwrap_or_default()))
                });
            }
            let file = file_of(&common.file)?;
            // Check the name and the file before asking for a password.
            {
                let vf = load(file, common.format, common.conf.as_deref())?;
                let user = check_user(&common.user, vf.format)?;
                if !replace && vf.find(&user).is_some_and(|e| !e.revoked) {
                    return Err(Fail::new(format!(
                        "user {user:?} already exists in {}; use --replace to change the password",
                        file.display()
                    )));
                }
                if !replace && vf.find(&user).is_some_and(|e| e.revoked) {
                    // `openssl srp -add` on an R record: back to V, same verifier, no password.
                    let _lock = FileLock::acquire(file)?;
                    let mut vf = load(file, common.format, common.conf.as_deref())?;
                    if vf.revive(&user) {
                        vf.save()?;
                        eprintln!(
                            "user {user:?} reactivated with the password it had before `delete` (as `openssl srp -add` does); use --replace to set a new one"
                        );
                        return Ok(());
                    }
                }
            }
            let pw = read_password(password_stdin, true)?;
            let _lock = FileLock::acquire(file)?;
            let mut vf = load(file, common.format, common.conf.as_deref())?;
            let user = check_user(&common.user, vf.format)?;
            let salt_len = match vf.format {
                Format::Openssl => 20,
                Format::Gnutls => 16,
            };
            let salt = tls_srp::srp::generate_salt(salt_len)
                .map_err(|e| Fail::new(format!("cannot make a salt: {e}")))?;
            let verifier =
                tls_srp::srp::compute_verifier(grp, &salt, user.as_bytes(), pw.as_bytes());
            vf.add(&user, grp, salt, verifier, replace)?;
            vf.save()?;
            // After the write: a failure stays one line, and the warning never stops a script.
            if !quiet {
                if let Some(w) = weak_password_warning(&user, &pw) {
                    eprintln!("tls-srp: {w}");
                }
            }
            eprintln!(
                "added {user:?} ({group}-bit group) to {} ({} format)",
                file.display(),
                vf.format.name()
            );
            Ok(())
        }
        PasswdCmd::Delete { common } => {
            if pake_mode(&common)? {
                return pake_delete(&common);
            }
            if let Some(url) = &common.store {
                return crate::store::delete(url, &check_user(&common.user, Format::Openssl)?);
            }
            let file = file_of(&common.file)?;
            check_exists(&load(file, common.format, common.conf.as_deref())?)?;
            let _lock = FileLock::acquire(file)?;
            let mut vf = load(file, common.format, common.conf.as_deref())?;
            check_exists(&vf)?;
            let user = check_user(&common.user, vf.format)?;
            vf.delete(&user)?;
            vf.save()?;
            match vf.format {
                Format::Openssl => eprintln!(
                    "revoked {user:?} in {} (an R record, as `openssl srp -delete` writes; it can no longer log in, and `passwd add` re-activates it)",
                    file.display()
                ),
                Format::Gnutls => eprintln!("removed {user:?} from {}", file.display()),
            }
            Ok(())
        }
        PasswdCmd::List {
            file,
            store,
            format,
            conf,
        } => {
            if let Some(url) = &store {
                return crate::store::list(url);
            }
            let file = file_of(&file)?;
            if is_pake_file(file)? {
                if format.is_some() || conf.is_some() {
                    return Err(Fail::new(format!(
                        "{} is a SPAKE2+ records file: --format and --conf are for SRP verifier files; drop them",
                        file.display()
                    )));
                }
                return pake_list(file);
            }
            let vf = load(file, format, conf.as_deref())?;
            check_exists(&vf)?;
            println!("# {} ({} format)", file.display(), vf.format.name());
            for e in vf.entries() {
                let group = match vf.resolve(e)? {
                    GroupRef::Std(g) => format!("{}-bit group", g.bits()),
                    GroupRef::Custom { id, n, .. } => format!(
                        "custom group {id:?} ({}-bit N, not an RFC 5054 group: not servable)",
                        bit_len(n)
                    ),
                    GroupRef::AnyIndex => {
                        "custom group \"*\" (from openssl srp -gn: not servable)".to_owned()
                    }
                };
                println!(
                    "{}\t{}\t{}\t{}-byte salt",
                    e.name,
                    if e.revoked { "revoked" } else { "valid" },
                    group,
                    e.salt.len()
                );
            }
            Ok(())
        }
        PasswdCmd::Convert {
            file,
            conf,
            to,
            format,
            to_conf,
            skip_revoked,
        } => {
            let src = load(&file, None, conf.as_deref())?;
            check_exists(&src)?;
            let _lock = FileLock::acquire(&to)?;
            if to.exists() {
                return Err(Fail::new(format!(
                    "{} exists; convert writes a new file: pick another --to or remove it",
                    to.display()
                )));
            }
            let mut out = load(&to, Some(format), to_conf.as_deref())?;
            let n = src.copy_users_into(&mut out, skip_revoked)?;
            out.save()?;
            let conf_note = match &out.conf {
                Some(c) => format!(" and {}", c.path.display()),
                None => String::new(),
            };
            eprintln!(
                "converted {n} users from {} ({} format) to {}{conf_note} ({} format)",
                file.display(),
                src.format.name(),
                to.display(),
                out.format.name()
            );
            Ok(())
        }
        PasswdCmd::Verify {
            common,
            password_stdin,
        } => {
            if pake_mode(&common)? {
                return pake_verify(&common, password_stdin);
            }
            if let Some(url) = &common.store {
                let user = check_user(&common.user, Format::Openssl)?;
                let rec = crate::store::record_of(url, &user)?;
                let pw = read_password(password_stdin, false)?;
                let v = tls_srp::srp::compute_verifier(
                    rec.group,
                    &rec.salt,
                    user.as_bytes(),
                    pw.as_bytes(),
                );
                return match same_number(&v, &rec.verifier) {
                    true => {
                        println!("password OK for {user:?}");
                        Ok(())
                    }
                    false => Err(Fail::no(format!("wrong password for {user:?}"))),
                };
            }
            let file = file_of(&common.file)?;
            let vf = load(file, common.format, common.conf.as_deref())?;
            check_exists(&vf)?;
            let user = check_user(&common.user, vf.format)?;
            let e = vf
                .find(&user)
                .filter(|e| !e.revoked)
                .ok_or_else(|| Fail::new(format!("no user {user:?} in {}", file.display())))?;
            let salt = vf.math_salt(e);
            // The groups the verifier may have been made with: one, or for OpenSSL's `*`
            // every I record of the file.
            let candidates: Vec<(Option<&'static SrpGroup>, Vec<u8>, Vec<u8>)> =
                match vf.resolve(e)? {
                    GroupRef::Std(g) => vec![(Some(g), Vec::new(), Vec::new())],
                    GroupRef::Custom { n, g, .. } => vec![(None, n.to_vec(), g.to_vec())],
                    GroupRef::AnyIndex => vf
                        .index_groups()
                        .into_iter()
                        .map(|(_, _, n, g)| (None, n.to_vec(), g.to_vec()))
                        .collect(),
                };
            if candidates.is_empty() {
                return Err(Fail::new(format!(
                    "user {user:?} has group \"*\" but {} has no I record to check it against; re-add the user with --replace --group 2048",
                    file.display()
                )));
            }
            let pw = read_password(password_stdin, false)?;
            let mut same = false;
            for (std, n, g) in &candidates {
                let v = match std {
                    Some(grp) => {
                        tls_srp::srp::compute_verifier(grp, &salt, user.as_bytes(), pw.as_bytes())
                    }
                    None => custom_verifier(n, g, &salt, user.as_bytes(), pw.as_bytes()),
                };
                same |= same_number(&v, &e.verifier);
            }
            if same {
                println!("password OK for {user:?}");
                Ok(())
            } else {
                Err(Fail::no(format!("wrong password for {user:?}")))
            }
        }
        PasswdCmd::Import {
            file,
            conf,
            store,
            replace,
        } => crate::store::import(&store, &file, conf.as_deref(), replace),
    }
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let p = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    b.get(p..).unwrap_or(&[])
}

/// Big-endian numbers equal (leading zeros ignored), compared without early exit.
fn same_number(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = (strip_zeros(a), strip_zeros(b));
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// RFC 5054 verifier for any group (the library computes only its own groups):
/// `x = SHA1(s | SHA1(I | ":" | P))`, `v = g^x mod N`.
fn custom_verifier(n: &[u8], g: &[u8], salt: &[u8], user: &[u8], pw: &[u8]) -> Vec<u8> {
    use num_bigint::BigUint;
    use sha1::{Digest, Sha1};
    let inner = Sha1::new()
        .chain_update(user)
        .chain_update(b":")
        .chain_update(pw)
        .finalize();
    let x = Sha1::new()
        .chain_update(salt)
        .chain_update(inner)
        .finalize();
    let n = BigUint::from_bytes_be(n);
    if n.bits() < 2 {
        return Vec::new();
    }
    BigUint::from_bytes_be(g)
        .modpow(&BigUint::from_bytes_be(&x), &n)
        .to_bytes_be()
}
