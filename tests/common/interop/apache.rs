//! Apache httpd's mod_ssl (Debian `apache2`, installed by `interop/setup.sh`): the
//! production OpenSSL SRP server. `SSLSRPVerifierFile` takes an `openssl srp` verifier
//! file; mod_ssl needs `SSLCertificateFile` even when only plain SRP suites are enabled,
//! and with a certificate the SRP-RSA suites are served too.
//!
//! [`Apache::start`] writes a configuration of its own into a temporary directory and runs
//! `apache2 -X` (one process, no children, in the foreground) listening on 127.0.0.1 only;
//! the [`Proc`] kills it by its PID on drop. Every response carries mod_ssl's own view of
//! the connection in a header, `X-TLS-SRP: cipher=<SSL_CIPHER> user=<SSL_SRP_USER>
//! protocol=<SSL_PROTOCOL>`, and mod_ssl's handshake failures (with the alert received)
//! are in its error log (`LogLevel info`).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::support::{free_port, require_program, Proc, TempDir, PROC_TIMEOUT};

/// Where Debian keeps the modules.
const MODULES: &str = "/usr/lib/apache2/modules";

/// The body of `/index.txt`.
pub const APACHE_PAGE: &str = "apache mod_ssl srp page\n";

/// What to serve.
pub struct ApacheConf<'a> {
    /// `SSLSRPVerifierFile` (made by `openssl srp`).
    pub vfile: &'a Path,
    /// `SSLCertificateFile` (chain, end-entity first) and `SSLCertificateKeyFile`; `None`
    /// leaves them out (mod_ssl then refuses to start, even for plain SRP suites).
    pub cert: Option<(&'a Path, &'a Path)>,
    /// `SSLCipherSuite` (an OpenSSL cipher string).
    pub cipher_suite: &'a str,
    /// `SSLHonorCipherOrder on`: the order of `cipher_suite` wins over the client's
    /// (mod_ssl's default is off: the client's order).
    pub honor_cipher_order: bool,
}

/// A running `apache2 -X`.
pub struct Apache {
    /// The process (killed by PID on drop).
    pub proc_: Proc,
    /// The port on 127.0.0.1.
    pub port: u16,
    dir: TempDir,
}

/// `Apache/2.4.71` from `apache2 -v`.
pub fn apache_version() -> String {
    let out = Command::new("apache2")
        .arg("-v")
        .output()
        .expect("apache2 -v");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("Server version: "))
        .and_then(|v| v.split_whitespace().next())
        .unwrap_or("Apache")
        .to_owned()
}

impl Apache {
    /// Starts Apache with `conf` on a free port of 127.0.0.1 (another one if the port was
    /// taken meanwhile), and waits until it listens (its pid file is written after the
    /// listening sockets are open).
    pub fn start(conf: &ApacheConf<'_>) -> Apache {
        Self::try_start(conf).unwrap_or_else(|e| panic!("apache2 -X exited at start:\n{e}"))
    }

    /// [`Apache::start`], or what Apache said (stderr and error log) if it exited at start.
    pub fn try_start(conf: &ApacheConf<'_>) -> Result<Apache, String> {
        require_program("apache2", "-v");
        for _attempt in 0..5 {
            let dir = TempDir::new("apache");
            let docs = dir.path("docs");
            std::fs::create_dir_all(&docs).expect("docs dir");
            std::fs::write(docs.join("index.txt"), APACHE_PAGE).expect("page");
            // Readable by the user Apache serves as (www-data when started as root),
            // whatever the umask.
            for (p, mode) in [
                (&dir.0, 0o755),
                (&docs, 0o755),
                (&docs.join("index.txt"), 0o644),
            ] {
                std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
            }
            let port = free_port();
            let cfg = dir.path("httpd.conf");
            std::fs::write(&cfg, config_text(&dir, port, conf)).expect("httpd.conf");
            let mut cmd = Command::new("apache2");
            cmd.arg("-X").arg("-d").arg(&dir.0).arg("-f").arg(&cfg);
            let mut p = Proc::spawn("apache2 -X", cmd, Stdio::null());
            let pid_file = dir.path("httpd.pid");
            let deadline = Instant::now() + PROC_TIMEOUT;
            loop {
                if pid_file.exists() {
                    return Ok(Apache {
                        proc_: p,
                        port,
                        dir,
                    });
                }
                if p.has_exited() {
                    let log = std::fs::read_to_string(dir.path("error.log")).unwrap_or_default();
                    let why = format!("{}{log}", p.stderr());
                    if why.contains("Address already in use") {
                        break; // try another port
                    }
                    return Err(why);
                }
                if Instant::now() > deadline {
                    panic!("apache2 -X did not start: {}", p.stderr());
                }
                thread::sleep(Duration::from_millis(10));
            }
        }
        panic!("apache2 did not start on a free port");
    }

    /// mod_ssl's error log so far.
    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path("error.log")).unwrap_or_default()
    }

    /// The access log so far: `<SSL_SRP_USER> <SSL_CIPHER> <request line> <status>` lines.
    pub fn access_log(&self) -> String {
        std::fs::read_to_string(self.dir.path("access.log")).unwrap_or_default()
    }
}

fn config_text(dir: &TempDir, port: u16, c: &ApacheConf<'_>) -> String {
    let root = dir.0.display();
    // As root, Apache refuses to serve as root: Debian's www-data (made by the apache2
    // package) reads the pages; certificates and verifiers are read before that, as root.
    // (/proc/self belongs to the process's effective user.)
    let euid =
        std::os::unix::fs::MetadataExt::uid(&std::fs::metadata("/proc/self").expect("/proc/self"));
    let user = if euid == 0 {
        "User www-data\nGroup www-data\n"
    } else {
        ""
    };
    format!(
        "ServerRoot {root}\n\
         Listen 127.0.0.1:{port}\n\
         LoadModule mpm_prefork_module {MODULES}/mod_mpm_prefork.so\n\
         LoadModule authz_core_module {MODULES}/mod_authz_core.so\n\
         LoadModule headers_module {MODULES}/mod_headers.so\n\
         LoadModule ssl_module {MODULES}/mod_ssl.so\n\
         {user}\
         ServerName localhost\n\
         PidFile {root}/httpd.pid\n\
         DefaultRuntimeDir {root}\n\
         ErrorLog {root}/error.log\n\
         LogLevel warn ssl:info\n\
         CustomLog {root}/access.log \"%{{SSL_SRP_USER}}x %{{SSL_CIPHER}}x %r %>s\"\n\
         DocumentRoot {root}/docs\n\
         <Directory {root}/docs>\n  Require all granted\n</Directory>\n\
         SSLEngine on\n\
         SSLProtocol -all +TLSv1.2\n\
         SSLCipherSuite {cipher}\n\
         SSLHonorCipherOrder {honor}\n\
         SSLSRPVerifierFile {vfile}\n\
         {cert}\
         Header always set X-TLS-SRP \"cipher=%{{SSL_CIPHER}}s user=%{{SSL_SRP_USER}}s protocol=%{{SSL_PROTOCOL}}s\"\n",
        cipher = c.cipher_suite,
        honor = if c.honor_cipher_order { "on" } else { "off" },
        vfile = c.vfile.display(),
        cert = match c.cert {
            Some((chain, key)) => format!(
                "SSLCertificateFile {}\nSSLCertificateKeyFile {}\n",
                chain.display(),
                key.display()
            ),
            None => String::new(),
        },
    )
}
