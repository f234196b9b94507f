//! TLS 1.2 key schedule glue shared by both roles: master secret, record keys, Finished.

use zeroize::Zeroizing;

use crate::crypto::cbc::{new_decrypter, new_encrypter, DirectionKeys};
use crate::crypto::prf;
use crate::error::Error;
use crate::keylog::KeyLog;
use crate::record_layer::RecordLayer;
use crate::suites::SupportedCipherSuite;

/// Which side we are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    Client,
    Server,
}

/// The secrets of an established session. Zeroized on drop; never printed.
pub(crate) struct ConnectionSecrets {
    suite: &'static SupportedCipherSuite,
    master_secret: Zeroizing<[u8; 48]>,
    client_random: [u8; 32],
    server_random: [u8; 32],
    /// The first Finished's verify_data (RFC 5929 tls-unique); set when it is known.
    first_finished: [u8; 12],
}

impl core::fmt::Debug for ConnectionSecrets {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ConnectionSecrets")
            .field("suite", &self.suite.suite)
            .finish_non_exhaustive()
    }
}

impl ConnectionSecrets {
    /// Derives the master secret from the premaster: RFC 7627 if `session_hash` is given,
    /// RFC 5246 8.1 otherwise.
    pub(crate) fn new(
        suite: &'static SupportedCipherSuite,
        premaster: &[u8],
        client_random: [u8; 32],
        server_random: [u8; 32],
        session_hash: Option<&[u8; 32]>,
        key_log: &dyn KeyLog,
    ) -> Self {
        let master_secret = match session_hash {
            Some(h) => prf::extended_master_secret(premaster, h),
            None => prf::master_secret(premaster, &client_random, &server_random),
        };
        Self::with_master_secret(suite, master_secret, client_random, server_random, key_log)
    }

    fn with_master_secret(
        suite: &'static SupportedCipherSuite,
        master_secret: Zeroizing<[u8; 48]>,
        client_random: [u8; 32],
        server_random: [u8; 32],
        key_log: &dyn KeyLog,
    ) -> Self {
        // NSS key log format: the TLS 1.2 master secret by the client random.
        if key_log.will_log("CLIENT_RANDOM") {
            key_log.log("CLIENT_RANDOM", &client_random, &master_secret[..]);
        }
        Self {
            suite,
            master_secret,
            client_random,
            server_random,
            first_finished: [0; 12],
        }
    }

    /// The secrets of a resumed session: the stored master secret with fresh randoms.
    pub(crate) fn resume(
        suite: &'static SupportedCipherSuite,
        master_secret: &[u8; 48],
        client_random: [u8; 32],
        server_random: [u8; 32],
        key_log: &dyn KeyLog,
    ) -> Self {
        let master_secret = Zeroizing::new(*master_secret);
        Self::with_master_secret(suite, master_secret, client_random, server_random, key_log)
    }

    /// The suite these secrets are for.
    pub(crate) fn suite(&self) -> &'static SupportedCipherSuite {
        self.suite
    }

    /// The master secret (to store the session for resumption).
    pub(crate) fn master_secret(&self) -> &[u8; 48] {
        &self.master_secret
    }

    /// RFC 5246 6.3: derives the key block and prepares both directions of the record layer.
    pub(crate) fn install_keys(&self, rl: &mut RecordLayer, side: Side, etm: bool) {
        let s = self.suite;
        let kb = prf::key_block(
            &self.master_secret,
            &self.client_random,
            &self.server_random,
            s.key_block_len(),
        );
        let (client_mac, rest) = kb.split_at(s.mac_key_len);
        let (server_mac, rest) = rest.split_at(s.mac_key_len);
        let (client_key, rest) = rest.split_at(s.enc_key_len);
        let (server_key, _) = rest.split_at(s.enc_key_len);
        let client = DirectionKeys {
            mac_key: client_mac,
            enc_key: client_key,
        };
        let server = DirectionKeys {
            mac_key: server_mac,
            enc_key: server_key,
        };
        let (write, read) = match side {
            Side::Client => (client, server),
            Side::Server => (server, client),
        };
        rl.prepare_encrypter(new_encrypter(s, write, etm));
        rl.prepare_decrypter(new_decrypter(s, read, etm));
    }

    /// RFC 5246 7.4.9: the verify_data `side` sends, over the transcript hash `hash`.
    pub(crate) fn verify_data(&self, side: Side, hash: &[u8; 32]) -> [u8; 12] {
        let label: &[u8] = match side {
            Side::Client => b"client finished",
            Side::Server => b"server finished",
        };
        prf::verify_data(&self.master_secret, label, hash)
    }

    pub(crate) fn set_first_finished(&mut self, vd: [u8; 12]) {
        self.first_finished = vd;
    }

    pub(crate) fn tls_unique(&self) -> &[u8] {
        &self.first_finished
    }

    /// RFC 5705.
    pub(crate) fn export_keying_material(
        &self,
        output: &mut [u8],
        label: &[u8],
        context: Option<&[u8]>,
    ) -> Result<(), Error> {
        // RFC 5705 4: labels reserved by TLS itself must not be used.
        const RESERVED: &[&[u8]] = &[
            b"client finished",
            b"server finished",
            b"master secret",
            b"key expansion",
            b"extended master secret",
        ];
        if RESERVED.contains(&label) {
            return Err(Error::ApiMisuse("exporter label is reserved by TLS"));
        }
        if context.is_some_and(|c| c.len() > 0xffff) {
            return Err(Error::ApiMisuse("exporter context longer than 65535 bytes"));
        }
        let mut seed = Vec::with_capacity(64 + 2 + context.map_or(0, |c| c.len()));
        seed.extend_from_slice(&self.client_random);
        seed.extend_from_slice(&self.server_random);
        if let Some(c) = context {
            seed.extend_from_slice(&(c.len() as u16).to_be_bytes());
            seed.extend_from_slice(c);
        }
        prf::prf(output, &self.master_secret[..], label, &seed);
        Ok(())
    }
}

/// Compares two Finished values in constant time.
pub(crate) fn verify_data_matches(expected: &[u8; 12], got: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    got.len() == expected.len() && bool::from(expected.ct_eq(got))
}
