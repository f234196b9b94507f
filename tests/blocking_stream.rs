//! The blocking adapters (`Stream`, `StreamOwned`) over real TCP sockets on 127.0.0.1,
//! one thread per side. Every socket has read and write timeouts, so that a bug fails the
//! test instead of hanging it.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use tls_srp::stream::{Stream, StreamOwned};
use tls_srp::{
    AlertDescription, ClientConfig, ClientConnection, Error, InMemoryUserStore, ServerConfig,
    ServerConnection, SrpGroup, UserRecord,
};

const USER: &str = "alice";
const PASSWORD: &str = "correct horse battery staple";
/// Generous (2048-bit handshakes, busy machine): only there to turn a hang into a failure.
const LIMIT: Duration = Duration::from_secs(120);
const MIB: usize = 1024 * 1024;

fn group() -> &'static SrpGroup {
    SrpGroup::by_bits(2048).expect("the RFC 5054 2048-bit group")
}

fn server_config() -> Arc<ServerConfig> {
    let store = InMemoryUserStore::new();
    store
        .add_user(USER, PASSWORD.as_bytes(), group())
        .expect("add user");
    Arc::new(ServerConfig::new(Arc::new(store)).expect("server config"))
}

fn client_conn(password: &str) -> ClientConnection {
    ClientConnection::new(
        Arc::new(ClientConfig::new(USER, password)),
        Some("localhost"),
    )
    .expect("client")
}

fn with_timeouts(sock: TcpStream) -> TcpStream {
    sock.set_read_timeout(Some(LIMIT)).unwrap();
    sock.set_write_timeout(Some(LIMIT)).unwrap();
    sock
}

/// A listener on 127.0.0.1 whose single accepted connection is given to `serve` on a thread.
fn spawn_server<R: Send + 'static>(
    serve: impl FnOnce(TcpStream) -> R + Send + 'static,
) -> (u16, thread::JoinHandle<R>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = thread::spawn(move || {
        let (sock, _) = listener.accept().unwrap();
        serve(with_timeouts(sock))
    });
    (port, handle)
}

fn connect(port: u16) -> TcpStream {
    with_timeouts(TcpStream::connect(("127.0.0.1", port)).unwrap())
}

fn tls_error(e: &io::Error) -> Option<&Error> {
    Error::from_io(e)
}

/// Bytes that differ by direction and position.
fn pattern(seed: u8, len: usize) -> Vec<u8> {
    let mut x: u32 = 0x85eb_ca6b ^ u32::from(seed);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[0]
        })
        .collect()
}

/// Reads until close_notify.
fn read_all(r: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut got = Vec::new();
    r.read_to_end(&mut got)?;
    Ok(got)
}

#[test]
fn echo_over_tcp() {
    let (port, server) = spawn_server(|sock| {
        let conn = ServerConnection::new(server_config(), None).unwrap();
        let mut tls = StreamOwned::new(conn, sock);
        let mut buf = [0u8; 4096];
        loop {
            let n = tls.read(&mut buf).expect("server read");
            if n == 0 {
                break; // close_notify
            }
            tls.write_all(&buf[..n]).expect("server write");
        }
        let user = tls.conn.username().map(str::to_owned);
        tls.conn.send_close_notify();
        tls.flush().unwrap();
        user
    });

    let mut sock = connect(port);
    let mut conn = client_conn(PASSWORD);
    let mut tls = Stream::new(&mut conn, &mut sock);
    for (i, len) in [1usize, 5, 4096, 16_384, 16_385].into_iter().enumerate() {
        let msg = pattern(i as u8, len);
        tls.write_all(&msg).unwrap();
        let mut back = vec![0u8; len];
        tls.read_exact(&mut back).unwrap();
        assert!(back == msg, "echo of {len} bytes differs");
    }
    tls.conn.send_close_notify();
    tls.flush().unwrap();
    // The server answers our close_notify with its own: a clean end of stream.
    assert_eq!(read_all(&mut tls).expect("clean close"), b"");
    assert!(!conn.is_handshaking());
    assert_eq!(server.join().unwrap().as_deref(), Some(USER));
}

#[test]
fn megabyte_each_way() {
    let to_server = pattern(1, MIB);
    let to_client = pattern(2, MIB);
    let (port, server) = {
        let to_client = to_client.clone();
        spawn_server(move |sock| {
            let mut tls =
                StreamOwned::new(ServerConnection::new(server_config(), None).unwrap(), sock);
            let got = read_all(&mut tls).expect("server read");
            tls.write_all(&to_client).unwrap();
            tls.conn.send_close_notify();
            tls.flush().unwrap();
            got
        })
    };
    let mut tls = StreamOwned::new(client_conn(PASSWORD), connect(port));
    // The handshake runs on the first write.
    tls.write_all(&to_server).unwrap();
    tls.conn.send_close_notify();
    tls.flush().unwrap();
    let got = read_all(&mut tls).expect("client read");
    assert!(got == to_client, "client received {} bytes", got.len());
    assert!(server.join().unwrap() == to_server);

    let (conn, sock) = tls.into_parts();
    assert!(!conn.is_handshaking());
    assert_eq!(sock.peer_addr().unwrap().port(), port);
}

