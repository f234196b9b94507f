//! A stateless SRP-6a login service over HTTP/1.1 and JSON (every binary value lowercase hex):
//!
//! ```text
//! cargo run -p srp6a --example srp6a_http -- --listen 127.0.0.1:8080 --profile rfc5054-sha256
//! POST /register     {"username", "salt", "verifier"}  -> 201
//! POST /login/start  {"username", "A"}                  -> {"salt", "B", "state"}
//! POST /login/finish {"username", "M1", "state"}        -> {"M2"} (200), or 401
//! ```
//!
//! Nothing is kept in memory between the two login requests: `state` is the saved server
//! state (postcard) sealed with AES-256-GCM under a key only this process knows, with the
//! username and an expiry (60 s) inside. Unknown users get a simulated salt and B
//! ([`srp6a::Registration::simulated`]) and fail like a wrong password. The HTTP parser is
//! deliberately tiny and bounded: 8 KiB of head, 16 KiB of body, one request per connection.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use serde_json::{json, Value};
use srp6a::{from_hex, to_hex, Profile, Registration, SavedServerState, ServerChallenge};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const MAX_HEAD: usize = 8 * 1024;
const MAX_BODY: usize = 16 * 1024;
const STATE_TTL: u64 = 60;

/// The service: users in memory (a real one would use a database), the sealing key and the
/// key for simulated users.
pub struct Service {
    profile: Profile,
    users: Mutex<HashMap<String, Registration>>,
    seal: Aes256Gcm,
    sim_key: [u8; 32],
}

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).expect("OS random");
    b
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// (status, JSON body)
type Reply = (u16, Value);

fn bad(why: &str) -> Reply {
    (400, json!({ "error": why }))
}

fn field(v: &Value, name: &str) -> Result<Vec<u8>, Reply> {
    v[name]
        .as_str()
        .and_then(from_hex)
        .ok_or_else(|| bad(&format!("{name}: lowercase hex expected")))
}

fn username(v: &Value) -> Result<String, Reply> {
    match v["username"].as_str() {
        Some(u) if !u.is_empty() && u.len() <= 256 => Ok(u.to_owned()),
        _ => Err(bad("username: 1..=256 bytes expected")),
    }
}

impl Service {
    pub fn new(profile: Profile) -> Service {
        Service {
            profile,
            users: Mutex::new(HashMap::new()),
            seal: Aes256Gcm::new(&random::<32>().into()),
            sim_key: random(),
        }
    }

    fn seal(&self, user: &str, saved: &SavedServerState) -> String {
        let mut plain =
            postcard::to_allocvec(&(user, now() + STATE_TTL, saved)).expect("serialise");
        let nonce = random::<12>();
        let sealed = self
            .seal
            .encrypt(&Nonce::from(nonce), plain.as_slice())
            .expect("seal");
        plain.iter_mut().for_each(|b| *b = 0);
        to_hex(&[&nonce[..], &sealed].concat())
    }

    fn open(&self, user: &str, state: &[u8]) -> Option<SavedServerState> {
        let (nonce, sealed) = state.split_first_chunk::<12>()?;
        let plain = self.seal.decrypt(&Nonce::from(*nonce), sealed).ok()?;
        let (who, expiry, saved): (String, u64, SavedServerState) =
            postcard::from_bytes(&plain).ok()?;
        (who == user && now() <= expiry).then_some(saved)
    }

    /// Handles one request: method, path, JSON body.
    pub fn handle(&self, method: &str, path: &str, body: &[u8]) -> Reply {
        if method != "POST" {
            return (405, json!({ "error": "POST only" }));
        }
        let Ok(v) = serde_json::from_slice::<Value>(body) else {
            return bad("JSON body expected");
        };
        let r = match path {
            "/register" => self.register(&v),
            "/login/start" => self.start(&v),
            "/login/finish" => self.finish(&v),
            _ => Err((404, json!({ "error": "no such endpoint" }))),
        };
        r.unwrap_or_else(|e| e)
    }

    fn register(&self, v: &Value) -> Result<Reply, Reply> {
        let rec =
            Registration::from_parts(&username(v)?, &field(v, "salt")?, &field(v, "verifier")?)
                .map_err(|e| bad(&e.to_string()))?;
        let mut users = self.users.lock().expect("lock");
        if users.contains_key(rec.username()) {
            return Err((409, json!({ "error": "user exists" })));
        }
        users.insert(rec.username().to_owned(), rec);
        Ok((201, json!({})))
    }

