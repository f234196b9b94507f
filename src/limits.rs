//! Rate limiting of failed logins (RFC 5054 section 3.3: "servers SHOULD take steps to
//! prevent ... online dictionary attacks").
//!
//! A [`RateLimiter`] counts failed handshakes per username and per client address. Each
//! counter is forgiven one failure every [`RateLimitConfig::forgive_every`]. Past a free
//! budget, every further attempt waits an exponentially growing delay before the server
//! sends its first flight; past a lockout threshold the attempt is answered as if the
//! password were wrong, whatever it is (see [`Decision::Fail`]). Memory is bounded: each
//! table holds at most [`RateLimitConfig::max_tracked`] keys, the least recently failed ones
//! are forgotten first.
//!
//! The tokio acceptor applies it with [`crate::tokio::TlsAcceptor::rate_limiter`] and
//! [`crate::tokio::TlsAcceptor::accept_from`]. For other servers the sequence is:
//!
//! 1. after the ClientHello, `limiter.check(username, peer_ip)`;
//! 2. wait [`Decision::delay`], then answer the user lookup: for [`Decision::Fail`] with
//!    [`decoy_record`] (a known user) or `None` (an unknown one), otherwise with the real
//!    record. A locked-out attempt therefore fails exactly like a wrong password: at the
//!    client's Finished, with `bad_record_mac`, after the same salt and group were shown;
//! 3. after the handshake, [`RateLimiter::record_success`] or, for a failed password
//!    ([`crate::Error::DecryptError`]), [`RateLimiter::record_failure`].
//!
//! A per-username lockout lets anybody lock a user out by failing on purpose; the per-user
//! delay and lockout can be switched off (`user_free_failures`/`user_lockout_failures` set
//! to `u32::MAX`) where that matters more than guessing. IPv6 addresses are counted by their
//! /64 prefix, which is what one host usually gets.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::server::UserRecord;

/// Settings of a [`RateLimiter`]. The defaults suit an interactive login service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// Failures per username answered without delay. Default 3.
    pub user_free_failures: u32,
    /// Failures per username after which attempts fail whatever the password
    /// ([`Decision::Fail`]). Default 20. `u32::MAX`: never.
    pub user_lockout_failures: u32,
    /// Failures per client address answered without delay. Default 10.
    pub ip_free_failures: u32,
    /// Failures per client address after which attempts fail whatever the password.
    /// Default 100. `u32::MAX`: never.
    pub ip_lockout_failures: u32,
    /// The delay after the first failure past a free budget; it doubles with each further
    /// failure. Default 250 ms.
    pub base_delay: Duration,
    /// The longest delay (also the delay of a locked-out attempt). Keep it well under the
    /// handshake timeout. Default 4 s.
    pub max_delay: Duration,
    /// One failure of each counter is forgiven every this long. Default 60 s.
    pub forgive_every: Duration,
    /// Most usernames, and most addresses, tracked at once. Default 16384 each.
    pub max_tracked: usize,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            user_free_failures: 3,
            user_lockout_failures: 20,
            ip_free_failures: 10,
            ip_lockout_failures: 100,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(4),
            forgive_every: Duration::from_secs(60),
            max_tracked: 16384,
        }
    }
}

/// What to do with a login attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Go on at once.
    Allow,
    /// Wait this long before sending the server's first flight, then go on.
    Delay(Duration),
    /// Wait this long, then go on with a decoy verifier ([`decoy_record`]) or a simulated
    /// user, so that the attempt fails at the client's Finished like a wrong password.
    Fail(Duration),
}

impl Decision {
    /// How long to wait before the server's first flight.
    pub fn delay(&self) -> Duration {
        match *self {
            Self::Allow => Duration::ZERO,
            Self::Delay(d) | Self::Fail(d) => d,
        }
    }

    /// Whether the attempt must fail whatever the password.
    pub fn must_fail(&self) -> bool {
        matches!(self, Self::Fail(_))
    }
}

/// A failure counter that forgives one failure per `forgive_every`.
#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    /// When the count was last brought up to date (forgiveness counts from here).
    since: Instant,
    /// The last failure: eviction order.
    last_failure: Instant,
}

