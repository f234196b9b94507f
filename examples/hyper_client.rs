//! hyper's pooled client over TLS-SRP: two GETs over one connection.
//!
//! ```text
//! cargo run --example hyper_client --features hyper -- URL [USER] [PASSWORD]
//! ```
//! (defaults: alice, password123), for example against the `axum_oneport` example.

use std::error::Error;
use std::sync::Arc;

use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tls_srp::hyper::SrpConnector;
use tls_srp::tokio::TlsConnector;
use tls_srp::ClientConfig;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let url: hyper::Uri = args
        .next()
        .ok_or("usage: hyper_client URL [USER] [PASSWORD]")?
        .parse()?;
    let user = args.next().unwrap_or_else(|| "alice".into());
    let password = args.next().unwrap_or_else(|| "password123".into());

    let tls = TlsConnector::from(Arc::new(ClientConfig::new(user, password)));
    let client: Client<_, Empty<bytes::Bytes>> =
        Client::builder(TokioExecutor::new()).build(SrpConnector::new(tls));
    for _ in 0..2 {
        let response = client.get(url.clone()).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        println!("{status} {}", String::from_utf8_lossy(&body).trim_end());
    }
    Ok(())
}
