//! `tls-srp`: TLS-SRP verifier files (OpenSSL and GnuTLS formats), server, proxy, client,
//! demo and benchmarks, on top of the `tls-srp` library.

#![forbid(unsafe_code)]

mod bench;
mod demo;
mod net;
mod passwd;
mod proxy_v2;
mod session;
mod store;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};

/// A one-line error that says what to do.
#[derive(Debug)]
pub struct Fail {
    msg: String,
    code: u8,
}

/// Exit statuses (the table in cli/README.md).
pub mod exit {
    /// Authentication failed: wrong password, unknown user, locked out (`connect`); the
    /// password does not match (`passwd verify`).
    pub const AUTH: u8 = 1;
    /// Usage or local error: bad arguments, unreadable or corrupt files, no such user.
    pub const USAGE: u8 = 2;
    /// Network error: name resolution, connection refused or reset, timeout.
    pub const NETWORK: u8 = 3;
    /// TLS error other than authentication: no common suite or group, protocol violation.
    pub const TLS: u8 = 4;
}

impl Fail {
    pub fn new(msg: String) -> Fail {
        Fail {
            msg,
            code: exit::USAGE,
        }
    }
    /// A "no" answer (wrong password in `passwd verify`, login refused in `connect`).
    pub fn no(msg: String) -> Fail {
        Fail {
            msg,
            code: exit::AUTH,
        }
    }
    /// A network failure.
    pub fn network(msg: String) -> Fail {
        Fail {
            msg,
            code: exit::NETWORK,
        }
    }
    /// A TLS failure other than authentication.
    pub fn tls(msg: String) -> Fail {
        Fail {
            msg,
            code: exit::TLS,
        }
    }
}

#[derive(Parser)]
#[command(
    name = "tls-srp",
    version,
    about = "TLS-SRP (RFC 5054) and TLS 1.3 PAKE (SPAKE2+, experimental) without certificates: verifier files, server, proxy, client",
    after_help = "Examples:\n  tls-srp demo\n  tls-srp passwd add --file users.srpv alice\n  tls-srp serve --listen 127.0.0.1:4433 --vfile users.srpv --http\n  tls-srp connect 127.0.0.1:4433 --user alice\n  tls-srp passwd add --file users.pake --pake --server-id files.example alice\n  tls-srp connect 127.0.0.1:4433 --pake --server-id files.example --user alice"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a server and a client over loopback and show what they negotiated.
    #[command(after_help = "Example:\n  cargo run --release -- demo")]
    Demo,
    /// Manage verifier files (OpenSSL srpvfile or GnuTLS tpasswd) and SPAKE2+ records files
    /// (TLS 1.3 PAKE, experimental).
    #[command(
        subcommand,
        after_help = "Examples:\n  tls-srp passwd add --file users.srpv alice\n  tls-srp passwd list --file users.srpv\n  tls-srp passwd verify --file users.srpv alice\n  tls-srp passwd delete --file users.srpv alice\n  tls-srp passwd add --file users.pake --pake --server-id files.example alice"
    )]
    Passwd(passwd::PasswdCmd),
    /// Serve TLS-SRP (and TLS 1.3 PAKE): echo, a small HTTP page, or forward to a plain TCP
    /// backend.
    #[command(
        after_help = "Examples:\n  tls-srp serve --listen 127.0.0.1:4433 --vfile users.srpv --http\n  tls-srp serve --listen 0.0.0.0:4433 --vfile tpasswd --conf tpasswd.conf --forward 127.0.0.1:8080\n  tls-srp serve --listen :443 --vfile users.srpv --cert chain.pem --key key.pem --http   # SRP users and browsers on one port\n  tls-srp serve --listen :4433 --vfile users.pake --server-id files.example --echo   # TLS 1.3 PAKE (experimental)\n  tls-srp serve --listen :4433 --vfile users.srpv --pake-file users.pake --server-id files.example --echo   # both\n\nThe verifier file is reloaded when it changes or on SIGHUP; SIGINT/SIGTERM shut down gracefully.\nFailed logins are rate-limited per username and client address (delays, then lockout that fails\nlike a wrong password); tune with --user-free-failures etc., or turn off with --no-rate-limit."
    )]
    Serve(Box<ServeArgs>),
    /// Connect to a TLS-SRP (or TLS 1.3 PAKE) server and bridge stdin/stdout (like `openssl
    /// s_client -quiet`).
    #[command(
        after_help = "Examples:\n  tls-srp connect 127.0.0.1:4433 --user alice\n  tls-srp connect 127.0.0.1:4433 --pake --server-id files.example --user alice   # TLS 1.3 PAKE (experimental)\n  tls-srp connect files.example:4433 --user alice --cafile roots.pem   # SRP-RSA: the certificate too\n  echo hello | TLS_SRP_PASSWORD=secret tls-srp connect 127.0.0.1:4433 --user alice\n  tls-srp connect 127.0.0.1:4433 --user alice --reconnect 5   # 1 full handshake, then resumed sessions\n\nExit status: 0 done, 1 login refused (wrong user or password, locked out), 2 usage or local\nerror, 3 network error (name, refused, reset, timeout), 4 other TLS failure."
    )]
    Connect(ConnectArgs),
    /// In-memory benchmarks (like `openssl speed`).
    #[command(
        subcommand,
        after_help = "Examples:\n  tls-srp bench handshake --group 2048 --seconds 5\n  tls-srp bench record --etm --json"
    )]
    Bench(bench::BenchCmd),
}