impl Entry {
    /// The count at `now`, after forgiveness.
    fn decay(&mut self, now: Instant, forgive_every: Duration) {
        let step = forgive_every.max(Duration::from_millis(1));
        let elapsed = now.saturating_duration_since(self.since);
        let steps = elapsed.as_nanos() / step.as_nanos();
        let forgiven = u32::try_from(steps).unwrap_or(u32::MAX);
        if forgiven == 0 {
            return;
        }
        self.failures = self.failures.saturating_sub(forgiven);
        // Keep the remainder: forgiveness goes on at the same pace.
        self.since = match step.checked_mul(forgiven) {
            Some(d) => self.since.checked_add(d).unwrap_or(now),
            None => now,
        };
    }
}

/// A table of counters with at most `max` keys.
#[derive(Debug)]
struct Table<K> {
    entries: HashMap<K, Entry>,
}

impl<K: Hash + Eq + Clone> Table<K> {
    fn new() -> Self {
        Self {
            entries: HashMap::new(),
        }
    }

    fn failures(&mut self, key: &K, now: Instant, forgive_every: Duration) -> u32 {
        match self.entries.get_mut(key) {
            Some(e) => {
                e.decay(now, forgive_every);
                e.failures
            }
            None => 0,
        }
    }

    fn add_failure(&mut self, key: K, now: Instant, forgive_every: Duration, max: usize) {
        if let Some(e) = self.entries.get_mut(&key) {
            e.decay(now, forgive_every);
            e.failures = e.failures.saturating_add(1);
            e.last_failure = now;
            return;
        }
        if self.entries.len() >= max.max(1) {
            self.evict(now, forgive_every, max.max(1));
        }
        self.entries.insert(
            key,
            Entry {
                failures: 1,
                since: now,
                last_failure: now,
            },
        );
    }

    /// Makes room: forgets fully forgiven keys, then (if still full) the least recently
    /// failed eighth, so that eviction costs O(log n) per insertion on average.
    fn evict(&mut self, now: Instant, forgive_every: Duration, max: usize) {
        self.entries.retain(|_, e| {
            e.decay(now, forgive_every);
            e.failures > 0
        });
        if self.entries.len() < max {
            return;
        }
        let mut times: Vec<Instant> = self.entries.values().map(|e| e.last_failure).collect();
        times.sort_unstable();
        let drop = (max / 8).max(1);
        let cutoff = times.get(drop.saturating_sub(1)).copied();
        if let Some(cutoff) = cutoff {
            self.entries.retain(|_, e| e.last_failure > cutoff);
        }
        // Equal times could keep the table full: then drop arbitrary keys.
        while self.entries.len() >= max {
            let Some(k) = self.entries.keys().next().cloned() else {
                break;
            };
            self.entries.remove(&k);
        }
    }

    fn clear(&mut self, key: &K) {
        self.entries.remove(key);
    }
}

/// The key of a client address: IPv4 as is, IPv6 by its /64 prefix (an IPv4-mapped IPv6
/// address counts as the IPv4 address).
fn ip_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[derive(Debug)]
struct State {
    users: Table<String>,
    ips: Table<IpAddr>,
}

/// Counts failed logins per username and per client address and says how to treat the
/// next attempt. Shared between connections (`Arc<RateLimiter>`); thread-safe.
#[derive(Debug)]
pub struct RateLimiter {
    config: RateLimitConfig,
    state: Mutex<State>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::new(RateLimitConfig::default())
    }
}

impl RateLimiter {
    /// A limiter with these settings and no failures recorded.
    pub fn new(config: RateLimitConfig) -> Self {
        Self {
            config,
            state: Mutex::new(State {
                users: Table::new(),
                ips: Table::new(),
            }),
        }
    }

