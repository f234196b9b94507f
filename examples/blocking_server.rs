//! The simplest TLS-SRP server: blocking IO, one thread per client, one user.
//!
//! ```text
//! cargo run --example blocking_server -- [PORT] [USER] [PASSWORD]
//! ```
//! (defaults: 4433, alice, password123). It listens on 127.0.0.1 only. Try it with:
//! ```text
//! cargo run --example blocking_client -- 4433 alice password123
//! curl --tlsauthtype SRP --tlsuser alice --tlspassword password123 -k https://127.0.0.1:4433/
//! gnutls-cli --srpusername alice --srppasswd password123 --priority NORMAL:-KX-ALL:+SRP -p 4433 127.0.0.1
//! ```
//! An HTTP request (curl) gets a small page naming the user; anything else is echoed back.

use std::error::Error;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

use tls_srp::stream::Acceptor;
use tls_srp::{InMemoryUserStore, ServerConfig, SrpGroup};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().as_deref().unwrap_or("4433").parse()?;
    let user = args.next().unwrap_or_else(|| "alice".into());
    let password = args.next().unwrap_or_else(|| "password123".into());

    // The server keeps a verifier, never the password.
    let store = InMemoryUserStore::new();
    let group = SrpGroup::by_bits(2048).ok_or("no 2048-bit group")?;
    store.add_user(&user, password.as_bytes(), group)?;
    // Rate limiting, handshake caps and deadlines are on by default (see ServerConfig).
    let acceptor = Acceptor::new(Arc::new(ServerConfig::new(Arc::new(store))?));

    let listener = TcpListener::bind(("127.0.0.1", port))?;
    println!("listening on 127.0.0.1:{port} for user {user:?}");
    for sock in listener.incoming() {
        let sock = sock?;
        let acceptor = acceptor.clone();
        std::thread::spawn(move || {
            let peer = sock.peer_addr().map(|a| a.to_string()).unwrap_or_default();
            match serve(&acceptor, sock) {
                Ok(user) => println!("{peer}: {user} done"),
                Err(e) => println!("{peer}: {e}"),
            }
        });
    }
    Ok(())
}

/// Runs one connection; returns the user's name.
fn serve(acceptor: &Acceptor, sock: TcpStream) -> Result<String, Box<dyn Error>> {
    // The handshake runs here, within the config's deadlines; a wrong password fails it.
    let mut tls = acceptor.accept(sock)?;
    let mut buf = [0u8; 4096];
    let n = tls.read(&mut buf)?;
    let user = tls.conn.username().unwrap_or_default().to_owned();

    let first = buf.get(..n).unwrap_or_default();
    if [&b"GET "[..], b"HEAD ", b"POST "]
        .iter()
        .any(|m| first.starts_with(m))
    {
        let body = format!(
            "<!doctype html>\n<h1>Hello, {}!</h1>\n<p>You logged in with TLS-SRP.</p>\n",
            html_escape(&user)
        );
        write!(
            tls,
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )?;
    } else {
        let mut n = n;
        while n > 0 {
            tls.write_all(buf.get(..n).unwrap_or_default())?;
            n = tls.read(&mut buf)?; // 0 once the client sends close_notify
        }
    }
    tls.conn.send_close_notify();
    tls.flush()?;
    Ok(user)
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
