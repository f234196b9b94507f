//! The throwaway PostgreSQL cluster of `common/postgres.rs` (Debian's `postgresql`,
//! installed by `interop/setup.sh`), which tests of several `tls-srp serve` sharing one
//! store run: it starts on 127.0.0.1, keeps its data across a SIGKILL of the postmaster
//! and a restart on the same port, and is gone (nothing listens on its port) once dropped.

#[path = "common/interop.rs"]
mod interop;
#[path = "common/postgres.rs"]
mod postgres;

use std::time::Instant;

use postgres::{port_open, PgCluster};

#[test]
fn cluster_survives_kill_and_restart_and_stops_on_drop() {
    let t0 = Instant::now();
    let mut pg = PgCluster::start();
    let port = pg.port();
    let started = t0.elapsed();
    assert_eq!(
        pg.url(),
        format!("postgres://tlssrp@127.0.0.1:{port}/tlssrp")
    );
    assert_eq!(
        pg.psql("SELECT current_user, current_database()"),
        "tlssrp|tlssrp"
    );
    pg.psql("CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL)");
    pg.psql("INSERT INTO t VALUES (1, 'alice'), (2, 'bob')");
    assert_eq!(
        pg.psql("SELECT id, name FROM t ORDER BY id"),
        "1|alice\n2|bob"
    );
    // Committed, no checkpoint since: only the WAL has it.
    pg.psql("INSERT INTO t VALUES (3, 'carol')");

    // SIGKILL: no shutdown, crash recovery at the next start, same port.
    let old_pid = pg.pid().expect("running");
    pg.kill();
    assert!(pg.pid().is_none());
    assert!(!port_open(port), "nothing listens on {port} after kill");
    let t1 = Instant::now();
    pg.restart();
    let restarted = t1.elapsed();
    assert_eq!(pg.port(), port);
    assert_ne!(pg.pid(), Some(old_pid));
    assert_eq!(
        pg.psql("SELECT id, name FROM t ORDER BY id"),
        "1|alice\n2|bob\n3|carol",
        "server log:\n{}",
        pg.log()
    );

    // A clean stop and start keep it too.
    pg.stop();
    assert!(!port_open(port));
    pg.restart();
    assert_eq!(pg.psql("SELECT count(*) FROM t"), "3");

    let data = pg.data_dir();
    drop(pg);
    assert!(
        !port_open(port),
        "something still listens on {port} after drop"
    );
    assert!(!data.exists(), "{} is left after drop", data.display());
    println!(
        "start {started:?}, restart after kill {restarted:?}, total {:?}",
        t0.elapsed()
    );
}