    /// The settings.
    pub fn config(&self) -> &RateLimitConfig {
        &self.config
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state stays consistent whatever panicked while holding the lock.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How to treat an attempt to log in as `username` (`None`: not known, for example not
    /// UTF-8) from `ip` (`None`: not an IP transport) now.
    pub fn check(&self, username: Option<&str>, ip: Option<IpAddr>) -> Decision {
        self.check_at(username, ip, Instant::now())
    }

    /// [`Self::check`] at a given time (for tests and simulations).
    pub fn check_at(&self, username: Option<&str>, ip: Option<IpAddr>, now: Instant) -> Decision {
        let c = &self.config;
        let mut st = self.lock();
        let user_failures = match username {
            Some(u) => st.users.failures(&u.to_owned(), now, c.forgive_every),
            None => 0,
        };
        let ip_failures = match ip {
            Some(ip) => st.ips.failures(&ip_key(ip), now, c.forgive_every),
            None => 0,
        };
        drop(st);
        if user_failures >= c.user_lockout_failures || ip_failures >= c.ip_lockout_failures {
            return Decision::Fail(c.max_delay);
        }
        let over = |failures: u32, free: u32| failures.checked_sub(free).filter(|&o| o > 0);
        let excess = match (
            over(user_failures, c.user_free_failures),
            over(ip_failures, c.ip_free_failures),
        ) {
            (None, None) => return Decision::Allow,
            (a, b) => a.unwrap_or(0).max(b.unwrap_or(0)),
        };
        // base * 2^(excess - 1), capped.
        let doublings = excess.saturating_sub(1).min(31);
        let delay = c
            .base_delay
            .checked_mul(1u32 << doublings)
            .unwrap_or(c.max_delay)
            .min(c.max_delay);
        Decision::Delay(delay)
    }

    /// Records a failed login (a wrong password, or an attempt refused by
    /// [`Decision::Fail`]).
    pub fn record_failure(&self, username: Option<&str>, ip: Option<IpAddr>) {
        self.record_failure_at(username, ip, Instant::now())
    }

    /// [`Self::record_failure`] at a given time.
    pub fn record_failure_at(&self, username: Option<&str>, ip: Option<IpAddr>, now: Instant) {
        let c = &self.config;
        let mut st = self.lock();
        if let Some(u) = username {
            st.users
                .add_failure(u.to_owned(), now, c.forgive_every, c.max_tracked);
        }
        if let Some(ip) = ip {
            st.ips
                .add_failure(ip_key(ip), now, c.forgive_every, c.max_tracked);
        }
    }

    /// Records a successful login: the username's failures are forgotten. The address's
    /// are kept (one account of its own must not let an attacker reset its counter).
    pub fn record_success(&self, username: &str) {
        self.lock().users.clear(&username.to_owned());
    }

    /// How many usernames and addresses are tracked now.
    pub fn tracked(&self) -> (usize, usize) {
        let st = self.lock();
        (st.users.entries.len(), st.ips.entries.len())
    }
}

/// A record for a locked-out known user: the real group and salt (so the client sees
/// nothing change) with the verifier of a random password nobody knows, so that the
/// handshake fails at the client's Finished with `bad_record_mac`, as for a wrong password.
pub fn decoy_record(username: &str, real: &UserRecord) -> Result<UserRecord, Error> {
    let password = zeroize::Zeroizing::new(crate::rand::random_array::<32>()?);
    let verifier = crate::srp::compute_verifier(
        real.group,
        &real.salt,
        username.as_bytes(),
        password.as_slice(),
    );
    Ok(UserRecord {
        group: real.group,
        salt: real.salt.clone(),
        verifier,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn cfg() -> RateLimitConfig {
        RateLimitConfig {
            user_free_failures: 2,
            user_lockout_failures: 6,
            ip_free_failures: 4,
            ip_lockout_failures: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            forgive_every: Duration::from_secs(10),
            max_tracked: 64,
        }
    }

    const IP: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));

    #[test]
    fn user_backoff_doubles_then_locks_out() {
        let l = RateLimiter::new(cfg());
        let t = Instant::now();
        let mut seen = Vec::new();
        for _ in 0..8 {
            seen.push(l.check_at(Some("alice"), None, t));
            l.record_failure_at(Some("alice"), None, t);
        }
        let ms = Duration::from_millis;
        assert_eq!(
            seen,
            [
                Decision::Allow,
                Decision::Allow,
                Decision::Allow,
                Decision::Delay(ms(100)),
                Decision::Delay(ms(200)),
                Decision::Delay(ms(400)),
                Decision::Fail(ms(1000)),
                Decision::Fail(ms(1000)),
            ]
        );
        // Another user is not affected.
        assert_eq!(l.check_at(Some("bob"), None, t), Decision::Allow);
    }

    #[test]
    fn delay_is_capped() {
        let mut c = cfg();
        c.user_lockout_failures = u32::MAX;
        let l = RateLimiter::new(c);
        let t = Instant::now();
        for _ in 0..100 {
            l.record_failure_at(Some("alice"), None, t);
        }
        assert_eq!(
            l.check_at(Some("alice"), None, t),
            Decision::Delay(Duration::from_millis(1000))
        );
    }

    #[test]
    fn failures_are_forgiven_over_time() {
        let l = RateLimiter::new(cfg());
        let t = Instant::now();
        for _ in 0..6 {
            l.record_failure_at(Some("alice"), None, t);
        }
        assert!(l.check_at(Some("alice"), None, t).must_fail());
        // 6 failures; after 1 interval 5 remain: 3 over the free 2 -> 100 * 2^2.
        let t1 = t + Duration::from_secs(10);
        assert_eq!(
            l.check_at(Some("alice"), None, t1),
            Decision::Delay(Duration::from_millis(400))
        );
        // 9.999 s later still 5 (remainders are kept), at 20 s 4.
        assert_eq!(
            l.check_at(Some("alice"), None, t + Duration::from_millis(19_999)),
            Decision::Delay(Duration::from_millis(400))
        );
        assert_eq!(
            l.check_at(Some("alice"), None, t + Duration::from_secs(20)),
            Decision::Delay(Duration::from_millis(200))
        );
        assert_eq!(
            l.check_at(Some("alice"), None, t + Duration::from_secs(60)),
            Decision::Allow
        );
    }

    #[test]
    fn per_ip_counts_across_usernames_and_ipv6_by_prefix() {
        let l = RateLimiter::new(cfg());
        let t = Instant::now();
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        for i in 0..10 {
            let user = format!("user{i}");
            let ip = if i % 2 == 0 { a } else { b };
            l.record_failure_at(Some(&user), Some(ip), t);
        }
        assert!(l.check_at(Some("fresh"), Some(a), t).must_fail());
        assert_eq!(l.check_at(Some("fresh"), Some(other), t), Decision::Allow);
        let mapped = IpAddr::V6(Ipv4Addr::new(192, 0, 2, 1).to_ipv6_mapped());
        for _ in 0..5 {
            l.record_failure_at(None, Some(mapped), t);
        }
        assert_eq!(
            l.check_at(None, Some(IP), t),
            Decision::Delay(Duration::from_millis(100))
        );
        assert_eq!(
            ip_key(IpAddr::V6(Ipv6Addr::LOCALHOST)),
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        );
    }

    #[test]
    fn success_clears_the_user_but_not_the_address() {
        let l = RateLimiter::new(cfg());
        let t = Instant::now();
        for _ in 0..6 {
            l.record_failure_at(Some("alice"), Some(IP), t);
        }
        l.record_success("alice");
        assert_eq!(
            l.check_at(Some("alice"), None, t),
            Decision::Allow,
            "user counter cleared"
        );
        assert_eq!(
            l.check_at(Some("alice"), Some(IP), t),
            Decision::Delay(Duration::from_millis(200)),
            "address counter kept: 6 failures, 2 over the free 4"
        );
    }

    #[test]
    fn memory_is_bounded() {
        let l = RateLimiter::new(cfg());
        let t = Instant::now();
        for i in 0..10_000u32 {
            let ip = IpAddr::V4(Ipv4Addr::from(i));
            l.record_failure_at(
                Some(&format!("u{i}")),
                Some(ip),
                t + Duration::from_millis(u64::from(i)),
            );
            let (u, a) = l.tracked();
            assert!(u <= 64 && a <= 64, "{u} {a}");
        }
        // The most recent failures are kept.
        let last = IpAddr::V4(Ipv4Addr::from(9_999u32));
        assert_eq!(l.lock().ips.failures(&last, t, Duration::from_secs(10)), 1);
    }

    #[test]
    fn eviction_with_equal_times_terminates() {
        let l = RateLimiter::new(cfg());
        let t = Instant::now();
        for i in 0..1000 {
            l.record_failure_at(Some(&format!("u{i}")), None, t);
        }
        assert!(l.tracked().0 <= 64);
    }

    #[test]
    fn unknown_keys_are_allowed() {
        let l = RateLimiter::new(cfg());
        assert_eq!(l.check(None, None), Decision::Allow);
        assert_eq!(Decision::Allow.delay(), Duration::ZERO);
        l.record_failure(None, None);
        assert_eq!(l.tracked(), (0, 0));
    }

    #[test]
    fn decoy_keeps_group_and_salt_but_not_verifier() {
        let g = crate::SrpGroup::by_bits(1024).unwrap();
        let real = UserRecord::new("alice", b"pw", g).unwrap();
        let d = decoy_record("alice", &real).unwrap();
        assert_eq!(d.salt, real.salt);
        assert_eq!(d.group.bits(), real.group.bits());
        assert_ne!(d.verifier, real.verifier);
    }
}
