//! Key logging, proven with Wireshark's `tshark` (Debian): a TLS-SRP session between our
//! client and server on 127.0.0.1, captured with tshark while the server writes
//! SSLKEYLOGFILE lines, is decrypted by tshark with that file and shows the plaintext;
//! without the file it does not. Both suites, EtM on and off.

#[path = "common/interop.rs"]
mod interop;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use interop::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use tls_srp::suites::{TLS_SRP_SHA_WITH_AES_128_CBC_SHA, TLS_SRP_SHA_WITH_AES_256_CBC_SHA};
use tls_srp::tokio::{TlsAcceptor, TlsConnector};
use tls_srp::{ClientConfig, InMemoryUserStore, KeyLogFile, ServerConfig, SrpGroup};

fn tshark(args: &[&str]) -> String {
    let mut cmd = Command::new("tshark");
    cmd.args(args);
    let (st, out, err) = run("tshark", cmd, b"", PROC_TIMEOUT);
    assert!(st.success(), "tshark {args:?}: {err}");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tshark_decrypts_a_logged_session() {
    peers();
    require_program("tshark", "--version");
    let dir = TempDir::new("keylog");
    for (suite, etm) in [
        (TLS_SRP_SHA_WITH_AES_256_CBC_SHA, true),
        (TLS_SRP_SHA_WITH_AES_128_CBC_SHA, false),
    ] {
        let keylog = dir.path(&format!("keys-{:?}-{etm}.log", suite.suite));
        let pcap = dir.path(&format!("cap-{:?}-{etm}.pcap", suite.suite));
        let store = InMemoryUserStore::new();
        store
            .add_user("alice", b"password123", SrpGroup::by_bits(2048).unwrap())
            .unwrap();
        let mut scfg = ServerConfig::new(Arc::new(store)).unwrap();
        scfg.key_log = Arc::new(KeyLogFile::new(&keylog));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();

        // Capture on loopback until the exchange is over (then SIGINT: tshark writes what
        // it has and exits).
        let mut cmd = Command::new("tshark");
        cmd.args(["-i", "lo", "-f", &format!("tcp port {port}")])
            .arg("-w")
            .arg(&pcap);
        let mut capture = Proc::spawn("tshark capture", cmd, Stdio::null());
        let deadline = std::time::Instant::now() + PROC_TIMEOUT;
        while !capture.stderr().contains("Capture started") {
            assert!(std::time::Instant::now() < deadline, "{}", capture.stderr());
            std::thread::sleep(Duration::from_millis(20));
        }
        // dumpcap says so a moment before its filter is attached.
        tokio::time::sleep(Duration::from_millis(1500)).await;

        let acceptor = TlsAcceptor::from(Arc::new(scfg));
        let server = tokio::spawn(async move {
            let (tcp, peer) = listener.accept().await.unwrap();
            let mut tls = acceptor.accept(tcp, Some(peer.ip())).await.unwrap();
            let mut buf = vec![0u8; 64];
            let n = tls.read(&mut buf).await.unwrap();
            tls.write_all(&buf[..n]).await.unwrap();
            tls.shutdown().await.unwrap();
        });
        let mut ccfg = ClientConfig::new("alice", "password123");
        ccfg.cipher_suites = vec![suite];
        ccfg.enable_encrypt_then_mac = etm;
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let mut tls = TlsConnector::from(Arc::new(ccfg))
            .connect(None, tcp)
            .await
            .unwrap();
        tls.write_all(b"the secret marker 7f3a").await.unwrap();
        let mut back = Vec::new();
        tls.read_to_end(&mut back).await.unwrap();
        assert_eq!(back, b"the secret marker 7f3a");
        server.await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let st = Command::new("kill")
            .args(["-INT", &capture.pid().to_string()])
            .status()
            .unwrap();
        assert!(st.success());
        capture.wait_exit(Duration::from_secs(20));

        let log = std::fs::read_to_string(&keylog).unwrap();
        assert_eq!(log.lines().count(), 1, "{log}");
        assert!(log.starts_with("CLIENT_RANDOM "), "{log}");
        let decode = format!("tcp.port=={port},tls");
        let decrypted = tshark(&[
            "-r",
            pcap.to_str().unwrap(),
            "-d",
            &decode,
            "-o",
            &format!("tls.keylog_file:{}", keylog.display()),
            "-Y",
            "tls",
            "-x",
        ]);
        assert!(
            decrypted.contains("Decrypted TLS"),
            "{:?} etm {etm}: no decrypted record:\n{decrypted}\ncapture:\n{}\n{}",
            suite.suite,
            tshark(&["-r", pcap.to_str().unwrap(), "-d", &decode]),
            capture.stderr()
        );
        let marker_hex = "the secret marker 7f3a"
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect::<String>();
        let hex: String = decrypted
            .lines()
            .filter_map(|l| l.get(6..54))
            .flat_map(|h| h.split_whitespace())
            .collect();
        assert_eq!(
            hex.matches(&marker_hex).count(),
            2,
            "the marker in both directions ({:?}, etm {etm})",
            suite.suite
        );
        // Without the key log, only ciphertext.
        let opaque = tshark(&[
            "-r",
            pcap.to_str().unwrap(),
            "-d",
            &decode,
            "-Y",
            "tls",
            "-x",
        ]);
        assert!(!opaque.contains("Decrypted TLS"));
    }
}
