//! A throwaway PostgreSQL cluster for tests: [`PgCluster::start`] runs `initdb` into a
//! temporary directory and the server itself (`postgres -D`, a child process whose PID the
//! test owns, never `pg_ctl` or a system service) on 127.0.0.1 and a free port, with a
//! database `tlssrp` that the superuser role `tlssrp` reaches without a password
//! ([`PgCluster::url`]). [`PgCluster::stop`], [`PgCluster::kill`] and
//! [`PgCluster::restart`] (same port, same data) are for fault tests; `Drop` stops the
//! server and removes the directory.
//!
//! The programs are Debian's `postgresql` package (installed by `interop/setup.sh`, which
//! [`PgCluster::start`] runs through [`peers`]), taken from the highest version under
//! `/usr/lib/postgresql/*/bin` (not from `PATH`: `/usr/bin/psql` is postgresql-common's
//! wrapper, and `/usr/local/bin` may hold anything).
//!
//! `initdb` and `postgres` refuse to run as root. Tests run as root in CI, so then the
//! server side (`initdb`, `postgres`) runs as the system user `tlssrp-pg` (created once with
//! `useradd --system` if missing) through `setpriv`, which `exec`s the program: the PID we
//! hold is the postmaster's own, so its signals (SIGINT for a fast shutdown, SIGKILL) reach
//! it, which `runuser` (a PAM session that forks and waits) would not give. The temporary
//! directory (`$TMPDIR`, whose parents that user must be able to enter: `/tmp` is fine)
//! belongs to that user. As any other user, everything runs as that user. The clients
//! (`psql`, `pg_isready`) connect over TCP as the test's own user.
//!
//! Include this file beside `common/interop.rs`, as a sibling module of `interop`:
//! `#[path = "common/interop.rs"] mod interop;` and `#[path = "common/postgres.rs"] mod
//! postgres;` at a test's root, or both inside `cli/tests/common/mod.rs`. Everything
//! listens on 127.0.0.1 only, and every wait is bounded by [`PROC_TIMEOUT`].

#![allow(dead_code)]

use std::fs;
use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use super::interop::{free_port, peers, run, Proc, TempDir, PROC_TIMEOUT};

/// The system user the server runs as when the tests run as root.
pub const PG_OS_USER: &str = "tlssrp-pg";
/// The superuser role `initdb -U` makes (whatever the OS user), which [`PgCluster::url`] uses.
pub const PG_ROLE: &str = "tlssrp";
/// The database [`PgCluster::start`] creates.
pub const PG_DATABASE: &str = "tlssrp";

/// How long a stopped or killed server's processes get to go away.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// A PostgreSQL server of the test's own, on 127.0.0.1.
pub struct PgCluster {
    /// The temporary directory: the data directory `data/` and the Unix sockets.
    dir: TempDir,
    port: u16,
    /// The running postmaster, if any.
    server: Option<Proc>,
    /// Set by [`Self::kill`], cleared by a start: the dead postmaster's SysV shared
    /// memory segment is still there, for the next start (or `Drop`) to remove.
    killed: bool,
    /// What the last server wrote on stderr, kept when it stopped.
    last_log: String,
}

