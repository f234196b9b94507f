//! The simplest TLS-SRP client: blocking IO. Sends a line, prints the echo.
//!
//! ```text
//! cargo run --example blocking_server &
//! cargo run --example blocking_client -- [PORT] [USER] [PASSWORD] [MESSAGE]
//! ```
//! (defaults: 4433, alice, password123, "hello"). A wrong password fails the handshake with
//! an `InvalidData` error: the server's `bad_record_mac` alert.

use std::error::Error;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use tls_srp::stream::StreamOwned;
use tls_srp::{ClientConfig, ClientConnection};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().as_deref().unwrap_or("4433").parse()?;
    let user = args.next().unwrap_or_else(|| "alice".into());
    let password = args.next().unwrap_or_else(|| "password123".into());
    let message = args.next().unwrap_or_else(|| "hello".into());

    let config = Arc::new(ClientConfig::new(user, password));
    let conn = ClientConnection::new(config, Some("localhost"))?;
    let mut tls = StreamOwned::new(conn, TcpStream::connect(("127.0.0.1", port))?);

    tls.write_all(message.as_bytes())?; // the handshake runs first
    let mut echo = vec![0u8; message.len()];
    tls.read_exact(&mut echo)?;
    println!("{}", String::from_utf8_lossy(&echo));

    // Say goodbye properly: close_notify, then the server's own close_notify ends the stream.
    tls.conn.send_close_notify();
    tls.flush()?;
    let mut rest = Vec::new();
    tls.read_to_end(&mut rest)?;
    Ok(())
}
