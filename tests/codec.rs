//! Integration tests of the wire codec on bytes captured from real TLS-SRP peers.
//!
//! The captures were taken on loopback (Debian bookworm) with a listener that dumps the
//! first record it receives:
//!
//! - `openssl s_client -cipher SRP -srpuser alice -srppass pass:x -tls1_2` (OpenSSL 3.0.19),
//! - `curl --tlsauthtype SRP --tlsuser alice --tlspassword x https://127.0.0.1:PORT/`
//!   (curl 7.88.1, OpenSSL 3.0.19),
//! - `gnutls-cli --srpusername alice --srppasswd x --priority NORMAL:-KX-ALL:+SRP` (GnuTLS 3.7.9),
//! - and the first flight of `gnutls-serv --srppasswd tpasswd --srppasswdconf tpasswd.conf
//!   --priority NORMAL:-KX-ALL:+SRP` answering the GnuTLS ClientHello above (the verifier
//!   file made by `srptool`, which uses the RFC 5054 2048-bit group).
//!
//! The expected field values come from the capture itself (read with an independent
//! Python decoder while capturing) and from the RFCs, not from this crate.

use std::io;

use tls_srp::internal::msgs::codec::{Codec, Reader};
use tls_srp::internal::msgs::deframer::MessageDeframer;
use tls_srp::internal::msgs::enums::{
    CipherSuite, Compression, ContentType, ExtensionType, HandshakeType, ProtocolVersion,
};
use tls_srp::internal::msgs::handshake::{
    ClientExtension, HandshakeMessagePayload, HandshakePayload, ServerExtension,
    SrpServerKeyExchange,
};
use tls_srp::internal::msgs::joiner::HandshakeJoiner;
use tls_srp::internal::msgs::message::{OpaqueMessage, MAX_CIPHERTEXT_LEN};
use tls_srp::{Error, InvalidMessage};

/// OpenSSL 3.0 `s_client -cipher SRP -srpuser alice -tls1_2`: one record.
const OPENSSL_CLIENT_HELLO: &str = concat!(
    "160301007f0100007b0303437b1fa2c7c0ea86510444bde4f13b5e17a103a0264aa16fa36c81c05286103b00000ec022",
    "c021c020c01fc01ec01d00ff01000044000c000605616c696365002300000016000000170000000d002a002804030503",
    "0603080708080809080a080b080408050806040105010601030303010302040205020602",
);

/// curl 7.88.1 (OpenSSL 3.0) `--tlsauthtype SRP --tlsuser alice`: one record.
const CURL_CLIENT_HELLO: &str = concat!(
    "1603010200010001fc0303b47deabac161ade19bf7a38767f3778512890d02feb77d24a59b52d7b108f6ec2096db182d",
    "ec664758342dc8319987ed27b739b5344d829365dcff485d36556fd20014130213031301c022c021c020c01fc01ec01d",
    "00ff0100019f000c000605616c696365000b000403000102000a00160014001d0017001e001900180100010101020103",
    "01040010000e000c02683208687474702f312e31001600000017000000310000000d002a002804030503060308070808",
    "0809080a080b080408050806040105010601030303010302040205020602002b0009080304030303020301002d000201",
    "01003300260024001d00205178aa7660b10ef3513cfaebba583422d48dcff6b06bc46e58b60346d4077473001500e600",
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "00000000000000000000000000000000000000000000000000000000000000000000000000",
);

/// GnuTLS 3.7.9 `gnutls-cli --srpusername alice`: one record.
const GNUTLS_CLIENT_HELLO: &str = concat!(
    "16030100810100007d0303c0efe6175c409c152bec25d26f4ce5beaa1deb22f23719d23f341bac6aed9a57000004c020",
    "c01d01000050000500050100000000000c000605616c696365000d00220020040108090804040308070501080a080505",
    "0308080601080b0806060302010203001600000017000000230000ff01000100001c00024000",
);