#[derive(Args)]
pub struct ServeArgs {
    /// Where to listen: IP:PORT, [IPV6]:PORT, HOST:PORT (every address the name resolves
    /// to) or :PORT (every interface, IPv6 and IPv4).
    #[arg(long, value_name = "ADDR")]
    pub listen: String,
    /// Verifier file (OpenSSL srpvfile or GnuTLS tpasswd, detected), or a SPAKE2+ records
    /// file (TLS 1.3 PAKE, detected by its header line; needs --server-id).
    #[arg(long, required_unless_present = "store", conflicts_with = "store")]
    pub vfile: Option<PathBuf>,
    /// TLS 1.3 PAKE (SPAKE2+, draft-ietf-tls-pake; experimental codepoints): serve PAKE
    /// clients as the server identity NAME, the one their records were registered for
    /// (`passwd add --pake --server-id NAME`), next to TLS-SRP clients on the same port.
    /// The records come from --vfile (a SPAKE2+ records file) or --pake-file.
    #[arg(long, value_name = "NAME")]
    pub server_id: Option<String>,
    /// A SPAKE2+ records file served beside the SRP users of --vfile or --store: TLS-SRP
    /// and TLS 1.3 PAKE clients on one port (needs --server-id). Reloaded like --vfile.
    #[arg(long, value_name = "FILE")]
    pub pake_file: Option<PathBuf>,
    /// Moving users to TLS 1.3 PAKE without a password reset: a client that has just
    /// logged in with TLS-SRP (a full handshake) may register a SPAKE2+ record for its own
    /// username in --pake-file (created if missing), with `tls-srp connect --register-pake`.
    /// Only users without a record there; needs --vfile (SRP users), --pake-file and
    /// --server-id. See SECURITY.md.
    #[arg(long, requires_all = ["pake_file", "server_id"])]
    pub allow_pake_registration: bool,
    /// PostgreSQL store instead of a file, shared by every server that uses it: users,
    /// ticket keys (--tickets), failed-login counts and the simulation secret
    /// (postgres://USER:PASSWORD@HOST:PORT/DB, or the TLS_SRP_STORE environment variable,
    /// which keeps the password out of `ps`).
    #[arg(long, env = "TLS_SRP_STORE", hide_env_values = true)]
    pub store: Option<String>,
    /// GnuTLS tpasswd.conf (default: VFILE.conf for a GnuTLS file).
    #[arg(long)]
    pub conf: Option<PathBuf>,
    /// Echo every byte back.
    #[arg(long, group = "mode")]
    pub echo: bool,
    /// Answer any request with a small page naming the authenticated user.
    #[arg(long, group = "mode")]
    pub http: bool,
    /// Forward the decrypted stream to this plain TCP backend.
    #[arg(long, group = "mode", value_name = "HOST:PORT")]
    pub forward: Option<String>,
    /// With --forward: start each backend connection with a PROXY protocol v2 header
    /// carrying the client's address and port, the authenticated username (TLV type
    /// --proxy-username-tlv), the SNI name (PP2_TYPE_AUTHORITY), the ALPN protocol and the
    /// TLS version and cipher (PP2_TYPE_SSL).
    #[arg(long, requires = "forward")]
    pub proxy_protocol: bool,
    /// The PROXY v2 TLV type of the username: one of the application types 0xE0 to 0xEF.
    #[arg(long, default_value = "0xE5", value_name = "TYPE", value_parser = parse_custom_tlv, requires = "proxy_protocol")]
    pub proxy_username_tlv: u8,
    /// ALPN protocol to accept, in order of preference (repeat the flag); clients that
    /// offer ALPN but none of these are refused with no_application_protocol.
    #[arg(long, value_name = "PROTO")]
    pub alpn: Vec<String>,
    /// Seconds a client has to finish the handshake (counted from its connection).
    #[arg(long, default_value_t = 10)]
    pub handshake_timeout: u64,
    /// Seconds a client has to send its ClientHello (counted from its connection); at most
    /// the handshake timeout.
    #[arg(long, default_value_t = 5, value_name = "SECS")]
    pub hello_timeout: u64,
    /// Most connections served at once (more wait to be accepted).
    #[arg(long, default_value_t = 256)]
    pub max_connections: usize,
    /// Seconds to let open connections finish after SIGINT/SIGTERM.
    #[arg(long, default_value_t = 10)]
    pub shutdown_grace: u64,
    /// Answer unknown users with unknown_psk_identity instead of failing them like a wrong password.
    #[arg(long)]
    pub reject_unknown: bool,
    /// Seconds an established connection may stay silent in both directions (0: no limit).
    #[arg(long, default_value_t = 300)]
    pub idle_timeout: u64,
    /// Most handshakes in progress at once (more wait, within their handshake timeout).
    #[arg(long, default_value_t = 64)]
    pub max_handshakes: usize,
    /// Most handshakes in progress at once from one client address (IPv6: one /64), so that
    /// one address cannot hold every slot; raise it for a load test from one machine.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub max_handshakes_per_address: usize,
    /// Turn off the rate limiting of failed logins (RFC 5054 3.3), which is on by default.
    #[arg(long)]
    pub no_rate_limit: bool,
    /// Failed logins per username answered without delay; each further one doubles the delay.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub user_free_failures: u32,
    /// Failed logins per username after which attempts fail whatever the password.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub user_lockout: u32,
    /// Failed logins per client address (IPv6: per /64) answered without delay.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub ip_free_failures: u32,
    /// Failed logins per client address after which attempts fail whatever the password.
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub ip_lockout: u32,
    /// Longest delay before answering a rate-limited attempt, in milliseconds (kept under half
    /// the handshake timeout).
    #[arg(long, default_value_t = 4000, value_name = "MS")]
    pub max_delay_ms: u64,
    /// One failed login of each username and address is forgiven every this many seconds.
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub forgive_secs: u64,
    /// Also issue RFC 5077 session tickets (AES-256-GCM, key rotated every 6 hours); session
    /// IDs are always offered unless --no-resumption.
    #[arg(long)]
    pub tickets: bool,
    /// Never resume sessions: every connection does the full SRP exchange.
    #[arg(long, conflicts_with = "tickets")]
    pub no_resumption: bool,
    /// File holding the server secret from which unknown users' salts are derived, so they
    /// stay the same across restarts like real users' (created, mode 0600, if missing).
    /// Default: VFILE.secret next to the verifier file.
    #[arg(long, value_name = "FILE")]
    pub secret_file: Option<PathBuf>,
    /// Seconds after its full handshake a session may be resumed.
    #[arg(long, default_value_t = 7200, value_name = "SECS")]
    pub session_lifetime: u64,
    /// Certificate chain (PEM, leaf first). With --key: SRP clients that offer the SRP-RSA
    /// suites get them (the ServerKeyExchange signed with this key), and clients without SRP
    /// (browsers, curl without a password) get TLS 1.3 or 1.2 with this certificate on the
    /// same port, unless --srp-only.
    #[arg(long, value_name = "CHAIN.pem", requires = "key")]
    pub cert: Option<PathBuf>,
    /// The certificate's private key (PEM: PKCS#8, PKCS#1 RSA or SEC1 EC).
    #[arg(long, value_name = "KEY.pem", requires = "cert")]
    pub key: Option<PathBuf>,
    /// With --cert: the certificate serves the SRP-RSA suites only; a client without SRP is
    /// refused, as without --cert.
    #[arg(long, requires = "cert")]
    pub srp_only: bool,
    /// Append each session's master secret to FILE in the NSS key log format (SSLKEYLOGFILE),
    /// for Wireshark or tshark. Whoever can read it can decrypt every logged session:
    /// debugging only.
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<PathBuf>,
}

