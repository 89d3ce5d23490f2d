//! Pseudonyms: how a patron is named to the recommendation API and in analytics tables.
//!
//! A pseudonym is HMAC-SHA256 of the normalised card number under the site key, as lowercase
//! hex. Without the key, a pseudonym cannot be linked back to a card number by guessing.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Length of a pseudonym in hex characters.
pub const PSEUDONYM_LEN: usize = 64;

/// The card number as printed may carry spaces or dashes; the pseudonym is of the digits and
/// letters only, upper-cased, so `2900 0001` and `29000001` name the same patron.
pub fn normalise_card(card: &str) -> String {
    card.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect()
}

/// The pseudonym of `card` under `site_key`.
pub fn pseudonym(site_key: &[u8], card: &str) -> String {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(site_key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(normalise_card(card).as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `s` has the form of a pseudonym (64 lowercase hex characters).
pub fn is_pseudonym(s: &str) -> bool {
    s.len() == PSEUDONYM_LEN && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_rfc4231_test_case_2() {
        // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?". Normalisation would
        // alter that data, so check the MAC itself through the same construction.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn spacing_of_the_card_number_does_not_matter() {
        let key = b"site key";
        assert_eq!(pseudonym(key, "2900 0001"), pseudonym(key, "29000001"));
        assert_eq!(pseudonym(key, "ab-12"), pseudonym(key, "AB12"));
        assert_ne!(pseudonym(key, "29000001"), pseudonym(key, "29000002"));
        assert_ne!(pseudonym(b"other key", "29000001"), pseudonym(key, "29000001"));
        assert!(is_pseudonym(&pseudonym(key, "29000001")));
        assert!(!is_pseudonym("29000001"));
    }
}
