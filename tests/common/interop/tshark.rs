//! Wireshark's `tshark` (Debian): a loopback capture of one TCP port, and the TLS records
//! of a capture as tshark shows them, decrypted with a key log or not.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::support::{require_program, run, Proc, TempDir, PROC_TIMEOUT};

/// Runs tshark with `args`; its stdout (fails the test if tshark fails).
pub fn tshark(args: &[&str]) -> String {
    let mut cmd = Command::new("tshark");
    cmd.args(args);
    let (st, out, err) = run("tshark", cmd, b"", PROC_TIMEOUT);
    assert!(st.success(), "tshark {args:?}: {err}");
    out
}

/// A running capture of 127.0.0.1 traffic to and from one TCP port.
pub struct Capture {
    proc_: Proc,
    /// The capture file.
    pub pcap: PathBuf,
    /// The port captured.
    pub port: u16,
}

impl Capture {
    /// Starts capturing `port` on `lo` into `dir`/`name`.pcap; returns once packets are
    /// being captured.
    pub fn start(dir: &TempDir, name: &str, port: u16) -> Capture {
        require_program("tshark", "--version");
        let pcap = dir.path(&format!("{name}.pcap"));
        let mut cmd = Command::new("tshark");
        cmd.args(["-i", "lo", "-f", &format!("tcp port {port}")])
            .arg("-w")
            .arg(&pcap);
        let proc_ = Proc::spawn("tshark capture", cmd, Stdio::null());
        let deadline = Instant::now() + PROC_TIMEOUT;
        while !proc_.stderr().contains("Capture started") {
            assert!(Instant::now() < deadline, "{}", proc_.stderr());
            std::thread::sleep(Duration::from_millis(20));
        }
        // dumpcap says so a moment before its filter is attached.
        std::thread::sleep(Duration::from_millis(1500));
        Capture { proc_, pcap, port }
    }

    /// Stops the capture (SIGINT: tshark writes what it has and exits); what tshark said.
    pub fn stop(mut self) -> (PathBuf, u16, String) {
        std::thread::sleep(Duration::from_millis(300));
        let st = Command::new("kill")
            .args(["-INT", &self.proc_.pid().to_string()])
            .status()
            .unwrap();
        assert!(st.success());
        self.proc_.wait_exit(Duration::from_secs(20));
        (self.pcap.clone(), self.port, self.proc_.stderr())
    }
}

/// tshark's view of the TLS records on `port` in `pcap` (`-x`: hex dumps of each
/// packet, and of each decrypted record under "Decrypted TLS"), decrypted with `keylog`
/// if given.
pub fn tls_records(pcap: &Path, port: u16, keylog: Option<&Path>) -> String {
    let decode = format!("tcp.port=={port},tls");
    let pcap = pcap.to_str().expect("utf-8 path");
    let mut args = vec!["-r", pcap, "-d", &decode, "-Y", "tls", "-x"];
    let keylog_opt = keylog.map(|k| format!("tls.keylog_file:{}", k.display()));
    if let Some(k) = &keylog_opt {
        args.extend(["-o", k.as_str()]);
    }
    tshark(&args)
}

/// How many times `text` appears in the hex dumps of `dump` (a [`tls_records`] output).
pub fn count_in_hex_dump(dump: &str, text: &str) -> usize {
    let want = text.bytes().map(|b| format!("{b:02x}")).collect::<String>();
    let hex: String = dump
        .lines()
        .filter_map(|l| l.get(6..54))
        .flat_map(|h| h.split_whitespace())
        .collect();
    hex.matches(&want).count()
}
