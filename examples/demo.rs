//! A real TLS-SRP exchange over loopback, nothing to configure:
//!
//! ```text
//! cargo run --release --example demo
//! ```
//!
//! Starts a server on an ephemeral 127.0.0.1 port with an in-memory user, connects to it
//! with the client, exchanges a message, shows what was negotiated, then shows that a wrong
//! password is refused.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Instant;

use tls_srp::stream::StreamOwned;
use tls_srp::{
    ClientConfig, ClientConnection, InMemoryUserStore, ServerConfig, ServerConnection, SrpGroup,
};

const USER: &str = "alice";
const PASSWORD: &str = "demo password: use a long passphrase in real life";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The server stores only a salt and a verifier, never the password.
    let store = Arc::new(InMemoryUserStore::new());
    store.add_user(
        USER,
        PASSWORD.as_bytes(),
        SrpGroup::by_bits(2048).ok_or("no group")?,
    )?;
    let server_config = Arc::new(ServerConfig::new(store)?);

    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    println!("server: listening on {addr} (TLS-SRP, no certificate)");

    let server = std::thread::spawn(move || -> Result<(), String> {
        for _ in 0..2 {
            let (sock, _) = listener.accept().map_err(|e| e.to_string())?;
            let conn =
                ServerConnection::new(server_config.clone(), None).map_err(|e| e.to_string())?;
            let mut tls = StreamOwned::new(conn, sock);
            let mut line = String::new();
            match BufReader::new(&mut tls).read_line(&mut line) {
                Ok(_) => {
                    let user = tls.conn.username().unwrap_or("?").to_owned();
                    writeln!(tls, "hello {user}, you said: {}", line.trim_end())
                        .map_err(|e| e.to_string())?;
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                }
                Err(e) => println!("server: refused a client: {e}"),
            }
        }
        Ok(())
    });

    // A client that knows the password.
    let start = Instant::now();
    let mut sock = TcpStream::connect(addr)?;
    let mut conn = ClientConnection::new(
        Arc::new(ClientConfig::new(USER, PASSWORD)),
        Some("localhost"),
    )?;
    while conn.is_handshaking() {
        conn.complete_io(&mut sock)?;
    }
    let took = start.elapsed();
    println!(
        "client: handshake done in {:.1} ms: {:?}, SRP group {} bits, extended master secret {}, encrypt-then-MAC {}",
        took.as_secs_f64() * 1e3,
        conn.negotiated_cipher_suite().ok_or("no suite")?,
        conn.srp_group_bits().unwrap_or(0),
        conn.extended_master_secret(),
        conn.encrypt_then_mac(),
    );
    let mut tls = StreamOwned::new(conn, sock);
    writeln!(tls, "ping over TLS-SRP")?;
    let mut reply = String::new();
    BufReader::new(&mut tls).read_line(&mut reply)?;
    println!("client: server replied: {}", reply.trim_end());

    // A client with the wrong password: the server cannot decrypt its Finished.
    let mut sock = TcpStream::connect(addr)?;
    let mut conn =
        ClientConnection::new(Arc::new(ClientConfig::new(USER, "wrong password")), None)?;
    let mut result = Ok((0, 0));
    while conn.is_handshaking() && result.is_ok() {
        result = conn.complete_io(&mut sock);
    }
    match result {
        Err(e) => println!("client: wrong password refused as expected: {e}"),
        Ok(_) => return Err("a wrong password was accepted".into()),
    }

    server.join().map_err(|_| "server thread panicked")??;
    println!();
    println!("Try it with other tools against a server of your own, e.g.:");
    println!("  cargo run --release --example blocking_server   # 127.0.0.1:4433, user alice, password password123");
    println!("  curl -k --tlsauthtype SRP --tlsuser alice --tlspassword password123 https://127.0.0.1:4433/");
    println!("  gnutls-cli --srpusername alice --srppasswd password123 --priority NORMAL:-KX-ALL:+SRP -p 4433 127.0.0.1");
    Ok(())
}
