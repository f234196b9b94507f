//! Sealing and opening TLS 1.2 CBC-HMAC-SHA1 records (MAC-then-encrypt and
//! encrypt-then-MAC, AES-128 and AES-256), 16 KiB and 256-byte plaintexts; and the
//! receive path of a connection (`read_tls`, `process_new_packets`, reading the
//! plaintext) for a stream of records fed one record per `read_tls` call and in 64 KiB
//! reads (`record/conn_receive_*`), which covers the deframer's buffer handling.
//!
//! `benches/openssl/run_record_compare.sh` runs the same work in OpenSSL and compares;
//! it reads `target/criterion/record/<name>/new/estimates.json`, so keep the names.

use std::hint::black_box;

use std::io::Read;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use tls_srp::internal::crypto::cbc::{new_decrypter, new_encrypter, DirectionKeys};
use tls_srp::internal::msgs::enums::{ContentType, ProtocolVersion};
use tls_srp::internal::msgs::message::PlainMessage;
use tls_srp::suites::{
    SupportedCipherSuite, TLS_SRP_SHA_WITH_AES_128_CBC_SHA, TLS_SRP_SHA_WITH_AES_256_CBC_SHA,
};
use tls_srp::{
    ClientConfig, ClientConnection, ConnectionCommon, InMemoryUserStore, ServerConfig,
    ServerConnection, SideData, SrpGroup,
};

fn pump<D0: SideData, D1: SideData>(
    from: &mut ConnectionCommon<D0>,
    to: &mut ConnectionCommon<D1>,
) {
    let mut buf = Vec::new();
    while from.wants_write() {
        from.write_tls(&mut buf).unwrap();
    }
    let mut rd: &[u8] = &buf;
    while !rd.is_empty() {
        to.read_tls(&mut rd).unwrap();
        to.process_new_packets().unwrap();
    }
}

/// An established client/server pair (1024-bit group: set-up only).
fn connected() -> (ClientConnection, ServerConnection) {
    let store = Arc::new(InMemoryUserStore::new());
    store
        .add_user("bench", b"bench password", SrpGroup::by_bits(1024).unwrap())
        .unwrap();
    let mut ccfg = ClientConfig::new("bench", "bench password");
    ccfg.min_group_bits = 1024;
    let mut client = ClientConnection::new(Arc::new(ccfg), Some("localhost")).unwrap();
    let mut server =
        ServerConnection::new(Arc::new(ServerConfig::new(store).unwrap()), None).unwrap();
    while client.is_handshaking() || server.is_handshaking() {
        pump(&mut client, &mut server);
        pump(&mut server, &mut client);
    }
    (client, server)
}

/// 64 records of 16 KiB from `client` (fresh sequence numbers), each as its own bytes.
fn records(client: &mut ClientConnection, data: &[u8]) -> Vec<Vec<u8>> {
    use std::io::Write;
    (0..64)
        .map(|_| {
            client.writer().write_all(data).unwrap();
            let mut rec = Vec::new();
            while client.wants_write() {
                client.write_tls(&mut rec).unwrap();
            }
            rec
        })
        .collect()
}

/// Feeds `rd` to the server until it is exhausted, processing and reading the plaintext.
fn receive(server: &mut ServerConnection, rd: &mut dyn Read, out: &mut [u8]) {
    while server.read_tls(rd).unwrap() > 0 {
        server.process_new_packets().unwrap();
        while server.reader().read(out).unwrap_or(0) > 0 {}
    }
}

/// The server's receive path for 64 records of 16 KiB, fed one record per `read_tls`
/// call, or in 64 KiB reads. Making the records (the client's work) is set-up.
fn bench_receive(c: &mut Criterion) {
    let (mut client, mut server) = connected();
    let data = vec![0x33u8; 16 * 1024];
    let mut out = vec![0u8; 64 * 1024];
    let mut group = c.benchmark_group("record");
    group.throughput(Throughput::Bytes((64 * data.len()) as u64));
    group.bench_function("conn_receive_record_per_read", |b| {
        b.iter_batched(
            || records(&mut client, &data),
            |recs| {
                for rec in &recs {
                    receive(&mut server, &mut &rec[..], &mut out);
                }
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("conn_receive_64k_reads", |b| {
        b.iter_batched(
            || records(&mut client, &data).concat(),
            |wire| {
                for chunk in wire.chunks(64 * 1024) {
                    receive(&mut server, &mut &chunk[..], &mut out);
                }
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn bench_records(c: &mut Criterion) {
    let suites: [(&str, &SupportedCipherSuite); 2] = [
        ("aes128", &TLS_SRP_SHA_WITH_AES_128_CBC_SHA),
        ("aes256", &TLS_SRP_SHA_WITH_AES_256_CBC_SHA),
    ];
    let mac_key = [0x42u8; 20];
    let enc_key = [0x24u8; 32];
    let mut group = c.benchmark_group("record");
    for (len, len_name) in [(16384usize, "16k"), (256, "256")] {
        group.throughput(Throughput::Bytes(len as u64));
        let msg = PlainMessage {
            typ: ContentType::ApplicationData,
            version: ProtocolVersion::TLSv1_2,
            payload: (0..len).map(|i| i as u8).collect(),
        };
        for (suite_name, suite) in suites {
            let keys = || DirectionKeys {
                mac_key: &mac_key,
                enc_key: &enc_key[..suite.enc_key_len],
            };
            for (etm, mode) in [(false, "mte"), (true, "etm")] {
                let mut enc = new_encrypter(suite, keys(), etm);
                let mut dec = new_decrypter(suite, keys(), etm);

                group.bench_function(format!("{suite_name}_{mode}_seal_{len_name}"), |b| {
                    b.iter(|| enc.encrypt(black_box(&msg), 7).unwrap())
                });

                let record = enc.encrypt(&msg, 7).unwrap();
                assert_eq!(dec.decrypt(record.clone(), 7).unwrap(), msg);
                // The clone of the input record is set-up, not measured.
                group.bench_function(format!("{suite_name}_{mode}_open_{len_name}"), |b| {
                    b.iter_batched(
                        || record.clone(),
                        |r| dec.decrypt(r, 7).unwrap(),
                        BatchSize::SmallInput,
                    )
                });
            }
        }
    }
    group.finish();
}

criterion_group!(benches, bench_records, bench_receive);
criterion_main!(benches);