#[test]
fn wrong_password_fails_both_sides() {
    let (port, server) = spawn_server(|sock| {
        let mut tls = StreamOwned::new(ServerConnection::new(server_config(), None).unwrap(), sock);
        tls.read(&mut [0u8; 16])
            .expect_err("server handshake must fail")
    });
    let mut tls = StreamOwned::new(client_conn("wrong"), connect(port));
    let err = tls
        .write_all(b"hello")
        .expect_err("client handshake must fail");
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    assert_eq!(
        tls_error(&err),
        Some(&Error::AlertReceived(AlertDescription::BadRecordMac)),
        "{err}"
    );

    let err = server.join().unwrap();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    assert_eq!(tls_error(&err), Some(&Error::DecryptError), "{err}");
}

#[test]
fn peer_gone_without_close_notify_is_unexpected_eof() {
    let (port, server) = spawn_server(|sock| {
        let mut tls = StreamOwned::new(ServerConnection::new(server_config(), None).unwrap(), sock);
        let mut buf = [0u8; 3];
        tls.read_exact(&mut buf).unwrap();
        let err = tls
            .read(&mut [0u8; 16])
            .expect_err("truncation is not a clean close");
        (buf, err.kind())
    });
    let mut tls = StreamOwned::new(client_conn(PASSWORD), connect(port));
    tls.write_all(b"bye").unwrap();
    // Close the socket under TLS.
    let (_conn, sock) = tls.into_parts();
    sock.shutdown(std::net::Shutdown::Both).unwrap();
    let (buf, kind) = server.join().unwrap();
    assert_eq!(&buf, b"bye");
    assert_eq!(kind, io::ErrorKind::UnexpectedEof);
}

#[test]
fn eof_during_handshake_is_an_error() {
    // A "server" that reads the ClientHello and hangs up.
    let (port, server) = spawn_server(|mut sock| {
        let mut buf = [0u8; 5];
        sock.read_exact(&mut buf).unwrap();
    });
    let mut tls = StreamOwned::new(client_conn(PASSWORD), connect(port));
    let err = tls.read(&mut [0u8; 1]).expect_err("must fail");
    server.join().unwrap();
    // UnexpectedEof, or a reset if our ClientHello was still unread when the peer closed.
    assert!(
        matches!(
            err.kind(),
            io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset
        ),
        "{err:?}"
    );
}

#[test]
fn async_lookup_server_driven_by_hand() {
    // A blocking server whose config has no store: read until the ClientHello is in,
    // look the user up, then let StreamOwned finish the handshake.
    let (port, server) = spawn_server(|mut sock| {
        let mut conn =
            ServerConnection::new(Arc::new(ServerConfig::with_async_lookup().unwrap()), None)
                .unwrap();
        while conn.pending_user_lookup().is_none() {
            assert!(
                conn.read_tls(&mut sock).unwrap() > 0,
                "EOF before ClientHello"
            );
            conn.process_new_packets().unwrap();
        }
        let name = conn.pending_user_lookup().unwrap_or_default().to_owned();
        let record = UserRecord::new(&name, PASSWORD.as_bytes(), group()).unwrap();
        conn.supply_user(Some(record)).unwrap();

        // A blocking Stream straight after an unfinished handshake: it must finish it.
        let mut tls = Stream::new(&mut conn, &mut sock);
        tls.write_all(format!("hello {name}").as_bytes()).unwrap();
        tls.conn.send_close_notify();
        tls.flush().unwrap();
    });
    let mut tls = StreamOwned::new(client_conn(PASSWORD), connect(port));
    assert_eq!(read_all(&mut tls).unwrap(), b"hello alice");
    server.join().unwrap();
}

#[test]
fn stream_over_trait_objects() {
    // `Stream` accepts unsized transports and connections behind `&mut dyn`.
    let (port, server) = spawn_server(|sock| {
        let mut tls = StreamOwned::new(ServerConnection::new(server_config(), None).unwrap(), sock);
        let got = read_all(&mut tls).unwrap();
        tls.write_all(&got).unwrap();
        tls.conn.send_close_notify();
        tls.flush().unwrap();
    });
    let mut sock = connect(port);
    let sock_dyn: &mut dyn ReadWrite = &mut sock;
    let mut conn = client_conn(PASSWORD);
    let mut tls = Stream::new(&mut conn, sock_dyn);
    tls.write_all(b"dyn").unwrap();
    tls.conn.send_close_notify();
    tls.flush().unwrap();
    assert_eq!(read_all(&mut tls).unwrap(), b"dyn");
    server.join().unwrap();
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}
