//! `tls-srp bench load` and `bench idle` against `tls-srp serve --http` on 127.0.0.1, for a
//! couple of seconds: the tools work and say what they measured (never a timing assertion;
//! the comparison itself is `benches/compare_load.sh`, run by hand).

mod common;

use common::*;

/// The number after `"key":` in a one-line JSON object.
fn field(json: &str, key: &str) -> f64 {
    let pat = format!("\"{key}\":");
    let start = json
        .find(&pat)
        .unwrap_or_else(|| panic!("no {key} in {json}"))
        + pat.len();
    let rest = &json[start..];
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    rest[..end]
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{key} is not a number in {json}"))
}

fn setup() -> (TempDir, String, String, String) {
    let tmp = TempDir::new("cli-bench-load");
    let f = tmp.path("users.srpv").to_str().unwrap().to_owned();
    let (u, p) = (random_username(), random_password());
    let (code, _, err) = tls_srp(
        &["passwd", "add", "--file", &f, "--password-stdin", &u],
        &format!("{p}\n"),
    );
    assert_eq!(code, 0, "{err}");
    (tmp, f, u, p)
}

#[test]
fn bench_load_against_serve_reports_json() {
    let (_tmp, f, u, p) = setup();
    let (srv, port) = serve(&[
        "--vfile",
        &f,
        "--http",
        "--max-handshakes",
        "64",
        "--max-handshakes-per-address",
        "64",
        "--no-rate-limit",
    ]);
    let addr = format!("127.0.0.1:{port}");
    let load = |extra: &[&str]| {
        let mut args = vec![
            "bench",
            "load",
            "--connect",
            &addr,
            "--user",
            &u,
            "--password-stdin",
            "--clients",
            "4",
            "--seconds",
            "1.5",
            "--warmup",
            "0.3",
            "--json",
        ];
        args.extend_from_slice(extra);
        let (code, out, err) = tls_srp(&args, &format!("{p}\n"));
        assert_eq!(code, 0, "{out}{err}");
        out.trim().to_owned()
    };

    let full = load(&[]);
    for key in ["handshakes_per_sec", "p50_ms", "p99_ms", "failures"] {
        assert!(field(&full, key) >= 0.0, "{key} in {full}");
    }
    assert_eq!(field(&full, "failures"), 0.0, "{full}\n{}", srv.stderr());
    assert!(field(&full, "completed") >= 1.0, "{full}");
    assert_eq!(field(&full, "resumed"), 0.0, "full handshakes only: {full}");
    assert!(field(&full, "handshakes_per_sec") > 0.0, "{full}");
    assert!(field(&full, "p99_ms") >= field(&full, "p50_ms"), "{full}");

    let resumed = load(&["--resume"]);
    assert_eq!(field(&resumed, "failures"), 0.0, "{resumed}");
    assert!(field(&resumed, "completed") >= 1.0, "{resumed}");
    assert_eq!(
        field(&resumed, "resumed"),
        field(&resumed, "completed"),
        "every measured connection resumes: {resumed}"
    );

    // A wrong password: every connection fails, and the tool says so (exit 0, failures).
    let mut args = vec![
        "bench",
        "load",
        "--connect",
        &addr,
        "--user",
        &u,
        "--password-stdin",
        "--clients",
        "2",
        "--seconds",
        "0.5",
        "--warmup",
        "0",
        "--json",
    ];
    let (code, out, err) = tls_srp(&args, "not the password\n");
    assert_eq!(code, 0, "{out}{err}");
    assert!(field(&out, "failures") >= 1.0, "{out}");
    assert_eq!(field(&out, "completed"), 0.0, "{out}");

    // bench idle: holds N established connections, then closes them when stdin ends.
    args = vec![
        "bench",
        "idle",
        "--connect",
        &addr,
        "--user",
        &u,
        "--password-stdin",
        "--connections",
        "5",
        "--seconds",
        "5",
        "--json",
    ];
    let (code, out, err) = tls_srp(&args, &format!("{p}\n"));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(field(&out, "established"), 5.0, "{out}");
    drop(srv);
}

#[test]
fn bench_load_refuses_bad_arguments() {
    let (code, _, err) = tls_srp(
        &[
            "bench",
            "load",
            "--connect",
            "127.0.0.1:1",
            "--user",
            "u",
            "--password-stdin",
            "--clients",
            "0",
        ],
        "pw\n",
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--clients"), "{err}");
    let (code, _, err) = tls_srp(&["bench", "record", "--aes", "192"], "");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("128 or 256"), "{err}");
}