/// A PROXY v2 TLV type in the range the protocol leaves to applications (0xE0..=0xEF).
fn parse_custom_tlv(s: &str) -> Result<u8, String> {
    let v = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u8::from_str_radix(hex, 16),
        None => s.parse::<u8>(),
    }
    .map_err(|_| format!("{s:?} is not a byte (0xE0 to 0xEF)"))?;
    match v {
        0xE0..=0xEF => Ok(v),
        _ => Err(format!(
            "{s} is not an application TLV type; use 0xE0 to 0xEF (PP2_TYPE_MIN_CUSTOM..MAX_CUSTOM)"
        )),
    }
}

#[derive(Args)]
pub struct ConnectArgs {
    /// Server address: HOST:PORT, IP:PORT or [IPV6]:PORT.
    pub addr: String,
    /// The SNI server name to send (default: HOST, when it is a name).
    #[arg(long, value_name = "NAME")]
    pub servername: Option<String>,
    /// ALPN protocol to offer, in order of preference (repeat the flag).
    #[arg(long, value_name = "PROTO")]
    pub alpn: Vec<String>,
    /// Username (SRP, or with --pake the PAKE client identity).
    #[arg(long)]
    pub user: String,
    /// TLS 1.3 with a PAKE (SPAKE2+, draft-ietf-tls-pake; experimental codepoints) instead
    /// of TLS-SRP; needs --server-id. The password is stretched with scrypt (about 100 ms).
    #[arg(long, conflicts_with_all = ["cafile", "require_certificate"])]
    pub pake: bool,
    /// With --pake: the server identity the server calls itself (its `serve --server-id`),
    /// which the password was registered for. With --register-pake: the identity the
    /// server must offer (default: whatever it offers).
    #[arg(long, value_name = "NAME")]
    pub server_id: Option<String>,
    /// Log in with TLS-SRP, then register a TLS 1.3 PAKE record for this user and password
    /// over that connection (the server must run `serve --allow-pake-registration`); the
    /// password never leaves this machine. Then log in with --pake. See SECURITY.md.
    #[arg(long, conflicts_with_all = ["pake", "alpn", "reconnect"])]
    pub register_pake: bool,
    /// Read the password from the first line of stdin (the rest of stdin is sent).
    #[arg(long)]
    pub password_stdin: bool,
    /// Smallest SRP group accepted from the server, in bits.
    #[arg(long, default_value_t = 2048)]
    pub min_group_bits: u32,
    /// Seconds to wait for the connection and handshake.
    #[arg(long, default_value_t = 15)]
    pub timeout: u64,
    /// First connect and close N times, resuming the first session (like `openssl s_client
    /// -reconnect`); a summary line per connection says full or resumed.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub reconnect: u32,
    /// Also offer the SRP-RSA suites (first), and check the server's certificate chain
    /// against these roots (PEM) and its name (--servername, or HOST: a DNS name or an IP
    /// address) with rustls's web-PKI verifier.
    #[arg(long, value_name = "ROOTS.pem")]
    pub cafile: Option<PathBuf>,
    /// With --cafile: offer the SRP-RSA suites alone, so that the server must prove its
    /// certificate as well as the verifier.
    #[arg(long, requires = "cafile")]
    pub require_certificate: bool,
    /// Append each session's master secret to FILE in the NSS key log format, for Wireshark
    /// (default: the file SSLKEYLOGFILE names, if set). Debugging only.
    #[arg(long, value_name = "FILE")]
    pub keylog: Option<PathBuf>,
}

