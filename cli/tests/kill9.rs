//! Verifier-file safety (issue 5 item 10): `tls-srp passwd add` killed with SIGKILL at
//! random moments (before the lock, while computing, while writing the temp file, around
//! fsync and rename, after the rename) never leaves a broken file, never loses a completed
//! add, and never lets the temp files of killed writers pile up: the next writer removes
//! them while it holds the lock. A writer running next to the killed one keeps its update.

#[allow(unused_imports)]
mod common;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::{Child, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use common::*;

const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz./";

/// Small deterministic PRNG seeded from the OS (the seed is printed for reproduction).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

fn spawn_add(file: &Path, user: &str, weak: bool) -> Child {
    let mut cmd = bin();
    cmd.args(["passwd", "add", "--password-stdin", "--file"])
        .arg(file);
    if weak {
        cmd.args(["--group", "1024", "--allow-weak-group"]);
    }
    cmd.arg(user)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("spawn tls-srp");
    if let Some(mut si) = child.stdin.take() {
        // A child killed before reading makes this fail with EPIPE: that is fine.
        let _ = si.write_all(format!("pw-{user}\n").as_bytes());
    }
    child
}

/// Waits for a child at most 60 s (then kills it and fails).
fn wait(child: &mut Child) -> ExitStatus {
    let end = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(st) = child.try_wait().expect("try_wait") {
            return st;
        }
        if Instant::now() > end {
            let _ = child.kill();
            let _ = child.wait();
            panic!("tls-srp passwd add hung");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Parses the OpenSSL srpvfile independently of the CLI: every line a complete `V` record
/// (6 TAB-separated fields, SRP base64, a known group id), the file newline-terminated.
/// Returns the usernames.
fn parse(file: &Path) -> BTreeSet<String> {
    let bytes = std::fs::read(file).expect("the file must always exist");
    assert!(!bytes.is_empty(), "empty file");
    assert_eq!(
        bytes.last(),
        Some(&b'\n'),
        "truncated file (no final newline)"
    );
    let text = String::from_utf8(bytes).expect("UTF-8");
    let mut names = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 6, "line {}: {line:?}", i + 1);
        assert_eq!(f[0], "V", "line {}", i + 1);
        for b64 in [f[1], f[2]] {
            assert!(
                !b64.is_empty() && b64.bytes().all(|c| ALPHABET.contains(&c)),
                "line {}: {line:?}",
                i + 1
            );
        }
        // A 1024/2048-bit verifier is 171/342 characters at most; a cut line would be shorter
        // than the smallest plausible one (leading zero bytes drop a few characters only).
        let min = if f[4] == "1024" { 160 } else { 330 };
        assert!(f[1].len() >= min, "line {}: short verifier", i + 1);
        assert_eq!(f[2].len(), 27, "line {}: 20-byte salt", i + 1);
        assert!(f[4] == "1024" || f[4] == "2048", "line {}", i + 1);
        assert!(names.insert(f[3].to_owned()), "duplicate {}", f[3]);
    }
    names
}

fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".v.tmp-"))
        .collect()
}

#[test]
fn sigkill_during_add_never_breaks_the_file() {
    let tmp = TempDir::new("kill9");
    let file = tmp.path("v");
    let mut done: BTreeSet<String> = BTreeSet::new();
    // Seed a few users, and time a normal add to spread the kill delays over its length
    // (the time only picks the delays; nothing asserts on it).
    let mut lengths = Vec::new();
    for i in 0..3 {
        let user = format!("seed{i}");
        let t = Instant::now();
        let mut c = spawn_add(&file, &user, false);
        assert!(wait(&mut c).success());
        lengths.push(t.elapsed());
        done.insert(user);
    }
    lengths.sort();
    let span = lengths[1].as_micros() as u64 * 13 / 10 + 1;
    let seed = u64::from_le_bytes(interop::random_bytes(8).try_into().unwrap()) | 1;
    println!(
        "add takes ~{:?}; kill delays 0..{span} us; seed {seed:#x}",
        lengths[1]
    );
    let mut rng = Rng(seed);

    let iterations = 200;
    let budget = Duration::from_secs(20);
    let start = Instant::now();
    let (mut completed, mut killed_absent, mut killed_present, mut temps_seen) = (0, 0, 0, 0);
    let mut ran = 0;
    for i in 0..iterations {
        if start.elapsed() > budget {
            break;
        }
        ran += 1;
        let victim = format!("k{i}");
        let weak = rng.below(2) == 0;
        // Every fourth round, a second writer that is not killed runs at the same time.
        let mut survivor = (i % 4 == 0).then(|| {
            let name = format!("s{i}");
            (spawn_add(&file, &name, !weak), name)
        });
        let mut child = spawn_add(&file, &victim, weak);
        std::thread::sleep(Duration::from_micros(rng.below(span)));
        let _ = child.kill(); // SIGKILL; an error means it already exited
        let st = wait(&mut child);
        if let Some((c, name)) = survivor.as_mut() {
            let st = wait(c);
            assert!(
                st.success(),
                "the writer that was not killed failed: {st:?}"
            );
            done.insert(name.clone());
        }
        use std::os::unix::process::ExitStatusExt;
        let names = parse(&file);
        if st.success() {
            completed += 1;
            done.insert(victim.clone());
        } else {
            assert_eq!(st.signal(), Some(9), "failed without being killed: {st:?}");
            if names.contains(&victim) {
                // Killed after the rename: the add is in the file, and stays there.
                killed_present += 1;
                done.insert(victim.clone());
            } else {
                killed_absent += 1;
            }
        }
        let missing: Vec<_> = done.difference(&names).collect();
        assert!(missing.is_empty(), "round {i}: lost {missing:?}");
        let extra: Vec<_> = names.difference(&done).collect();
        assert!(extra.is_empty(), "round {i}: unexpected {extra:?}");
        let temps = temp_files(&tmp.0);
        if st.success() && survivor.is_none() {
            assert!(
                temps.is_empty(),
                "round {i}: a completed writer left {temps:?}"
            );
        } else {
            // Only the killed writer's own temp file may be left, until the next writer.
            assert!(temps.len() <= 1, "round {i}: {temps:?}");
            temps_seen += temps.len();
        }
    }
    // One more normal add cleans up whatever the last kill left.
    let mut c = spawn_add(&file, "last", false);
    assert!(wait(&mut c).success());
    done.insert("last".into());
    assert_eq!(parse(&file), done);
    assert!(temp_files(&tmp.0).is_empty(), "{:?}", temp_files(&tmp.0));
    println!(
        "{ran} rounds: {completed} completed before the kill, {killed_present} killed after the rename, \
         {killed_absent} killed before it ({temps_seen} of those left a temp file, removed by the next writer)"
    );
    // The stored verifiers are right: check a few with `passwd verify`.
    let step = done.len() / 5 + 1;
    for u in done.iter().step_by(step) {
        let (code, _, err) = tls_srp(
            &[
                "passwd",
                "verify",
                "--file",
                file.to_str().unwrap(),
                "--password-stdin",
                u,
            ],
            &format!("pw-{u}\n"),
        );
        assert_eq!(code, 0, "{u}: {err}");
    }
}
