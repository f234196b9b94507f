//! AWS Cognito `USER_SRP_AUTH` helpers for [`crate::Profile::cognito`].
//!
//! In Cognito the client's proof is a "password claim": `HMAC-SHA-256(K, pool name | user id
//! | secret block | timestamp)`, sent base64-encoded as `PASSWORD_CLAIM_SIGNATURE` with the
//! `SECRET_BLOCK` it was given and the `TIMESTAMP` (`ddd MMM D HH:mm:ss UTC YYYY`). With this
//! crate: username = [`identity`]`(pool name, user id)`, context = [`claim_context`]`(secret
//! block, timestamp)`, and the claim is [`crate::ClientProof::m1`].

/// An integer in hex as Cognito's JavaScript client sends it (`SRP_A` is
/// `BigInteger.toString(16)`: no padding, so possibly an odd number of digits).
pub fn int_from_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 == 1 {
        crate::from_hex(&format!("0{s}"))
    } else {
        crate::from_hex(s)
    }
}

/// The pool name: the part of a user pool id (`us-east-1_AbCdEf`) after the `_`.
pub fn pool_name(user_pool_id: &str) -> &str {
    user_pool_id
        .split_once('_')
        .map_or(user_pool_id, |(_, name)| name)
}

/// The I of the Cognito formulas: pool name followed by the user id (`USER_ID_FOR_SRP`).
pub fn identity(pool_name: &str, user_id: &str) -> String {
    format!("{pool_name}{user_id}")
}

/// The bytes M1 covers after I: the secret block (decoded from base64) and the timestamp.
pub fn claim_context(secret_block: &[u8], timestamp: &str) -> Vec<u8> {
    let mut out = secret_block.to_vec();
    out.extend_from_slice(timestamp.as_bytes());
    out
}

/// The timestamp for `unix_seconds`, as amazon-cognito-identity-js's `DateHelper` writes it:
/// `Tue Sep 2 07:05:09 UTC 2025` (day of month not padded; hours, minutes, seconds padded).
pub fn timestamp(unix_seconds: u64) -> String {
    const WEEK: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]; // 1970-01-01 was a Thursday
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix_seconds / 86_400;
    let secs = unix_seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{} {} {} {:02}:{:02}:{:02} UTC {}",
        WEEK[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
        day,
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        year
    )
}

/// (year, month 1..=12, day 1..=31) of a day count since 1970-01-01 (H. Hinnant's
/// days-to-civil algorithm, for non-negative days).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(0), "Thu Jan 1 00:00:00 UTC 1970");
        // 2000-02-29 (leap day) 23:59:59 was a Tuesday.
        assert_eq!(timestamp(951_868_799), "Tue Feb 29 23:59:59 UTC 2000");
        assert_eq!(pool_name("us-east-1_AbCd"), "AbCd");
        assert_eq!(int_from_hex("abc"), Some(vec![0x0a, 0xbc]));
        assert_eq!(int_from_hex("0abc"), Some(vec![0x0a, 0xbc]));
        assert_eq!(int_from_hex("xy"), None);
    }
}
