//! A TLS-SRP server on tokio that looks users up asynchronously (as it would in a database)
//! once the client has said who it is, with [`tls_srp::tokio::LazyAcceptor`].
//!
//! ```text
//! cargo run --example tokio_server -- [PORT] [USER] [PASSWORD]
//! ```
//! (defaults: 4433, alice, password123). It listens on 127.0.0.1 only. Try it with:
//! ```text
//! cargo run --example tokio_client -- 4433 alice password123
//! curl --tlsauthtype SRP --tlsuser alice --tlspassword password123 -k https://127.0.0.1:4433/
//! ```
//! An HTTP request (curl) gets a small page naming the user; anything else is echoed back.

use std::collections::HashMap;
use std::error::Error;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use tls_srp::tokio::LazyAcceptor;
use tls_srp::{ServerConfig, SrpGroup, UserRecord};

/// Stands in for a database of (username → salt and verifier).
type Users = Arc<HashMap<String, UserRecord>>;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().as_deref().unwrap_or("4433").parse()?;
    let user = args.next().unwrap_or_else(|| "alice".into());
    let password = args.next().unwrap_or_else(|| "password123".into());

    let group = SrpGroup::by_bits(2048).ok_or("no 2048-bit group")?;
    let record = UserRecord::new(&user, password.as_bytes(), group)?;
    let users: Users = Arc::new(HashMap::from([(user.clone(), record)]));
    // No user store: every handshake stops after the ClientHello for our lookup.
    let config = Arc::new(ServerConfig::with_async_lookup()?);

    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on 127.0.0.1:{port} for user {user:?}");
    loop {
        let (tcp, peer) = listener.accept().await?;
        let (config, users) = (config.clone(), users.clone());
        tokio::spawn(async move {
            match serve(config, users, tcp, peer.ip()).await {
                Ok(user) => println!("{peer}: {user} done"),
                Err(e) => println!("{peer}: {e}"),
            }
        });
    }
}

async fn lookup(users: &Users, name: &str) -> Option<UserRecord> {
    tokio::time::sleep(Duration::from_millis(5)).await; // a database round trip
    users.get(name).cloned()
}

/// Runs one connection; returns the user's name.
async fn serve(
    config: Arc<ServerConfig>,
    users: Users,
    tcp: TcpStream,
    peer: IpAddr,
) -> Result<String, Box<dyn Error>> {
    // The config's deadlines bound the handshake, however slowly the client goes; the
    // client's address goes to the rate limiter with the username.
    let start = LazyAcceptor::new(config, tcp, Some(peer)).await?;
    let record = lookup(&users, start.username()).await;
    // An unknown user (None) fails like a wrong password, without saying which it was.
    let mut tls = start.into_stream(record).await?;
    let user = tls.get_ref().1.username().unwrap_or_default().to_owned();

    let mut buf = vec![0u8; 4096];
    let n = tls.read(&mut buf).await?;
    let first = buf.get(..n).unwrap_or_default();
    if [&b"GET "[..], b"HEAD ", b"POST "]
        .iter()
        .any(|m| first.starts_with(m))
    {
        let body = format!(
            "<!doctype html>\n<h1>Hello, {}!</h1>\n<p>You logged in with TLS-SRP.</p>\n",
            html_escape(&user)
        );
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        tls.write_all(head.as_bytes()).await?;
        tls.write_all(body.as_bytes()).await?;
    } else {
        let mut n = n;
        while n > 0 {
            tls.write_all(buf.get(..n).unwrap_or_default()).await?;
            n = tls.read(&mut buf).await?; // 0 once the client sends close_notify
        }
    }
    tls.shutdown().await?; // close_notify
    Ok(user)
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
