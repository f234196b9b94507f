//! SRP users and certificate clients on one port, with axum: each is answered with a page
//! that names who they are.
//!
//! ```text
//! cargo run --example axum_oneport --features axum -- CHAIN.pem KEY.pem [ADDR] [USER] [PASSWORD]
//! ```
//! (defaults: 127.0.0.1:4433, alice, password123). Try it with:
//! ```text
//! curl --cacert CA.pem https://localhost:4433/                                 # certificate (TLS 1.3)
//! curl --tlsauthtype SRP --tlsuser alice --tlspassword password123 -k https://localhost:4433/
//! cargo run --example hyper_client --features hyper -- https://localhost:4433/ alice password123
//! ```

use std::error::Error;
use std::sync::Arc;

use axum::extract::ConnectInfo;
use axum::routing::get;
use axum::Router;
use tls_srp::axum::{ClientInfo, SrpListener};
use tls_srp::oneport::Peer;
use tls_srp::{InMemoryUserStore, ServerConfig, SrpGroup};

async fn who(ConnectInfo(client): ConnectInfo<ClientInfo>) -> String {
    match client.peer {
        Peer::Srp { username } => format!("Hello, {username}: you logged in with TLS-SRP.\n"),
        Peer::Certificate {
            protocol_version, ..
        } => format!(
            "Hello, certificate client ({}): no password here.\n",
            protocol_version.map_or("?".into(), |v| format!("{v:?}"))
        ),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(chain), Some(key)) = (args.next(), args.next()) else {
        return Err("usage: axum_oneport CHAIN.pem KEY.pem [ADDR] [USER] [PASSWORD]".into());
    };
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:4433".into());
    let user = args.next().unwrap_or_else(|| "alice".into());
    let password = args.next().unwrap_or_else(|| "password123".into());

    // Password users: a verifier, never the password. With the certificate too, SRP clients
    // that check it get the SRP-RSA suites.
    let store = InMemoryUserStore::new();
    store.add_user(
        &user,
        password.as_bytes(),
        SrpGroup::by_bits(2048).ok_or("group")?,
    )?;
    let mut srp = ServerConfig::new(Arc::new(store))?;
    let certified = tls_srp::cert::certified_key_from_pem_files(&chain, &key)?;
    srp.certificate = Some(certified.clone());

    // Everyone else: rustls (TLS 1.3 and 1.2) with the same certificate.
    let certificates = tls_srp::cert::rustls_server_config(certified)?;

    let listener = SrpListener::bind(&addr, Arc::new(srp), Some(Arc::new(certificates))).await?;
    println!(
        "listening on {}",
        axum::serve::Listener::local_addr(&listener)?.addr
    );
    let app = Router::new().route("/", get(who));
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<ClientInfo>(),
    )
    .await?;
    Ok(())
}