/// gnutls-serv 3.7.9's answer: ServerHello, ServerKeyExchange and ServerHelloDone, each in
/// its own record.
const GNUTLS_SERVER_FLIGHT: &str = concat!(
    "16030300630200005f0303920ef4fcebac8293bd9fb3b5497bd6c198b051a7bb3ab8fe570f3e91995d2f0320a6fd2c5a",
    "8c8ab799693062f23dfa5ef257db176f30f9bf537178adfd51ef619fc020000017001600000017000000230000ff0100",
    "0100001c00024000160303021c0c0002180100ac6bdb41324a9a9bf166de5e1389582faf72b6651987ee07fc3192943d",
    "b56050a37329cbb4a099ed8193e0757767a13dd52312ab4b03310dcd7f48a9da04fd50e8083969edb767b0cf6095179a",
    "163ab3661a05fbd5faaae82918a9962f0b93b855f97993ec975eeaa80d740adbf4ff747359d041d5c33ea71d281e446b",
    "14773bca97b43a23fb801676bd207a436c6481f1d2b9078717461a5b9d32e688f87748544523b524b0d57d5ea77a2775",
    "d2ecfa032cfbdbf52fb3786160279004e57ae6af874e7303ce53299ccc041c7bc308d82a5698f3a8d0c38271ae35f8e9",
    "dbfbb694b5c803d89f7ae435de236d525f54759b65e372fcd68ef20fa7111f9e4aff7300010210e55078a5d2d725bd1a",
    "e4d3d23eed9d780100844122411d6adc938d667720fdfab9f979cb6158df98a26bf075df80ee1ece1accd40f0ce1b833",
    "4bc11e1a1c5a1844c882bbfcdef4a6efac8a8391d3a2124cd6378689dbc224bc4ef8589dbfeeb79866e329a8a9ea0a12",
    "b48784c40ff5e0a1dea916196886632d8c077abecfb92f7353c5dcbbda5a849adba8486c28829325f630b04961c9f4fc",
    "90d21329757e050df4eb8af094b471e9ceb8e1562833b7856d5dee56ceb3c576d3077ae6228bc80ec3164e4c4b19f941",
    "4fd3a61bbf60cd2ab311069b2510bd33feced6c3cd59c0a0592a3aaa51c5f29a245f162cf5e238ac89b5db74afeba0a3",
    "9a39eb8aa93eec232d69467056915cb8f282deef662a22fb8716030300040e000000",
);

/// RFC 5054 Appendix A, the 2048-bit group's prime (generator 2).
const RFC5054_N_2048: &str = concat!(
    "AC6BDB41324A9A9BF166DE5E1389582FAF72B6651987EE07FC3192943DB56050A37329CBB4A099ED8193E075",
    "7767A13DD52312AB4B03310DCD7F48A9DA04FD50E8083969EDB767B0CF6095179A163AB3661A05FBD5FAAAE8",
    "2918A9962F0B93B855F97993EC975EEAA80D740ADBF4FF747359D041D5C33EA71D281E446B14773BCA97B43A",
    "23FB801676BD207A436C6481F1D2B9078717461A5B9D32E688F87748544523B524B0D57D5EA77A2775D2ECFA",
    "032CFBDBF52FB3786160279004E57AE6AF874E7303CE53299CCC041C7BC308D82A5698F3A8D0C38271AE35F8",
    "E9DBFBB694B5C803D89F7AE435DE236D525F54759B65E372FCD68EF20FA7111F9E4AFF73",
);

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

/// A reader that gives out one byte per call, like the slowest possible socket.
struct Trickle<'a>(&'a [u8]);

