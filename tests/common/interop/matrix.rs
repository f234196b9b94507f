//! Interop matrices: one row a cell, printed and written to
//! `target/interop/matrix-<tag>.md`.

use std::sync::{Mutex, OnceLock};

use tls_srp::CipherSuite;

use super::support::peers;

/// Short name of a suite for tables.
pub fn suite_short(suite: CipherSuite) -> &'static str {
    match suite {
        CipherSuite::TLS_SRP_SHA_WITH_AES_128_CBC_SHA => "AES-128",
        CipherSuite::TLS_SRP_SHA_WITH_AES_256_CBC_SHA => "AES-256",
        CipherSuite::TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA => "SRP-RSA AES-128",
        CipherSuite::TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA => "SRP-RSA AES-256",
        other => panic!("not an SRP AES suite: {other:?}"),
    }
}

/// One line of an interop matrix.
#[derive(Clone, Debug)]
pub struct MatrixRow {
    /// Who we talked to (`GnuTLS 3.7.9`, `tlslite-ng 0.8.2`).
    pub peer: String,
    /// `our client → X` or `X → our server`.
    pub role: String,
    /// `AES-128`, `AES-256`, `SRP-RSA AES-128`, `SRP-RSA AES-256`, or `-`.
    pub suite: String,
    /// Group bits, or `-`.
    pub group: String,
    /// EMS/EtM switches and other conditions.
    pub options: String,
    /// Handshakes attempted.
    pub handshakes: usize,
    /// What happened: `ok` when every handshake did what the cell expects, else the failures.
    pub result: String,
}

fn matrix_rows() -> &'static Mutex<Vec<MatrixRow>> {
    static ROWS: OnceLock<Mutex<Vec<MatrixRow>>> = OnceLock::new();
    ROWS.get_or_init(|| Mutex::new(Vec::new()))
}

fn matrix_table(rows: &[MatrixRow]) -> String {
    let mut s = String::from(
        "| peer | role | suite | group | options | handshakes | result |\n| --- | --- | --- | ---: | --- | ---: | --- |\n",
    );
    for r in rows {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            r.peer, r.role, r.suite, r.group, r.options, r.handshakes, r.result
        ));
    }
    s
}

/// Prints `rows` as a Markdown table (visible with `--nocapture`), adds them to this test
/// binary's matrix and rewrites `target/interop/matrix-<file_tag>.md` with every row
/// recorded so far (tests of one binary run in parallel; the last one writes them all).
pub fn record_matrix(file_tag: &str, title: &str, rows: &[MatrixRow]) {
    println!("\n{title}\n\n{}", matrix_table(rows));
    let all = {
        let mut m = matrix_rows().lock().unwrap_or_else(|e| e.into_inner());
        m.extend_from_slice(rows);
        let mut all = m.clone();
        all.sort_by(|a, b| {
            (&a.role, &a.suite, a.group.len(), &a.group, &a.options).cmp(&(
                &b.role,
                &b.suite,
                b.group.len(),
                &b.group,
                &b.options,
            ))
        });
        all
    };
    let path = peers().dir.join(format!("matrix-{file_tag}.md"));
    let total: usize = all.iter().map(|r| r.handshakes).sum();
    let text = format!(
        "<!-- written by the interop tests (tests/interop_{file_tag}.rs); {total} handshakes -->\n\n{}",
        matrix_table(&all)
    );
    if let Err(e) = std::fs::write(&path, text) {
        eprintln!("cannot write {}: {e}", path.display());
    }
}
