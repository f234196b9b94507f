//! `--store postgres://...`: users in PostgreSQL (the `tls-srp-postgres` crate), for
//! `passwd add|delete|list|verify|import` and `serve`.

use std::path::Path;

use tls_srp::vfile::{Format, GroupRef, VFile};
use tls_srp::UserRecord;
use tls_srp_postgres::{PgOptions, PgStore};

use crate::Fail;

/// A runtime for one command.
pub fn runtime() -> Result<tokio::runtime::Runtime, Fail> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Fail::new(format!("cannot start the runtime: {e}")))
}

/// Connects to the store (and applies its schema), or says why not.
pub async fn connect(url: &str) -> Result<PgStore, Fail> {
    PgStore::connect(url, PgOptions::default()).await.map_err(|e| {
        Fail::network(format!(
            "cannot use the store: {e}; check the URL (postgres://USER:PASSWORD@HOST:PORT/DB) and that PostgreSQL runs"
        ))
    })
}

fn db(e: tls_srp_postgres::PgError) -> Fail {
    Fail::network(format!("the store failed: {e}"))
}

/// `passwd add --store`: `record` is made only after the name is checked.
pub fn add(
    url: &str,
    user: &str,
    replace: bool,
    make: impl FnOnce() -> Result<(UserRecord, String), Fail>,
) -> Result<(), Fail> {
    runtime()?.block_on(async {
        let store = connect(url).await?;
        if !replace && store.get_user(user).await.map_err(db)?.is_some() {
            return Err(Fail::new(format!(
                "user {user:?} already exists in {}; use --replace to change the password",
                store.shown()
            )));
        }
        let (record, warning) = make()?;
        store.put_user(user, &record, replace).await.map_err(db)?;
        if !warning.is_empty() {
            eprintln!("tls-srp: {warning}");
        }
        eprintln!(
            "added {user:?} ({}-bit group) to {}",
            record.group.bits(),
            store.shown()
        );
        Ok(())
    })
}

/// `passwd delete --store`: the row goes; every server refuses the user within a moment.
pub fn delete(url: &str, user: &str) -> Result<(), Fail> {
    runtime()?.block_on(async {
        let store = connect(url).await?;
        match store.delete_user(user).await.map_err(db)? {
            true => {
                eprintln!("deleted {user:?} from {}", store.shown());
                Ok(())
            }
            false => Err(Fail::new(format!("no user {user:?} in {}", store.shown()))),
        }
    })
}

/// `passwd list --store`.
pub fn list(url: &str) -> Result<(), Fail> {
    runtime()?.block_on(async {
        let store = connect(url).await?;
        println!("# {} (PostgreSQL)", store.shown());
        for u in store.list_users().await.map_err(db)? {
            println!(
                "{}\t{}\t{}-bit group\t{}-byte salt",
                u.username,
                if u.revoked { "revoked" } else { "valid" },
                u.group_bits,
                u.salt_len
            );
        }
        Ok(())
    })
}

/// `passwd verify --store`: the stored record of `user`, to check a password against.
pub fn record_of(url: &str, user: &str) -> Result<UserRecord, Fail> {
    runtime()?.block_on(async {
        let store = connect(url).await?;
        match store.get_user(user).await.map_err(db)? {
            Some((rec, false)) => Ok(rec),
            _ => Err(Fail::new(format!("no user {user:?} in {}", store.shown()))),
        }
    })
}

/// `passwd import --file FILE --store URL`: every user of an OpenSSL or GnuTLS file, with
/// its verifier, salt and group (every password goes on working), revoked ones kept
/// revoked. All or nothing.
pub fn import(url: &str, file: &Path, conf: Option<&Path>, replace: bool) -> Result<(), Fail> {
    let vf = VFile::load(file, None, conf)?;
    if !vf.existed {
        return Err(Fail::new(format!("{} does not exist", file.display())));
    }
    let mut users = Vec::new();
    let mut refused = Vec::new();
    for e in vf.entries() {
        match vf.resolve(e)? {
            GroupRef::Std(_) => users.push((e.name.clone(), vf.user_record(e)?, e.revoked)),
            _ => refused.push(format!(
                "{:?} (a custom group, which no TLS-SRP peer accepts; re-add it with `passwd add --group 2048`)",
                e.name
            )),
        }
    }
    if !refused.is_empty() {
        return Err(Fail::new(format!(
            "{} has users the store cannot hold, nothing imported: {}",
            file.display(),
            refused.join(", ")
        )));
    }
    let format = match vf.format {
        Format::Openssl => "OpenSSL",
        Format::Gnutls => "GnuTLS",
    };
    runtime()?.block_on(async {
        let store = connect(url).await?;
        let n = store.import(&users, replace).await.map_err(db)?;
        let skipped = users.len() as u64 - n;
        let note = match skipped {
            0 => String::new(),
            k => format!(" ({k} already there, left alone; --replace overwrites them)"),
        };
        eprintln!(
            "imported {n} users from {} ({format} format) into {}{note}",
            file.display(),
            store.shown()
        );
        Ok(())
    })
}