    fn start(&self, v: &Value) -> Result<Reply, Reply> {
        let user = username(v)?;
        let a = field(v, "A")?;
        let known = self.users.lock().expect("lock").get(&user).cloned();
        let rec = match known {
            Some(r) => r,
            None => Registration::simulated(&self.profile, &user, &self.sim_key)
                .map_err(|e| bad(&e.to_string()))?,
        };
        let mut ch = ServerChallenge::new(&self.profile, &rec).map_err(|e| bad(&e.to_string()))?;
        ch.receive_a(&a).map_err(|e| bad(&e.to_string()))?;
        let state = self.seal(&user, &ch.save());
        Ok((
            200,
            json!({ "salt": to_hex(ch.salt()), "B": to_hex(ch.public_b()), "state": state }),
        ))
    }

    fn finish(&self, v: &Value) -> Result<Reply, Reply> {
        let user = username(v)?;
        let m1 = field(v, "M1")?;
        let denied = || (401, json!({ "error": "authentication failed" }));
        let saved = self.open(&user, &field(v, "state")?).ok_or_else(denied)?;
        let ch = saved.resume(&self.profile).map_err(|_| denied())?;
        let session = ch.verify(&m1).map_err(|_| denied())?;
        Ok((200, json!({ "M2": session.m2().map(to_hex) })))
    }
}

/// Reads one bounded HTTP/1.1 request: (method, path, body).
pub async fn read_request<R: AsyncReadExt + Unpin>(
    r: &mut R,
) -> Result<(String, String, Vec<u8>), u16> {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > MAX_HEAD {
            return Err(431);
        }
        let mut chunk = [0u8; 1024];
        let n = r.read(&mut chunk).await.map_err(|_| 400u16)?;
        if n == 0 {
            return Err(400);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| 400u16)?;
    let mut lines = head.split("\r\n");
    let mut start = lines.next().unwrap_or("").split(' ');
    let (method, path) = (
        start.next().unwrap_or("").to_owned(),
        start.next().unwrap_or("").to_owned(),
    );
    let mut len = 0usize;
    for line in lines {
        let (name, value) = line.split_once(':').ok_or(400u16)?;
        if name.trim().eq_ignore_ascii_case("content-length") {
            len = value.trim().parse().map_err(|_| 400u16)?;
        } else if name.trim().eq_ignore_ascii_case("transfer-encoding") {
            return Err(501);
        }
    }
    if len > MAX_BODY {
        return Err(413);
    }
    let mut body = buf[head_end + 4..].to_vec();
    if body.len() > len {
        return Err(400);
    }
    let have = body.len();
    body.resize(len, 0);
    r.read_exact(&mut body[have..]).await.map_err(|_| 400u16)?;
    Ok((method, path, body))
}

/// Serves until the listener fails.
pub async fn serve(listener: TcpListener, service: Arc<Service>) {
    while let Ok((mut sock, _)) = listener.accept().await {
        let service = service.clone();
        tokio::spawn(async move {
            let reply = match tokio::time::timeout(Duration::from_secs(10), read_request(&mut sock))
                .await
            {
                Ok(Ok((m, p, b))) => service.handle(&m, &p, &b),
                Ok(Err(code)) => (code, json!({ "error": "bad request" })),
                Err(_) => (408, json!({ "error": "timeout" })),
            };
            let body = reply.1.to_string();
            let head = format!(
                "HTTP/1.1 {} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                reply.0,
                body.len()
            );
            let _ = sock
                .write_all([head.as_bytes(), body.as_bytes()].concat().as_slice())
                .await;
            let _ = sock.shutdown().await;
        });
    }
}

#[allow(dead_code)] // the tests include this file for Service, serve and read_request
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (mut listen, mut profile) = ("127.0.0.1:8080".to_owned(), "rfc5054-sha256".to_owned());
    while let Some(a) = args.next() {
        match a.as_str() {
            "--listen" => listen = args.next().ok_or("--listen ADDR")?,
            "--profile" => profile = args.next().ok_or("--profile NAME")?,
            _ => {
                return Err(format!(
                    "usage: srp6a_http [--listen ADDR] [--profile {}]",
                    srp6a::profile::NAMES.join("|")
                )
                .into())
            }
        }
    }
    let profile = Profile::by_name(&profile).ok_or("unknown profile (see --help)")?;
    let listener = TcpListener::bind(&listen).await?;
    eprintln!("srp6a_http: {} on {}", profile.name, listener.local_addr()?);
    serve(listener, Arc::new(Service::new(profile))).await;
    Ok(())
}
