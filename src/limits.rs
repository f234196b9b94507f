//! The server's defences against online guessing and handshake floods. The server
//! connection applies them itself, so every adapter (blocking, tokio) and any event loop of
//! your own gets them; they are configured on [`crate::ServerConfig`]:
//!
//! - [`RateLimiter`] (`ServerConfig::rate_limiter`, on by default): failed logins per
//!   username and per client address (RFC 5054 3.3: "servers SHOULD take steps to prevent
//!   ... online dictionary attacks"). Past a free budget every further attempt waits an
//!   exponentially growing delay before the server's first flight; past a lockout
//!   threshold it fails whatever the password, exactly like a wrong password (at the
//!   client's Finished, with `bad_record_mac`, after the same group and salt were shown).
//! - [`HandshakeSlots`] (`ServerConfig::handshake_slots`, on by default): at most so many
//!   handshakes in progress, in all and per client address, so that one address cannot hold
//!   every slot; with `ServerConfig::client_hello_timeout` (shorter) and
//!   `ServerConfig::handshake_timeout`.
//!
//! ## How an attempt counts
//!
//! An attempt starts when the server has the ClientHello of a full handshake (a resumed
//! session tests no password and is not counted) and is *in flight* until the client's
//! Finished has been checked. In-flight attempts count towards the delay from the moment
//! they start. The outcome is settled atomically when the Finished arrives: if the username
//! or the address is locked out *at that moment*, the attempt fails whatever the password;
//! otherwise a right password clears the username's count and a wrong one adds a failure.
//! So the lockout threshold bounds the guesses that any burst of parallel handshakes gets
//! checked against the real verifier. An attempt that ends before the client's Finished
//! (a timeout, a malformed message, a closed socket) tested no password and is forgotten.
//! An attempt that starts while the user is already locked out is answered with a decoy
//! verifier derived from the server's secret (the real group and salt), so it costs the
//! same work as any other attempt and never tests the password at all.
//!
//! Unknown usernames are counted exactly like known ones (otherwise the lockout would tell
//! them apart). Memory is bounded: each table holds at most
//! [`RateLimitConfig::max_tracked`] keys; when it is full, the entry that would be forgiven
//! soonest goes first, so a locked-out or heavily failing entry outlives any number of
//! lighter ones.
//!
//! A per-username lockout lets anybody lock a user out by failing on purpose; the per-user
//! delay and lockout can be switched off (`user_free_failures`/`user_lockout_failures` set
//! to `u32::MAX`) where that matters more than guessing. IPv6 addresses are counted by their
//! /64 prefix, which is what one host usually gets.
//!
//! ## Several servers
//!
//! Servers behind one load balancer share their counts through a [`LimiterSink`] (a
//! database, say): each settled outcome is published ([`LimiterEvent`]), and the events of
//! the other servers are applied with [`RateLimiter::apply_remote`], so a guesser who
//! spreads guesses over N servers gets one lockout budget, not N. Attempts *in flight* are
//! known only to the server that has them: a burst of parallel guesses spread over N servers
//! at the same instant can get up to N times the lockout threshold checked before the counts
//! meet (bounded further by [`HandshakeSlots`] per address).

use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::Waker;
use std::time::{Duration, Instant};

/// Settings of a [`RateLimiter`]. The defaults suit an interactive login service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// Failures per username answered without delay. Default 3.
    pub user_free_failures: u32,
    /// Failures per username after which attempts fail whatever the password. Default 20.
    /// `u32::MAX`: never.
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

/// How an attempt that starts now is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Go on at once.
    Allow,
    /// Wait this long before sending the server's first flight, then go on.
    Delay(Duration),
    /// Locked out: wait this long, then go on with a decoy verifier, so that the attempt
    /// fails at the client's Finished like a wrong password.
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

    /// Whether the attempt fails whatever the password.
    pub fn must_fail(&self) -> bool {
        matches!(self, Self::Fail(_))
    }
}

/// How a settled attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The password was right and nothing was locked out: the username's count is cleared.
    Success,
    /// A wrong password (or an unknown user): one more failure.
    Failed,
    /// Locked out when the attempt was settled: a failure whatever the password.
    LockedOut,
}