impl PgCluster {
    /// `initdb` into a fresh temporary directory, starts the server on a free port of
    /// 127.0.0.1 (another one if that port is taken meanwhile), waits until it accepts
    /// connections, and creates the database `tlssrp`. Panics with the programs' output
    /// if any of that fails.
    pub fn start() -> PgCluster {
        peers(); // interop/setup.sh installs the postgresql package
        let bin = pg_bin();
        let dir = TempDir::new("pg");
        if let Some(u) = server_user() {
            std::os::unix::fs::chown(&dir.0, Some(u.uid), Some(u.gid))
                .unwrap_or_else(|e| panic!("chown {} to {PG_OS_USER}: {e}", dir.0.display()));
        }
        fs::set_permissions(&dir.0, fs::Permissions::from_mode(0o700)).expect("chmod 700");
        let data = dir.path("data");

        let mut initdb = server_command(&bin.join("initdb"), &dir.0);
        initdb
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                PG_ROLE,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
            ])
            .arg("--no-sync"); // a throwaway cluster: no fsync of what initdb writes
        let (st, out, err) = run("initdb", initdb, b"", PROC_TIMEOUT);
        assert!(
            st.success(),
            "initdb failed ({st}); if it cannot reach {} as {PG_OS_USER}, set TMPDIR to a \
             directory every user can enter:\n{out}\n{err}",
            data.display()
        );
        // Trust, and only from the Unix sockets (in the private directory) and 127.0.0.1.
        let hba = data.join("pg_hba.conf");
        fs::write(
            &hba,
            "# tests/common/postgres.rs\nlocal all all trust\nhost all all 127.0.0.1/32 trust\n",
        )
        .expect("write pg_hba.conf");
        if let Some(u) = server_user() {
            std::os::unix::fs::chown(&hba, Some(u.uid), Some(u.gid)).expect("chown pg_hba.conf");
        }

        let mut c = PgCluster {
            dir,
            port: 0,
            server: None,
            killed: false,
            last_log: String::new(),
        };
        let mut last_err = String::new();
        for _attempt in 0..5 {
            c.port = free_port();
            match c.spawn_and_wait() {
                Ok(()) => {
                    let create = format!("CREATE DATABASE {PG_DATABASE}");
                    c.psql_db("postgres", &create);
                    return c;
                }
                Err(e) if e.contains("Address already in use") => last_err = e, // another port
                Err(e) => panic!("postgres did not start:\n{e}"),
            }
        }
        panic!("postgres found no free port on 127.0.0.1:\n{last_err}");
    }

    /// `postgres://tlssrp@127.0.0.1:PORT/tlssrp`: the superuser role `tlssrp` (made by
    /// `initdb -U tlssrp`, whatever the OS user), no password (trust on 127.0.0.1), the
    /// database `tlssrp`. The same for the cluster's whole life, restarts included.
    pub fn url(&self) -> String {
        self.url_db(PG_DATABASE)
    }

    /// The port on 127.0.0.1 (kept across [`Self::restart`]).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path("data")
    }

    /// The postmaster's PID while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.server.as_ref().map(Proc::pid)
    }

    /// What the server wrote on stderr (its log): the running one's so far, or the last
    /// one's.
    pub fn log(&self) -> String {
        match &self.server {
            Some(p) => p.stderr(),
            None => self.last_log.clone(),
        }
    }

    /// Runs `sql` with `psql -X -q -A -t -w -v ON_ERROR_STOP=1 -d URL -c SQL` (no psqlrc,
    /// no command tags, unaligned rows without headers, never a password prompt, stop at
    /// the first error) and returns its stdout: one line a row, `|` between columns, no
    /// trailing newline. Panics with psql's stderr if it fails.
    pub fn psql(&self, sql: &str) -> String {
        self.psql_db(PG_DATABASE, sql)
    }

    /// A fast shutdown: SIGINT to the postmaster (which ends the sessions, checkpoints
    /// and waits for its children), then waits for it to exit. Panics if it is still
    /// there after 30 s (it is then killed). Nothing happens if it is not running.
    pub fn stop(&mut self) {
        if let Err(e) = self.stop_inner() {
            panic!("{e}");
        }
    }

    /// SIGKILL to the postmaster, for fault tests: no shutdown, no checkpoint (the next
    /// start runs crash recovery). Returns once the postmaster and the children it had
    /// (which notice its death and exit on their own) are gone, so that
    /// [`Self::restart`] can take the port and the data directory again.
    pub fn kill(&mut self) {
        let Some(p) = self.server.take() else {
            return;
        };
        let pid = p.pid();
        let children = child_pids(pid);
        self.last_log = p.stderr();
        drop(p); // SIGKILL by PID, then reaped
        self.killed = true;
        let deadline = Instant::now() + STOP_TIMEOUT;
        while children.iter().any(|&c| alive(c)) {
            assert!(
                Instant::now() < deadline,
                "children {children:?} of the killed postmaster {pid} are still running"
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Starts the server again on the same port and data directory (after [`Self::stop`]
    /// or [`Self::kill`]; stopping it first if it runs), and waits until it accepts
    /// connections (after crash recovery, if it was killed). Retries while the old
    /// server's leftovers (its shared memory, lock files, port) are still held, up to
    /// [`PROC_TIMEOUT`].
    pub fn restart(&mut self) {
        self.stop();
        let deadline = Instant::now() + PROC_TIMEOUT;
        loop {
            match self.spawn_and_wait() {
                Ok(()) => return,
                Err(e)
                    if Instant::now() < deadline
                        && [
                            "Address already in use",
                            "pre-existing shared memory block",
                            "lock file",
                        ]
                        .iter()
                        .any(|m| e.contains(m)) =>
                {
                    thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("postgres did not restart on port {}:\n{e}", self.port),
            }
        }
    }

    fn url_db(&self, db: &str) -> String {
        format!("postgres://{PG_ROLE}@127.0.0.1:{}/{db}", self.port)
    }

    fn psql_db(&self, db: &str, sql: &str) -> String {
        let mut cmd = client_command(&pg_bin().join("psql"));
        cmd.args(["-X", "-q", "-A", "-t", "-w", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(self.url_db(db))
            .arg("-c")
            .arg(sql);
        let (st, out, err) = run("psql", cmd, b"", PROC_TIMEOUT);
        assert!(st.success(), "psql -c {sql:?} failed ({st}):\n{err}{out}");
        out
    }

    /// Starts `postgres -D data` on `self.port` and waits until `pg_isready` says it
    /// accepts connections. Err: the server exited (its stderr).
    fn spawn_and_wait(&mut self) -> Result<(), String> {
        assert!(self.server.is_none(), "postgres is already running");
        let bin = pg_bin();
        let mut cmd = server_command(&bin.join("postgres"), &self.dir.0);
        cmd.arg("-D").arg(self.dir.path("data"));
        for (k, v) in [
            ("listen_addresses", "127.0.0.1".to_owned()),
            ("port", self.port.to_string()),
            ("unix_socket_directories", self.dir.0.display().to_string()),
            // A throwaway cluster: no fsync, no full-page images (they only matter if the
            // OS crashes). A SIGKILL of the server, as in the fault tests, loses no
            // committed transaction: each commit has written its WAL to the OS. (Not
            // synchronous_commit = off: that leaves commits in shared memory, where a
            // SIGKILL loses them.)
            ("fsync", "off".to_owned()),
            ("full_page_writes", "off".to_owned()),
            ("shared_buffers", "32MB".to_owned()),
        ] {
            cmd.arg("-c").arg(format!("{k}={v}"));
        }
        let mut p = Proc::spawn("postgres", cmd, Stdio::null());
        let deadline = Instant::now() + PROC_TIMEOUT;
        loop {
            if p.has_exited() {
                // The stderr reader may still be copying the last lines.
                thread::sleep(Duration::from_millis(50));
                let log = p.stderr();
                self.last_log = log.clone();
                return Err(log);
            }
            if self.ready() {
                break;
            }
            if Instant::now() > deadline {
                let log = p.stderr();
                drop(p);
                panic!("postgres did not accept connections within {PROC_TIMEOUT:?}:\n{log}");
            }
            thread::sleep(Duration::from_millis(20));
        }
        self.server = Some(p);
        if self.killed {
            // The new postmaster has recycled the dead one's shared memory.
            self.killed = false;
        }
        Ok(())
    }

    /// `pg_isready` exits 0 once the server accepts connections (1 while it starts or
    /// recovers, 2 when nothing answers).
    fn ready(&self) -> bool {
        let mut cmd = client_command(&pg_bin().join("pg_isready"));
        cmd.args([
            "-q",
            "-t",
            "2",
            "-h",
            "127.0.0.1",
            "-U",
            PG_ROLE,
            "-d",
            "postgres",
            "-p",
        ])
        .arg(self.port.to_string());
        run("pg_isready", cmd, b"", PROC_TIMEOUT).0.success()
    }

    fn stop_inner(&mut self) -> Result<(), String> {
        let Some(mut p) = self.server.take() else {
            return Ok(());
        };
        let pid = p.pid();
        let _ = Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + STOP_TIMEOUT;
        while !p.has_exited() {
            if Instant::now() > deadline {
                self.last_log = p.stderr();
                drop(p); // SIGKILL
                self.killed = true;
                return Err(format!(
                    "postgres (pid {pid}) did not shut down within {STOP_TIMEOUT:?} of \
                     SIGINT; killed. Its log:\n{}",
                    self.last_log
                ));
            }
            thread::sleep(Duration::from_millis(10));
        }
        self.last_log = p.stderr();
        Ok(())
    }

    /// The killed postmaster's SysV shared memory segment (its ID is on line 7 of
    /// `postmaster.pid`, after the key), which only a new postmaster would remove.
    fn remove_stale_shmem(&self) {
        let Ok(pidfile) = fs::read_to_string(self.dir.path("data/postmaster.pid")) else {
            return;
        };
        let Some(id) = pidfile
            .lines()
            .nth(6)
            .and_then(|l| l.split_whitespace().nth(1))
            .filter(|id| id.bytes().all(|b| b.is_ascii_digit()))
        else {
            return;
        };
        let _ = Command::new("ipcrm")
            .args(["-m", id])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        // Never panics (a panic while unwinding aborts): a server that ignores SIGINT is
        // killed by stop_inner, and then its shared memory removed.
        let _ = self.stop_inner();
        if self.killed {
            self.remove_stale_shmem();
        }
        // The TempDir goes next, data directory and sockets included.
    }
}

/// The OS user the server runs as when the tests run as root.
#[derive(Clone, Copy, Debug)]
struct ServerUser {
    uid: u32,
    gid: u32,
}

/// `Some` when the tests run as root: [`PG_OS_USER`], created if missing. `None`: the
/// server runs as the test's own user.
fn server_user() -> Option<ServerUser> {
    static USER: OnceLock<Option<ServerUser>> = OnceLock::new();
    *USER.get_or_init(|| {
        // /proc/self belongs to the process's effective user.
        let euid = fs::metadata("/proc/self").expect("/proc/self").uid();
        (euid == 0).then(ensure_os_user)
    })
}

/// Looks up [`PG_OS_USER`], creating it (a system user and group, no home, no shell) if
/// it is missing. Several test binaries may race: `useradd` then fails (the user exists,
/// or /etc/passwd is locked), and the next lookup settles it.
fn ensure_os_user() -> ServerUser {
    let deadline = Instant::now() + PROC_TIMEOUT;
    loop {
        if let (Some(uid), Some(gid)) = (id_of("-u"), id_of("-g")) {
            return ServerUser { uid, gid };
        }
        let out = Command::new("useradd")
            .args([
                "--system",
                "--user-group",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                PG_OS_USER,
            ])
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run useradd: {e}"));
        if out.status.success() {
            continue;
        }
        assert!(
            Instant::now() < deadline,
            "useradd {PG_OS_USER} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        thread::sleep(Duration::from_millis(100));
    }
}

/// `id -u tlssrp-pg` or `id -g tlssrp-pg`; None if the user does not exist.
fn id_of(flag: &str) -> Option<u32> {
    let out = Command::new("id")
        .args([flag, PG_OS_USER])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// `/usr/lib/postgresql/<highest version>/bin`, or panics.
pub fn pg_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let root = Path::new("/usr/lib/postgresql");
        let entries = fs::read_dir(root).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (is the postgresql package installed?)",
                root.display()
            )
        });
        entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                // "15", or "9.6" before PostgreSQL 10.
                let mut parts = name.split('.').map(|p| p.parse::<u32>().ok());
                let version = (parts.next()??, parts.next().flatten().unwrap_or(0));
                let bin = e.path().join("bin");
                bin.join("postgres").is_file().then_some((version, bin))
            })
            .max()
            .map(|(_, bin)| bin)
            .unwrap_or_else(|| panic!("no {}/*/bin/postgres", root.display()))
    })
}

