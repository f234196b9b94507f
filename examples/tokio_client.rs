//! A TLS-SRP client on tokio. Sends a line, prints the echo.
//!
//! ```text
//! cargo run --example tokio_server &
//! cargo run --example tokio_client -- [PORT] [USER] [PASSWORD] [MESSAGE]
//! ```
//! (defaults: 4433, alice, password123, "hello"). Works against `blocking_server` too.

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use tls_srp::tokio::TlsConnector;
use tls_srp::ClientConfig;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().as_deref().unwrap_or("4433").parse()?;
    let user = args.next().unwrap_or_else(|| "alice".into());
    let password = args.next().unwrap_or_else(|| "password123".into());
    let message = args.next().unwrap_or_else(|| "hello".into());

    let connector = TlsConnector::from(Arc::new(ClientConfig::new(user, password)));
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    // Never wait for ever on a peer.
    let mut tls = tokio::time::timeout(
        Duration::from_secs(10),
        connector.connect(Some("localhost"), tcp),
    )
    .await??;

    tls.write_all(message.as_bytes()).await?;
    tls.flush().await?;
    let mut echo = vec![0u8; message.len()];
    tls.read_exact(&mut echo).await?;
    println!("{}", String::from_utf8_lossy(&echo));

    tls.shutdown().await?; // close_notify
    tls.read_to_end(&mut Vec::new()).await?; // until the server's close_notify
    Ok(())
}