/// The counter of one key, in time units (nanoseconds since the limiter was made).
///
/// Failures are kept as the instant at which all of them will have been forgiven: each
/// failure adds one `forgive_every` to it (counted from now if it lies in the past), and
/// the failures left at time `t` are `ceil((forgiven_at - t) / forgive_every)`. The order
/// of entries by `forgiven_at` is therefore their order by failures left, at any time, so
/// that order never needs updating as time passes.
#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    forgiven_at: u64,
    in_flight: u32,
}

impl Entry {
    fn failures(&self, now: u64, step: u64) -> u32 {
        let left = self.forgiven_at.saturating_sub(now);
        u32::try_from(left.div_ceil(step)).unwrap_or(u32::MAX)
    }

    fn add_failure(&mut self, now: u64, step: u64) {
        self.forgiven_at = self.forgiven_at.max(now).saturating_add(step);
    }

    fn is_idle(&self, now: u64) -> bool {
        self.in_flight == 0 && self.forgiven_at <= now
    }
}

/// A table of counters with at most `max` keys, ordered by when they are forgiven.
#[derive(Debug)]
struct Table<K> {
    entries: HashMap<K, Entry>,
    by_forgiveness: BTreeSet<(u64, K)>,
}

impl<K: Hash + Ord + Clone> Table<K> {
    fn new() -> Self {
        Self {
            entries: HashMap::new(),
            by_forgiveness: BTreeSet::new(),
        }
    }

    fn get(&self, key: &K) -> Entry {
        self.entries.get(key).copied().unwrap_or_default()
    }

    /// Applies `f` to the entry of `key` (made if missing: room is made first), then drops
    /// it again if it holds nothing.
    fn update(&mut self, key: &K, now: u64, max: usize, f: impl FnOnce(&mut Entry)) {
        let mut entry = match self.entries.remove(key) {
            Some(e) => {
                self.by_forgiveness.remove(&(e.forgiven_at, key.clone()));
                e
            }
            None => {
                self.make_room(now, max.max(1));
                Entry::default()
            }
        };
        f(&mut entry);
        if !entry.is_idle(now) {
            self.by_forgiveness.insert((entry.forgiven_at, key.clone()));
            self.entries.insert(key.clone(), entry);
        }
    }

    /// Makes room for one more key: forgets the fully forgiven idle entries, then, if still
    /// full, the one that would be forgiven soonest (preferring one with no attempt in
    /// flight). A lighter entry always goes before a heavier one.
    fn make_room(&mut self, now: u64, max: usize) {
        if self.entries.len() < max {
            return;
        }
        let forgiven: Vec<(u64, K)> = self
            .by_forgiveness
            .iter()
            .take_while(|(at, _)| *at <= now)
            .filter(|(_, k)| self.entries.get(k).is_some_and(|e| e.is_idle(now)))
            .take(64)
            .cloned()
            .collect();
        for item in forgiven {
            self.forget(item);
        }
        if self.entries.len() < max {
            return;
        }
        // In-flight entries are at most the handshakes in progress: skip a bounded number.
        let victim = self
            .by_forgiveness
            .iter()
            .take(1024)
            .find(|(_, k)| self.entries.get(k).is_some_and(|e| e.in_flight == 0))
            .or_else(|| self.by_forgiveness.iter().next())
            .cloned();
        if let Some(item) = victim {
            self.forget(item);
        }
    }

    fn forget(&mut self, item: (u64, K)) {
        self.entries.remove(&item.1);
        self.by_forgiveness.remove(&item);
    }

    fn len(&self) -> usize {
        self.entries.len()
    }
}

/// The key of a client address: IPv4 as is, IPv6 by its /64 prefix (an IPv4-mapped IPv6
/// address counts as the IPv4 address).
pub(crate) fn ip_key(ip: IpAddr) -> IpAddr {
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
/// next attempt. Shared between connections (through `Arc`, for example by sharing one
/// [`crate::ServerConfig`]); thread-safe. See the [module documentation](self).
pub struct RateLimiter {
    config: RateLimitConfig,
    /// Time zero of the counters.
    base: Instant,
    state: Mutex<State>,
    /// Where settled outcomes go for other servers.
    sink: std::sync::OnceLock<Arc<dyn LimiterSink>>,
}

impl core::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("config", &self.config)
            .field("shared", &self.sink.get().is_some())
            .finish_non_exhaustive()
    }
}