impl io::Read for Trickle<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        match (self.0.split_first(), out.first_mut()) {
            (Some((b, rest)), Some(slot)) => {
                *slot = *b;
                self.0 = rest;
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

/// Runs `wire` through the deframer one byte at a time, returning the records.
fn deframe(wire: &[u8]) -> Vec<OpaqueMessage> {
    let mut rd = Trickle(wire);
    let mut d = MessageDeframer::new();
    let mut out = Vec::new();
    loop {
        match d.pop().unwrap() {
            Some(m) => out.push(m),
            None if d.read(&mut rd).unwrap() == 0 => break,
            None => {}
        }
    }
    assert!(!d.has_pending(), "a partial record was left over");
    out
}

/// Deframes and joins a flight of handshake records into messages and their bytes.
fn handshake_messages(wire: &[u8]) -> Vec<(HandshakeMessagePayload, Vec<u8>)> {
    let mut j = HandshakeJoiner::new();
    let mut out = Vec::new();
    for rec in deframe(wire) {
        assert_eq!(rec.typ, ContentType::Handshake);
        j.push(&rec.payload).unwrap();
        while let Some(m) = j.pop().unwrap() {
            out.push(m);
        }
    }
    assert!(j.is_empty());
    out
}

fn client_hello(
    wire: &[u8],
) -> (
    tls_srp::internal::msgs::handshake::ClientHelloPayload,
    Vec<u8>,
) {
    let mut msgs = handshake_messages(wire);
    assert_eq!(msgs.len(), 1);
    let (m, bytes) = msgs.remove(0);
    assert_eq!(m.typ, HandshakeType::ClientHello);
    match m.payload {
        HandshakePayload::ClientHello(ch) => (ch, bytes),
        other => panic!("not a ClientHello: {other:?}"),
    }
}

fn ext_types(ch: &tls_srp::internal::msgs::handshake::ClientHelloPayload) -> Vec<u16> {
    ch.extensions.iter().map(|e| e.ext_type().get()).collect()
}

const SRP_SUITES_OPENSSL_ORDER: [CipherSuite; 6] = [
    CipherSuite::TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA,
    CipherSuite::TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA,
    CipherSuite::TLS_SRP_SHA_WITH_AES_256_CBC_SHA,
    CipherSuite::TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA,
    CipherSuite::TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA,
    CipherSuite::TLS_SRP_SHA_WITH_AES_128_CBC_SHA,
];

#[test]
fn openssl_client_hello() {
    let wire = unhex(OPENSSL_CLIENT_HELLO);
    let recs = deframe(&wire);
    assert_eq!(
        recs[0].version,
        ProtocolVersion::TLSv1_0,
        "record version 3.1"
    );
    let (ch, bytes) = client_hello(&wire);
    assert_eq!(
        bytes,
        &wire[5..],
        "the transcript bytes are the record's payload"
    );
    assert_eq!(ch.client_version, ProtocolVersion::TLSv1_2);
    assert!(ch.session_id.is_empty());
    let mut suites = SRP_SUITES_OPENSSL_ORDER.to_vec();
    suites.push(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
    assert_eq!(ch.cipher_suites, suites);
    assert_eq!(ch.compression_methods, [Compression::Null]);
    assert_eq!(ch.srp_username(), Some(&b"alice"[..]));
    assert!(ch.ems_offered());
    assert!(ch.etm_offered());
    assert_eq!(ch.session_ticket(), Some(&[][..]));
    assert_eq!(ch.supported_versions(), None);
    assert_eq!(ch.sni_hostname(), None, "no SNI for an IP address");
    assert_eq!(ch.renegotiation_info(), None, "SCSV instead");
    assert_eq!(ext_types(&ch), [12, 35, 22, 23, 13]);
    assert!(!ch.has_duplicate_extension());
}

#[test]
fn curl_client_hello() {
    let wire = unhex(CURL_CLIENT_HELLO);
    let (ch, _) = client_hello(&wire);
    assert_eq!(ch.client_version, ProtocolVersion::TLSv1_2);
    assert_eq!(
        ch.session_id.0.len(),
        32,
        "TLS 1.3 middlebox-compatibility session ID"
    );
    let mut suites = vec![
        CipherSuite::TLS13_AES_256_GCM_SHA384,
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
        CipherSuite::TLS13_AES_128_GCM_SHA256,
    ];
    suites.extend(SRP_SUITES_OPENSSL_ORDER);
    suites.push(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
    assert_eq!(ch.cipher_suites, suites);
    assert_eq!(ch.srp_username(), Some(&b"alice"[..]));
    assert!(ch.ems_offered());
    assert!(ch.etm_offered());
    assert_eq!(ch.session_ticket(), None, "curl resumes by session ID");
    assert_eq!(
        ch.alpn_protocols(),
        Some(&[b"h2".to_vec(), b"http/1.1".to_vec()][..])
    );
    let versions = ch.supported_versions().unwrap();
    assert_eq!(
        versions,
        [
            ProtocolVersion::TLSv1_3,
            ProtocolVersion::TLSv1_2,
            ProtocolVersion::TLSv1_1,
            ProtocolVersion::TLSv1_0
        ]
    );
    assert!(versions.contains(&ProtocolVersion::TLSv1_3));
    assert_eq!(
        ext_types(&ch),
        [12, 11, 10, 16, 22, 23, 49, 13, 43, 45, 51, 21]
    );
    // The TLS 1.3 extensions we do not act on are kept verbatim.
    match ch.find_extension(ExtensionType::KeyShare) {
        Some(ClientExtension::Unknown { payload, .. }) => {
            assert_eq!(payload.len(), 38);
            assert_eq!(&payload[..6], &[0x00, 0x24, 0x00, 0x1d, 0x00, 0x20]);
        }
        other => panic!("{other:?}"),
    }
    match ch.find_extension(ExtensionType::Padding) {
        Some(ClientExtension::Unknown { payload, .. }) => {
            assert_eq!(payload.len(), 230);
            assert!(payload.iter().all(|b| *b == 0));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn gnutls_client_hello() {
    let wire = unhex(GNUTLS_CLIENT_HELLO);
    let (ch, _) = client_hello(&wire);
    assert_eq!(
        ch.cipher_suites,
        [
            CipherSuite::TLS_SRP_SHA_WITH_AES_256_CBC_SHA,
            CipherSuite::TLS_SRP_SHA_WITH_AES_128_CBC_SHA
        ]
    );
    assert_eq!(ch.srp_username(), Some(&b"alice"[..]));
    assert!(ch.ems_offered() && ch.etm_offered());
    assert_eq!(ch.renegotiation_info(), Some(&[][..]));
    assert_eq!(ch.session_ticket(), Some(&[][..]));
    assert_eq!(ext_types(&ch), [5, 12, 13, 22, 23, 35, 0xff01, 28]);
    assert_eq!(
        ch.find_extension(ExtensionType::RecordSizeLimit),
        Some(&ClientExtension::Unknown {
            typ: ExtensionType::RecordSizeLimit,
            payload: vec![0x40, 0x00]
        })
    );
}

#[test]
fn gnutls_server_flight() {
    let wire = unhex(GNUTLS_SERVER_FLIGHT);
    let recs = deframe(&wire);
    assert_eq!(recs.len(), 3);
    assert!(recs.iter().all(|r| r.version == ProtocolVersion::TLSv1_2));
    let msgs = handshake_messages(&wire);
    let types: Vec<_> = msgs.iter().map(|(m, _)| m.typ).collect();
    assert_eq!(
        types,
        [
            HandshakeType::ServerHello,
            HandshakeType::ServerKeyExchange,
            HandshakeType::ServerHelloDone
        ]
    );

    let HandshakePayload::ServerHello(sh) = &msgs[0].0.payload else {
        panic!()
    };
    assert_eq!(sh.server_version, ProtocolVersion::TLSv1_2);
    assert_eq!(sh.session_id.0.len(), 32);
    assert_eq!(
        sh.cipher_suite,
        CipherSuite::TLS_SRP_SHA_WITH_AES_256_CBC_SHA
    );
    assert_eq!(sh.compression_method, Compression::Null);
    assert_eq!(
        sh.extensions,
        [
            ServerExtension::EncryptThenMacAck,
            ServerExtension::ExtendedMasterSecretAck,
            ServerExtension::SessionTicketAck,
            ServerExtension::RenegotiationInfo(vec![]),
            ServerExtension::Unknown {
                typ: ExtensionType::RecordSizeLimit,
                payload: vec![0x40, 0]
            },
        ]
    );
    assert!(sh.ems_acked() && sh.etm_acked() && sh.session_ticket_acked());
    assert!(!sh.has_duplicate_extension());

    let HandshakePayload::ServerKeyExchange(body) = &msgs[1].0.payload else {
        panic!()
    };
    let ske = SrpServerKeyExchange::read_bytes(body).unwrap();
    assert_eq!(ske.n, unhex(RFC5054_N_2048));
    assert_eq!(ske.g, [2]);
    assert_eq!(ske.s.len(), 16, "srptool makes 16-byte salts");
    assert!(!ske.b.is_empty() && ske.b.len() <= 256);
    assert_eq!(ske.get_encoding(), *body);

    assert_eq!(msgs[2].0.payload, HandshakePayload::ServerHelloDone);
    assert_eq!(msgs[2].1, [14, 0, 0, 0]);
}

/// Every captured message decodes and re-encodes to exactly the bytes the peer sent.
#[test]
fn captured_messages_round_trip() {
    for capture in [
        OPENSSL_CLIENT_HELLO,
        CURL_CLIENT_HELLO,
        GNUTLS_CLIENT_HELLO,
        GNUTLS_SERVER_FLIGHT,
    ] {
        let wire = unhex(capture);
        for (m, bytes) in handshake_messages(&wire) {
            assert_eq!(m.get_encoding(), bytes, "{:?}", m.typ);
            assert_eq!(HandshakeMessagePayload::read_bytes(&bytes).unwrap(), m);
        }
        // And the records re-encode to the wire.
        let again: Vec<u8> = deframe(&wire)
            .iter()
            .flat_map(OpaqueMessage::encode)
            .collect();
        assert_eq!(again, wire);
    }
}

/// Every strict prefix of every captured message is an error, never a panic.
#[test]
fn captured_messages_truncated_byte_by_byte() {
    for capture in [
        OPENSSL_CLIENT_HELLO,
        CURL_CLIENT_HELLO,
        GNUTLS_CLIENT_HELLO,
        GNUTLS_SERVER_FLIGHT,
    ] {
        for (_, bytes) in handshake_messages(&unhex(capture)) {
            for n in 0..bytes.len() {
                assert!(
                    HandshakeMessagePayload::read_bytes(&bytes[..n]).is_err(),
                    "prefix {n}"
                );
                // Read through a reader too: a short body is MissingData, not a panic.
                let mut r = Reader::init(&bytes[..n]);
                assert!(HandshakeMessagePayload::read(&mut r).is_err());
            }
        }
    }
    let flight = handshake_messages(&unhex(GNUTLS_SERVER_FLIGHT));
    let HandshakePayload::ServerKeyExchange(body) = &flight[1].0.payload else {
        panic!()
    };
    for n in 0..body.len() {
        assert!(
            SrpServerKeyExchange::read_bytes(&body[..n]).is_err(),
            "prefix {n}"
        );
    }
}

/// Changing any single byte of a captured message never makes the decoder panic, and
/// whatever still decodes re-decodes identically from its own encoding.
#[test]
fn captured_messages_with_each_byte_altered() {
    for capture in [
        OPENSSL_CLIENT_HELLO,
        CURL_CLIENT_HELLO,
        GNUTLS_CLIENT_HELLO,
        GNUTLS_SERVER_FLIGHT,
    ] {
        for (_, bytes) in handshake_messages(&unhex(capture)) {
            for i in 0..bytes.len() {
                for delta in [0x01u8, 0x80, 0xff] {
                    let mut m = bytes.clone();
                    m[i] ^= delta;
                    if let Ok(msg) = HandshakeMessagePayload::read_bytes(&m) {
                        let enc = msg.get_encoding();
                        assert_eq!(HandshakeMessagePayload::read_bytes(&enc).unwrap(), msg);
                    }
                }
            }
        }
    }
}

/// The curl ClientHello re-framed into records of every size from 1 to 40 bytes (and a
/// second message right behind it) is reassembled to the same message and bytes.
#[test]
fn client_hello_split_over_many_records() {
    let (want, bytes) = client_hello(&unhex(CURL_CLIENT_HELLO));
    let done = [14u8, 0, 0, 0];
    let stream = [bytes.clone(), done.to_vec()].concat();
    for size in 1..=40 {
        let mut wire = Vec::new();
        for chunk in stream.chunks(size) {
            wire.extend(
                OpaqueMessage {
                    typ: ContentType::Handshake,
                    version: ProtocolVersion::TLSv1_2,
                    payload: chunk.to_vec(),
                }
                .encode(),
            );
        }
        let msgs = handshake_messages(&wire);
        assert_eq!(msgs.len(), 2, "record size {size}");
        assert_eq!(
            msgs[0].0.payload,
            HandshakePayload::ClientHello(want.clone())
        );
        assert_eq!(msgs[0].1, bytes);
        assert_eq!(msgs[1].1, done);
    }
}

#[test]
fn deframer_refuses_bad_headers_through_public_api() {
    let cases: [(&[u8], InvalidMessage); 5] = [
        (
            b"GET / HTTP/1.1\r\n\r\n",
            InvalidMessage::InvalidContentType,
        ),
        (
            &[0x80, 0x2e, 0x01, 0x03, 0x01],
            InvalidMessage::InvalidContentType,
        ), // SSLv2 hello
        (&[22, 2, 0], InvalidMessage::UnknownProtocolVersion),
        (&[22, 0xfe, 0xfd], InvalidMessage::UnknownProtocolVersion), // DTLS 1.2
        (&[23, 3, 3, 0x48, 0x01], InvalidMessage::RecordTooLarge),
    ];
    for (bytes, err) in cases {
        let mut d = MessageDeframer::new();
        let mut rd: &[u8] = bytes;
        d.read(&mut rd).unwrap();
        assert_eq!(d.pop(), Err(Error::InvalidMessage(err)), "{bytes:?}");
    }
    // The largest legal ciphertext is accepted.
    let mut d = MessageDeframer::new();
    let wire = OpaqueMessage {
        typ: ContentType::ApplicationData,
        version: ProtocolVersion::TLSv1_2,
        payload: vec![1; MAX_CIPHERTEXT_LEN],
    }
    .encode();
    let mut rd: &[u8] = &wire;
    while d.pop().unwrap().is_none() {
        assert!(d.read(&mut rd).unwrap() > 0);
    }
}

#[test]
fn bad_alert_and_error_alerts() {
    use tls_srp::internal::msgs::alert::AlertMessagePayload;
    use tls_srp::AlertDescription;
    assert_eq!(
        AlertMessagePayload::read_bytes(&[3, 0]),
        Err(InvalidMessage::InvalidAlertLevel)
    );
    // The errors the wire layer produces map to the alerts RFC 5246 names.
    let e = |m| Error::InvalidMessage(m).alert();
    assert_eq!(
        e(InvalidMessage::InvalidContentType),
        Some(AlertDescription::UnexpectedMessage)
    );
    assert_eq!(
        e(InvalidMessage::UnknownProtocolVersion),
        Some(AlertDescription::ProtocolVersion)
    );
    assert_eq!(
        e(InvalidMessage::RecordTooLarge),
        Some(AlertDescription::RecordOverflow)
    );
    assert_eq!(
        e(InvalidMessage::InvalidLength("srp_I")),
        Some(AlertDescription::DecodeError)
    );
}

/// A small deterministic generator (xorshift64*) so the test needs no dependency and
/// every run checks the same inputs.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn byte(&mut self) -> u8 {
        self.next().to_be_bytes()[0]
    }
}

/// Real handshake messages cut at a random point and completed with random bytes (the
/// length header fixed up so the body is parsed): decoding must never panic, and what
/// decodes must survive encode-then-decode unchanged.
#[test]
fn captured_prefixes_with_random_tails() {
    let mut rng = XorShift(0x5eed_1234_abcd_0001);
    let mut decoded = 0;
    for capture in [
        OPENSSL_CLIENT_HELLO,
        CURL_CLIENT_HELLO,
        GNUTLS_CLIENT_HELLO,
        GNUTLS_SERVER_FLIGHT,
    ] {
        for (_, bytes) in handshake_messages(&unhex(capture)) {
            for _ in 0..2000 {
                let cut = 4 + (rng.next() as usize) % (bytes.len() - 3);
                let tail = (rng.next() as usize) % 64;
                let mut m = bytes[..cut].to_vec();
                m.extend((0..tail).map(|_| rng.byte()));
                let len = (m.len() - 4) as u32;
                m[1..4].copy_from_slice(&len.to_be_bytes()[1..]);
                if let Ok(msg) = HandshakeMessagePayload::read_bytes(&m) {
                    decoded += 1;
                    let again = HandshakeMessagePayload::read_bytes(&msg.get_encoding()).unwrap();
                    assert_eq!(again, msg);
                }
            }
        }
    }
    // Sanity: the generator does reach the decodable space (bodies kept as raw bytes,
    // and hellos cut between extensions).
    assert!(decoded > 0);
}

/// Random byte streams through the deframer and joiner: errors, never panics, and the
/// deframer's buffer stays within one maximal record.
#[test]
fn random_streams_through_deframer_and_joiner() {
    let mut rng = XorShift(0x0dd_ba11_cafe_f00d);
    for _ in 0..500 {
        let mut wire = Vec::new();
        // Mostly plausible headers, with random lengths and bodies.
        for _ in 0..(rng.next() % 8) {
            let typ = 20 + rng.byte() % 6; // 25 is invalid
            let len = (rng.next() % 300) as usize;
            wire.extend_from_slice(&[typ, 3, rng.byte() % 5]);
            wire.extend_from_slice(&(len as u16).to_be_bytes());
            wire.extend((0..len).map(|_| {
                let b = rng.byte();
                if b < 64 {
                    0
                } else {
                    b
                }
            }));
        }
        let mut d = MessageDeframer::new();
        let mut j = HandshakeJoiner::new();
        let mut rd: &[u8] = &wire;
        'outer: loop {
            match d.pop() {
                Err(_) => break,
                Ok(Some(rec)) => {
                    if rec.typ == ContentType::Handshake {
                        if j.push(&rec.payload).is_err() {
                            break;
                        }
                        loop {
                            match j.pop() {
                                Ok(Some(_)) => {}
                                Ok(None) => break,
                                Err(_) => break 'outer,
                            }
                        }
                    }
                }
                Ok(None) => {
                    if d.read(&mut rd).unwrap() == 0 {
                        break;
                    }
                }
            }
            assert!(d.buffered() <= tls_srp::internal::msgs::message::MAX_WIRE_SIZE);
        }
    }
}