/// A command for the server side: as [`PG_OS_USER`] through `setpriv` (which `exec`s it)
/// when we are root, in `dir` (the test's own directory may be closed to that user).
fn server_command(program: &Path, dir: &Path) -> Command {
    let mut cmd = match server_user() {
        Some(u) => {
            let mut c = Command::new("setpriv");
            c.arg(format!("--reuid={}", u.uid))
                .arg(format!("--regid={}", u.gid))
                .arg("--clear-groups")
                .arg("--")
                .arg(program);
            c
        }
        None => Command::new(program),
    };
    clean_env(&mut cmd);
    cmd.current_dir(dir);
    cmd
}

/// A client command (`psql`, `pg_isready`) as the test's own user.
fn client_command(program: &Path) -> Command {
    let mut cmd = Command::new(program);
    clean_env(&mut cmd);
    cmd
}

/// No `PG*` variable of the caller's (PGHOST, PGDATA, PGOPTIONS...) changes what the
/// programs do; messages in English.
fn clean_env(cmd: &mut Command) {
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("PG") {
            cmd.env_remove(k);
        }
    }
    cmd.env("LC_ALL", "C");
}

/// The PIDs whose parent is `pid` (from /proc).
fn child_pids(pid: u32) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&p| proc_stat(p).is_some_and(|(_, ppid)| ppid == pid))
        .collect()
}

/// Whether `pid` runs (a zombie does not: it holds no port, lock or shared memory).
fn alive(pid: u32) -> bool {
    proc_stat(pid).is_some_and(|(state, _)| state != 'Z' && state != 'X')
}

/// (state, parent PID) from `/proc/PID/stat`: `pid (comm) state ppid ...`, where comm
/// may hold spaces and parentheses.
fn proc_stat(pid: u32) -> Option<(char, u32)> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut f = rest.split_whitespace();
    let state = f.next()?.chars().next()?;
    let ppid = f.next()?.parse().ok()?;
    Some((state, ppid))
}

/// Whether something accepts TCP connections on 127.0.0.1:`port` now.
pub fn port_open(port: u16) -> bool {
    TcpStream::connect_timeout(
        &SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_secs(2),
    )
    .is_ok()
}