/// An outcome a server tells the others ([`LimiterSink`]), and applies when another server
/// tells it ([`RateLimiter::apply_remote`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LimiterEvent {
    /// A failed login of this username (if known) from this address (IPv6: its /64).
    Failure {
        /// The username.
        username: Option<String>,
        /// The client address.
        ip: Option<IpAddr>,
    },
    /// A login that proved the password: the username's failures are forgotten.
    Success {
        /// The username.
        username: String,
    },
}

/// Where a [`RateLimiter`] publishes its settled outcomes for other servers. Called after
/// every settled attempt, outside the limiter's lock and on the handshake's thread: it must
/// not block (queue the event and send it from a task of your own).
pub trait LimiterSink: Send + Sync {
    /// Publishes `event`.
    fn publish(&self, event: LimiterEvent);
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
            base: Instant::now(),
            state: Mutex::new(State {
                users: Table::new(),
                ips: Table::new(),
            }),
            sink: std::sync::OnceLock::new(),
        }
    }

    /// Publishes every settled outcome to `sink` from now on (once: `false` if a sink was
    /// already set).
    pub fn set_sink(&self, sink: Arc<dyn LimiterSink>) -> bool {
        self.sink.set(sink).is_ok()
    }

    /// Applies an outcome published by another server, as if it had happened here (and
    /// without publishing it again).
    pub fn apply_remote(&self, event: &LimiterEvent) {
        match event {
            LimiterEvent::Failure { username, ip } => {
                self.count_failure(username.as_deref(), *ip, Instant::now())
            }
            LimiterEvent::Success { username } => self.forget_user(username),
        }
    }

    fn publish(&self, event: LimiterEvent) {
        if let Some(sink) = self.sink.get() {
            sink.publish(event);
        }
    }

    /// The settings.
    pub fn config(&self) -> &RateLimitConfig {
        &self.config
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent whatever panicked while holding the lock.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn ticks(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.base).as_nanos()).unwrap_or(u64::MAX)
    }

    fn step(&self) -> u64 {
        u64::try_from(self.config.forgive_every.as_nanos())
            .unwrap_or(u64::MAX)
            .max(1_000_000)
    }

    /// How an attempt to log in as `username` (`None`: not known, for example not UTF-8)
    /// from `ip` (`None`: not an IP transport) would be treated if it started now, counting
    /// the attempts in flight. Changes nothing.
    pub fn check(&self, username: Option<&str>, ip: Option<IpAddr>) -> Decision {
        self.check_at(username, ip, Instant::now())
    }

    /// [`Self::check`] at a given time (for tests and simulations).
    pub fn check_at(&self, username: Option<&str>, ip: Option<IpAddr>, now: Instant) -> Decision {
        let (now, step) = (self.ticks(now), self.step());
        let st = self.lock();
        let user = username.map(|u| st.users.get(&u.to_owned()));
        let addr = ip.map(|ip| st.ips.get(&ip_key(ip)));
        drop(st);
        self.decide(user, addr, now, step)
    }

    /// Whether `username` or `ip` is locked out now.
    pub fn is_locked_out(&self, username: Option<&str>, ip: Option<IpAddr>) -> bool {
        self.check(username, ip).must_fail()
    }

    fn decide(&self, user: Option<Entry>, addr: Option<Entry>, now: u64, step: u64) -> Decision {
        let c = &self.config;
        let failures = |e: Option<Entry>| e.map_or(0, |e| e.failures(now, step));
        let attempts = |e: Option<Entry>| failures(e).saturating_add(e.map_or(0, |e| e.in_flight));
        if failures(user) >= c.user_lockout_failures || failures(addr) >= c.ip_lockout_failures {
            return Decision::Fail(c.max_delay);
        }
        let over = |n: u32, free: u32| n.checked_sub(free).filter(|&o| o > 0);
        let excess = match (
            over(attempts(user), c.user_free_failures),
            over(attempts(addr), c.ip_free_failures),
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

    /// Starts an attempt: decides how to treat it and counts it in flight until it is
    /// settled or dropped.
    pub(crate) fn begin(
        self: &Arc<Self>,
        username: Option<&str>,
        ip: Option<IpAddr>,
    ) -> (Decision, Attempt) {
        let (now, step) = (self.ticks(Instant::now()), self.step());
        let max = self.config.max_tracked;
        let user = username.map(str::to_owned);
        let ip = ip.map(ip_key);
        let mut st = self.lock();
        let decision = self.decide(
            user.as_ref().map(|u| st.users.get(u)),
            ip.map(|ip| st.ips.get(&ip)),
            now,
            step,
        );
        if let Some(u) = &user {
            st.users.update(u, now, max, |e| e.in_flight += 1);
        }
        if let Some(ip) = &ip {
            st.ips.update(ip, now, max, |e| e.in_flight += 1);
        }
        drop(st);
        let attempt = Attempt {
            limiter: self.clone(),
            user,
            ip,
            open: true,
            count_if_abandoned: false,
        };
        (decision, attempt)
    }

    /// Ends an attempt (see the module documentation): the lockout is checked now, under
    /// the same lock that counts the outcome.
    fn settle(&self, attempt: &mut Attempt, verified: bool) -> Verdict {
        let (now, step) = (self.ticks(Instant::now()), self.step());
        let c = &self.config;
        let mut st = self.lock();
        attempt.open = false;
        let user = attempt.user.as_ref().map(|u| st.users.get(u));
        let addr = attempt.ip.map(|ip| st.ips.get(&ip));
        let locked = user.is_some_and(|e| e.failures(now, step) >= c.user_lockout_failures)
            || addr.is_some_and(|e| e.failures(now, step) >= c.ip_lockout_failures);
        let verdict = match (verified, locked) {
            (true, false) => Verdict::Success,
            (_, true) => Verdict::LockedOut,
            (false, false) => Verdict::Failed,
        };
        let failed = verdict != Verdict::Success;
        if let Some(u) = &attempt.user {
            st.users.update(u, now, c.max_tracked, |e| {
                e.in_flight = e.in_flight.saturating_sub(1);
                match failed {
                    true => e.add_failure(now, step),
                    // The username's failures are forgotten; the address's are kept (one
                    // account of its own must not let an attacker reset its counter).
                    false => e.forgiven_at = 0,
                }
            });
        }
        if let Some(ip) = &attempt.ip {
            st.ips.update(ip, now, c.max_tracked, |e| {
                e.in_flight = e.in_flight.saturating_sub(1);
                if failed {
                    e.add_failure(now, step);
                }
            });
        }
        drop(st);
        match (failed, &attempt.user) {
            (true, _) => self.publish(LimiterEvent::Failure {
                username: attempt.user.clone(),
                ip: attempt.ip,
            }),
            (false, Some(u)) => self.publish(LimiterEvent::Success {
                username: u.clone(),
            }),
            (false, None) => {}
        }
        verdict
    }

    /// Forgets an attempt that tested no password.
    fn abandon(&self, attempt: &mut Attempt) {
        let now = self.ticks(Instant::now());
        let max = self.config.max_tracked;
        let mut st = self.lock();
        attempt.open = false;
        if let Some(u) = &attempt.user {
            st.users
                .update(u, now, max, |e| e.in_flight = e.in_flight.saturating_sub(1));
        }
        if let Some(ip) = &attempt.ip {
            st.ips.update(ip, now, max, |e| {
                e.in_flight = e.in_flight.saturating_sub(1)
            });
        }
    }

    /// Records a failed login found outside the TLS handshake (for example a second factor
    /// checked by the application): it counts like a wrong password.
    pub fn record_failure(&self, username: Option<&str>, ip: Option<IpAddr>) {
        self.record_failure_at(username, ip, Instant::now())
    }

    /// [`Self::record_failure`] at a given time (for tests and simulations).
    pub fn record_failure_at(&self, username: Option<&str>, ip: Option<IpAddr>, now: Instant) {
        self.count_failure(username, ip, now);
        self.publish(LimiterEvent::Failure {
            username: username.map(str::to_owned),
            ip: ip.map(ip_key),
        });
    }

    fn count_failure(&self, username: Option<&str>, ip: Option<IpAddr>, now: Instant) {
        let (now, step) = (self.ticks(now), self.step());
        let max = self.config.max_tracked;
        let mut st = self.lock();
        if let Some(u) = username {
            st.users
                .update(&u.to_owned(), now, max, |e| e.add_failure(now, step));
        }
        if let Some(ip) = ip {
            st.ips
                .update(&ip_key(ip), now, max, |e| e.add_failure(now, step));
        }
    }

    /// Forgets the failures of `username` (the address counters are kept).
    pub fn record_success(&self, username: &str) {
        self.forget_user(username);
        self.publish(LimiterEvent::Success {
            username: username.to_owned(),
        });
    }

    fn forget_user(&self, username: &str) {
        let now = self.ticks(Instant::now());
        let max = self.config.max_tracked;
        self.lock()
            .users
            .update(&username.to_owned(), now, max, |e| e.forgiven_at = 0);
    }

    /// How many usernames and addresses are tracked now (with failures not yet forgiven or
    /// attempts in flight).
    pub fn tracked(&self) -> (usize, usize) {
        let st = self.lock();
        (st.users.len(), st.ips.len())
    }
}

/// An attempt in flight, from the server's first flight to the client's Finished. Dropping
/// it unsettled forgets it (no password was tested).
pub(crate) struct Attempt {
    limiter: Arc<RateLimiter>,
    user: Option<String>,
    ip: Option<IpAddr>,
    open: bool,
    /// Dropped or failed unsettled, the attempt counts as a failed guess (TLS 1.3 PAKE:
    /// the server's confirmation lets the client test its guess without a Finished).
    count_if_abandoned: bool,
}

impl Attempt {
    /// Settles the attempt: `verified` says whether the client's Finished proved the
    /// password. Returns the outcome, which is a failure whenever the username or the
    /// address is locked out now.
    pub(crate) fn settle(mut self, verified: bool) -> Verdict {
        let limiter = self.limiter.clone();
        limiter.settle(&mut self, verified)
    }

    /// From now on an attempt that ends without [`Self::settle`] is a failed guess.
    pub(crate) fn count_if_abandoned(&mut self) {
        self.count_if_abandoned = true;
    }

    /// Whether an unsettled end counts as a failed guess.
    pub(crate) fn counts_if_abandoned(&self) -> bool {
        self.count_if_abandoned
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if self.open {
            let limiter = self.limiter.clone();
            match self.count_if_abandoned {
                true => {
                    limiter.settle(self, false);
                }
                false => limiter.abandon(self),
            }
        }
    }
}

/// Caps on handshakes in progress: at most `max_total` in all and `max_per_address` per
/// client address (IPv6 per /64). A connection takes a slot when it is made
/// (`ServerConnection::new` fails with [`crate::Error::ServerBusy`] when none is free) and
/// gives it back when its handshake ends, whatever the outcome. The adapters wait for a
/// slot (at most `ServerConfig::handshake_timeout`); waiting costs no slot.
#[derive(Debug)]
pub struct HandshakeSlots {
    max_total: usize,
    max_per_address: usize,
    inner: Mutex<SlotState>,
    freed: Condvar,
}

#[derive(Debug, Default)]
struct SlotState {
    total: usize,
    per_address: HashMap<IpAddr, usize>,
    /// Bumped on every release.
    generation: u64,
    waiters: Vec<Waker>,
}

impl HandshakeSlots {
    /// At most `max_total` handshakes in progress, and `max_per_address` from one address
    /// (both at least 1).
    pub fn new(max_total: usize, max_per_address: usize) -> Arc<Self> {
        Arc::new(Self {
            max_total: max_total.max(1),
            max_per_address: max_per_address.max(1),
            inner: Mutex::new(SlotState::default()),
            freed: Condvar::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, SlotState> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The caps: (in all, per address).
    pub fn limits(&self) -> (usize, usize) {
        (self.max_total, self.max_per_address)
    }

    /// Handshakes in progress now.
    pub fn in_progress(&self) -> usize {
        self.lock().total
    }

    /// A slot for a handshake from `ip`, if one is free now.
    pub(crate) fn try_acquire(self: &Arc<Self>, ip: Option<IpAddr>) -> Option<Slot> {
        let key = ip.map(ip_key);
        let mut st = self.lock();
        if st.total >= self.max_total {
            return None;
        }
        if let Some(k) = key {
            let n = st.per_address.entry(k).or_insert(0);
            if *n >= self.max_per_address {
                return None;
            }
            *n += 1;
        }
        st.total += 1;
        Some(Slot {
            slots: self.clone(),
            ip: key,
        })
    }

    fn release(&self, ip: Option<IpAddr>) {
        let mut st = self.lock();
        st.total = st.total.saturating_sub(1);
        if let Some(k) = ip {
            if let Some(n) = st.per_address.get_mut(&k) {
                *n -= 1;
                if *n == 0 {
                    st.per_address.remove(&k);
                }
            }
        }
        st.generation = st.generation.wrapping_add(1);
        let waiters = std::mem::take(&mut st.waiters);
        drop(st);
        self.freed.notify_all();
        for w in waiters {
            w.wake();
        }
    }

    /// The current release count, to wait for the next release with.
    pub(crate) fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Blocks until a slot is released after `seen` (a [`Self::generation`]) or `until`.
    pub(crate) fn wait_blocking(&self, seen: u64, until: Instant) {
        let mut st = self.lock();
        while st.generation == seen {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            st = match self.freed.wait_timeout(st, left) {
                Ok((g, _)) => g,
                Err(e) => e.into_inner().0,
            };
        }
    }
}

/// A slot taken from [`HandshakeSlots`]; given back on drop.
pub(crate) struct Slot {
    slots: Arc<HandshakeSlots>,
    ip: Option<IpAddr>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.slots.release(self.ip);
    }
}

/// Waiting for a slot in async code (any runtime: only wakers are used).
#[cfg(feature = "tokio")]
mod released {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Arc;
    use std::task::{Context, Poll};

    use super::HandshakeSlots;

    impl HandshakeSlots {
        /// A future that resolves once a slot is released after `seen` (a
        /// [`HandshakeSlots::generation`]).
        pub(crate) fn released(self: &Arc<Self>, seen: u64) -> SlotReleased {
            SlotReleased {
                slots: self.clone(),
                seen,
            }
        }
    }

    /// Resolves when a handshake slot has been released.
    #[derive(Debug)]
    pub(crate) struct SlotReleased {
        slots: Arc<HandshakeSlots>,
        seen: u64,
    }

    impl Future for SlotReleased {
        type Output = ();

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            let mut st = self.slots.lock();
            if st.generation != self.seen {
                return Poll::Ready(());
            }
            if !st.waiters.iter().any(|w| w.will_wake(cx.waker())) {
                st.waiters.push(cx.waker().clone());
            }
            Poll::Pending
        }
    }
}
#[cfg(feature = "tokio")]
pub(crate) use released::SlotReleased;

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
        // A failure after full forgiveness counts from then.
        let t2 = t + Duration::from_secs(100);
        l.record_failure_at(Some("alice"), None, t2);
        assert_eq!(
            l.lock()
                .users
                .get(&"alice".to_owned())
                .failures(l.ticks(t2), l.step()),
            1
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
        let l = Arc::new(RateLimiter::new(cfg()));
        for _ in 0..5 {
            l.record_failure(Some("alice"), Some(IP));
        }
        let (d, attempt) = l.begin(Some("alice"), Some(IP));
        assert_eq!(d, Decision::Delay(Duration::from_millis(400)));
        assert_eq!(attempt.settle(true), Verdict::Success);
        assert_eq!(l.check(Some("alice"), None), Decision::Allow);
        assert_eq!(
            l.check(Some("alice"), Some(IP)),
            Decision::Delay(Duration::from_millis(100)),
            "address counter kept: 5 failures, 1 over the free 4"
        );
    }

    #[test]
    fn attempts_count_from_the_moment_they_start() {
        let l = Arc::new(RateLimiter::new(cfg()));
        // Attempts in flight count like failures: with 2 free, the fourth waits.
        let (d1, a1) = l.begin(Some("alice"), None);
        let (d2, a2) = l.begin(Some("alice"), None);
        let (d3, a3) = l.begin(Some("alice"), None);
        let (d4, a4) = l.begin(Some("alice"), None);
        assert_eq!([d1, d2, d3], [Decision::Allow; 3]);
        assert_eq!(d4, Decision::Delay(Duration::from_millis(100)));
        // One that ends without testing a password is forgotten.
        drop(a4);
        assert_eq!(
            l.check(Some("alice"), None),
            Decision::Delay(Duration::from_millis(100))
        );
        drop((a1, a2, a3));
        assert_eq!(l.check(Some("alice"), None), Decision::Allow);
        assert_eq!(l.tracked(), (0, 0));
    }

    #[test]
    fn a_parallel_burst_gets_at_most_the_lockout_threshold_checked() {
        let l = Arc::new(RateLimiter::new(cfg()));
        // 20 attempts start before any ends: none is locked out at its start.
        let burst: Vec<_> = (0..20)
            .map(|_| l.begin(Some("alice"), Some(IP)).1)
            .collect();
        let verdicts: Vec<_> = burst.into_iter().map(|a| a.settle(false)).collect();
        let failed = verdicts.iter().filter(|v| **v == Verdict::Failed).count();
        assert_eq!(failed, 6, "{verdicts:?}");
        assert!(verdicts[6..].iter().all(|v| *v == Verdict::LockedOut));
        // The right password, on an attempt started before the lockout, fails now.
        let (_, late) = l.begin(Some("alice"), Some(IP));
        assert_eq!(late.settle(true), Verdict::LockedOut);
    }

    #[test]
    fn memory_is_bounded_and_heavy_entries_stay() {
        let l = RateLimiter::new(cfg());
        let t = Instant::now();
        for _ in 0..10 {
            l.record_failure_at(Some("victim"), Some(IP), t);
        }
        assert!(l.check_at(Some("victim"), None, t).must_fail());
        assert!(l.check_at(None, Some(IP), t).must_fail());
        for i in 0..100_000u32 {
            let ip = IpAddr::V4(Ipv4Addr::from(i));
            l.record_failure_at(Some(&format!("u{i}")), Some(ip), t);
            if i % 997 == 0 {
                let (u, a) = l.tracked();
                assert!(u <= 64 && a <= 64, "{u} {a}");
            }
        }
        assert!(l.check_at(Some("victim"), None, t).must_fail());
        assert!(l.check_at(None, Some(IP), t).must_fail());
        // Equal failures: the most recent ones are kept.
        let last = IpAddr::V4(Ipv4Addr::from(99_999u32));
        assert_eq!(l.check_at(None, Some(last), t), Decision::Allow);
        assert_eq!(l.lock().ips.get(&last).failures(l.ticks(t), l.step()), 1);
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
    fn slots_cap_in_all_and_per_address() {
        let slots = HandshakeSlots::new(3, 2);
        let a = Some(IP);
        let b = Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)));
        let s1 = slots.try_acquire(a).unwrap();
        let s2 = slots.try_acquire(a).unwrap();
        assert!(slots.try_acquire(a).is_none(), "per address");
        let s3 = slots.try_acquire(b).unwrap();
        assert!(slots.try_acquire(None).is_none(), "in all");
        let seen = slots.generation();
        drop(s1);
        slots.wait_blocking(seen, Instant::now() + Duration::from_secs(5));
        assert_eq!(slots.in_progress(), 2);
        assert!(slots.try_acquire(a).is_some());
        drop((s2, s3));
        assert_eq!(slots.in_progress(), 0);
    }

    /// Two limiters joined by their sinks: failures on either count on both, and a success
    /// on one forgets the user's failures on the other.
    #[test]
    fn shared_counts_through_sinks() {
        #[derive(Default)]
        struct Queue(Mutex<Vec<LimiterEvent>>);
        impl LimiterSink for Queue {
            fn publish(&self, event: LimiterEvent) {
                self.0.lock().unwrap().push(event);
            }
        }
        let cfg = RateLimitConfig {
            user_free_failures: 0,
            user_lockout_failures: 4,
            ..RateLimitConfig::default()
        };
        let (a, b) = (RateLimiter::new(cfg.clone()), RateLimiter::new(cfg));
        let (qa, qb) = (Arc::new(Queue::default()), Arc::new(Queue::default()));
        assert!(a.set_sink(qa.clone()));
        assert!(b.set_sink(qb.clone()));
        assert!(!a.set_sink(qb.clone()), "one sink");
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let deliver = |q: &Queue, to: &RateLimiter| {
            for e in q.0.lock().unwrap().drain(..) {
                to.apply_remote(&e);
            }
        };
        for i in 0..4 {
            let (l, q, other) = if i % 2 == 0 {
                (&a, &qa, &b)
            } else {
                (&b, &qb, &a)
            };
            l.record_failure(Some("alice"), Some(ip));
            deliver(q, other);
        }
        assert!(a.is_locked_out(Some("alice"), None));
        assert!(
            b.is_locked_out(Some("alice"), None),
            "2 + 2 failures are 4 on both"
        );
        assert!(
            qa.0.lock().unwrap().is_empty() && qb.0.lock().unwrap().is_empty(),
            "applied, not republished"
        );
        a.record_success("alice");
        deliver(&qa, &b);
        assert!(!b.is_locked_out(Some("alice"), None));
    }
}