/// `tls-srp passwd add`: the subcommands named on the command line, for the `--help` hint.
fn command_path(args: &[std::ffi::OsString]) -> String {
    let mut cmd = Cli::command();
    let mut path = String::from("tls-srp");
    for a in args.iter().skip(1) {
        let Some(a) = a.to_str() else { break };
        if a.starts_with('-') {
            continue;
        }
        if !cmd.has_subcommands() {
            break;
        }
        let Some(sub) = cmd.find_subcommand(a).cloned() else {
            break;
        };
        path.push(' ');
        path.push_str(sub.get_name());
        cmd = sub;
    }
    path
}

/// Prints a clap error as one line that says what to do (help and version are printed as
/// clap formats them, on stdout).
fn usage_error(e: &clap::Error, args: &[std::ffi::OsString]) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let path = command_path(args);
    let what = match e.kind() {
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand => {
            format!("`{path}` needs a subcommand")
        }
        _ => {
            // clap's text: "error: WHAT\n  details...\n\nUsage: ...\n\nFor more information...".
            let text = e.render().to_string();
            let mut parts: Vec<String> = Vec::new();
            for line in text.lines() {
                let line = line.trim();
                if line.starts_with("Usage:") || line.starts_with("For more information") {
                    break;
                }
                if let Some(tip) = line.strip_prefix("tip: ") {
                    parts.push(format!("({tip})"));
                } else if !line.is_empty() {
                    parts.push(line.strip_prefix("error: ").unwrap_or(line).to_owned());
                }
            }
            parts.join(" ")
        }
    };
    eprintln!(
        "tls-srp: {}; see `{path} --help`",
        what.trim_end_matches(['.', ':'])
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => return usage_error(&e, &args),
    };
    let res = match cli.cmd {
        Cmd::Demo => demo::run(),
        Cmd::Passwd(p) => passwd::run(p),
        Cmd::Serve(a) => net::serve(*a),
        Cmd::Connect(a) => net::connect(a),
        Cmd::Bench(b) => bench::run(b),
    };
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("tls-srp: {}", f.msg);
            ExitCode::from(f.code)
        }
    }
}
