//! Sealing and opening TLS 1.2 CBC-HMAC-SHA1 records (MAC-then-encrypt and
//! encrypt-then-MAC, AES-128 and AES-256), 16 KiB and 256-byte plaintexts.
//!
//! `benches/openssl/run_record_compare.sh` runs the same work in OpenSSL and compares;
//! it reads `target/criterion/record/<name>/new/estimates.json`, so keep the names.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use tls_srp::crypto::cbc::{new_decrypter, new_encrypter, DirectionKeys};
use tls_srp::msgs::enums::{ContentType, ProtocolVersion};
use tls_srp::msgs::message::PlainMessage;
use tls_srp::suites::{
    SupportedCipherSuite, TLS_SRP_SHA_WITH_AES_128_CBC_SHA, TLS_SRP_SHA_WITH_AES_256_CBC_SHA,
};

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

criterion_group!(benches, bench_records);
criterion_main!(benches);
