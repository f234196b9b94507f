//! `tls-srp demo`: a real TLS-SRP exchange over loopback, nothing to configure.

use std::sync::Arc;
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use tls_srp::tokio::{TlsAcceptor, TlsConnector};
use tls_srp::{ClientConfig, HandshakeKind, InMemoryUserStore, ServerConfig, SrpGroup};

use crate::Fail;

const USER: &str = "demo";
const PASSWORD: &str = "correct horse battery staple";

fn err<E: std::fmt::Display>(what: &'static str) -> impl Fn(E) -> Fail {
    move |e| Fail::new(format!("demo: {what}: {e}"))
}

pub fn run() -> Result<(), Fail> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(err("cannot start the runtime"))?;
    rt.block_on(demo())
}

async fn demo() -> Result<(), Fail> {
    let group = SrpGroup::by_bits(2048).ok_or_else(|| Fail::new("no 2048-bit group".into()))?;
    let store = Arc::new(InMemoryUserStore::new());
    store
        .add_user(USER, PASSWORD.as_bytes(), group)
        .map_err(err("cannot add the demo user"))?;
    let acceptor = TlsAcceptor::from(Arc::new(
        ServerConfig::new(store).map_err(err("server config"))?,
    ));
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(err("cannot listen on 127.0.0.1"))?;
    let addr = listener.local_addr().map_err(err("local address"))?;
    println!(
        "server: listening on {addr}, user {USER:?} (salt and verifier in memory, no certificate)"
    );

    // Two connections: a full SRP handshake, then one that resumes its session.
    let server = tokio::spawn(async move {
        for _ in 0..2 {
            let (tcp, _) = listener.accept().await?;
            tcp.set_nodelay(true)?;
            let mut tls = acceptor.accept(tcp, None).await?;
            let user = tls.get_ref().1.username().unwrap_or("?").to_owned();
            let mut buf = vec![0u8; 1024];
            let n = tls.read(&mut buf).await?;
            let msg = String::from_utf8_lossy(buf.get(..n).unwrap_or_default()).into_owned();
            tls.write_all(format!("hello {user}, you said: {msg}").as_bytes())
                .await?;
            tls.shutdown().await?;
        }
        Ok::<_, std::io::Error>(())
    });

    // One connector, one session store: the second connection offers the first's session.
    let connector = TlsConnector::from(Arc::new(ClientConfig::new(USER, PASSWORD)));
    for round in 0..2 {
        let start = Instant::now();
        let tcp = TcpStream::connect(addr)
            .await
            .map_err(err("cannot connect"))?;
        // A resumed handshake ends with the client's flight; without TCP_NODELAY the first
        // request would wait for the server's delayed ACK (Nagle).
        tcp.set_nodelay(true).map_err(err("TCP_NODELAY"))?;
        let mut tls = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            connector.connect(Some("localhost"), tcp),
        )
        .await
        .map_err(err("handshake timed out"))?
        .map_err(err("handshake failed"))?;
        let hs = start.elapsed();
        let conn = tls.get_ref().1;
        let kind = match conn.handshake_kind() {
            Some(HandshakeKind::Resumed) => "resumed session (no SRP arithmetic)",
            _ => "full SRP handshake",
        };
        println!(
            "client: {kind} in {:.1} ms: {} {}, SRP group {} bits, extended master secret {}, encrypt-then-MAC {}",
            hs.as_secs_f64() * 1000.0,
            conn.protocol_version().map(|v| format!("{v:?}")).unwrap_or_default(),
            conn.negotiated_cipher_suite().map(|v| format!("{v:?}")).unwrap_or_default(),
            conn.srp_group_bits().unwrap_or(0),
            yes(conn.extended_master_secret()),
            yes(conn.encrypt_then_mac()),
        );
        if round == 1 && conn.handshake_kind() != Some(HandshakeKind::Resumed) {
            return Err(Fail::new(
                "demo: the second connection did not resume".into(),
            ));
        }
        let msg: &[u8] = if round == 0 { b"ping" } else { b"ping again" };
        tls.write_all(msg).await.map_err(err("send"))?;
        let mut reply = Vec::new();
        tls.read_to_end(&mut reply).await.map_err(err("receive"))?;
        println!(
            "client: sent {:?}, got {:?} ({:.1} ms in all)",
            String::from_utf8_lossy(msg),
            String::from_utf8_lossy(&reply),
            start.elapsed().as_secs_f64() * 1000.0
        );
    }
    server
        .await
        .map_err(err("server task"))?
        .map_err(err("server"))?;

    println!();
    println!("Try it for real (without --password-stdin, passwd add and connect prompt for the password; {PASSWORD:?} is only an example):");
    println!("  echo '{PASSWORD}' | tls-srp passwd add --file demo.srpv --password-stdin {USER}");
    println!("  tls-srp serve --listen 127.0.0.1:4433 --vfile demo.srpv --http");
    println!("  curl --tlsauthtype SRP --tlsuser {USER} --tlspassword '{PASSWORD}' -k https://127.0.0.1:4433/");
    println!("  gnutls-cli --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+SRP' --srpusername {USER} --srppasswd '{PASSWORD}' -p 4433 127.0.0.1");
    println!("  tls-srp connect 127.0.0.1:4433 --user {USER}");
    Ok(())
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}
