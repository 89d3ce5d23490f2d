//! Field encryption of the patron directory, and the key file that holds its keys.
//!
//! Each directory field (card number, name, email) is sealed on its own with AES-256-GCM under
//! the directory key and a fresh random 96-bit nonce, and stored as one value:
//!
//! ```text
//! version (1 byte, = 1) || nonce (12 bytes) || ciphertext and tag (16 bytes)
//! ```
//!
//! The associated data binds a value to its place, `carrel-patron/1|<column>|<pseudonym>`, so a
//! value copied to another column or another patron's row fails to open instead of showing the
//! wrong person's data. Opening failures name the patron's pseudonym and the column, never the
//! bytes.
//!
//! The key file (`carrel-keys/1`, TOML) holds the directory key and the pseudonym key (the site
//! key shared with the recommendation service). A database remembers each key's id, the first
//! 16 hex digits of HMAC-SHA256(key, "carrel key id"), so a key file from another database is
//! recognised before anything is read or written.
//!
//! Pure: nonces and new keys come from the caller (the services draw them from the operating
//! system). May use: aes-gcm, hmac, sha2, hex, toml, serde.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The key file's name in the state directory, unless the configuration names another.
pub const KEY_FILE_NAME: &str = "patron.key";
/// The key file's format.
pub const KEY_FILE_FORMAT: &str = "carrel-keys/1";
/// The version byte that starts every sealed value.
pub const SEALED_VERSION: u8 = 1;
/// Length of a nonce in bytes (96 bits, as GCM prefers).
pub const NONCE_LEN: usize = 12;
/// Length of the directory key in bytes (AES-256).
pub const DIRECTORY_KEY_LEN: usize = 32;
/// The shortest pseudonym key accepted, in bytes.
pub const MIN_PSEUDONYM_KEY_LEN: usize = 16;
const TAG_LEN: usize = 16;

/// The two keys of a database's patron data.
#[derive(Clone, PartialEq, Eq)]
pub struct Keys {
    directory: [u8; DIRECTORY_KEY_LEN],
    pseudonym: Vec<u8>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Keys {{ directory: <{}>, pseudonym: <{}> }}",
            self.directory_key_id(),
            self.pseudonym_key_id()
        )
    }
}

/// A sealed value that would not open: the wrong key, or a value moved or altered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot decrypt {column} of patron {pseudonym}: the value was altered, moved from another \
     row or column, or sealed under another key"
)]
pub struct DecryptError {
    pub pseudonym: String,
    pub column: String,
}

/// A key file that cannot be read as one: the line (when known) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFileError {
    pub line: Option<usize>,
    pub message: String,
}

impl Keys {
    /// Keys from their bytes; the pseudonym key must be at least [`MIN_PSEUDONYM_KEY_LEN`]
    /// bytes.
    pub fn new(directory: [u8; DIRECTORY_KEY_LEN], pseudonym: Vec<u8>) -> Result<Keys, String> {
        if pseudonym.len() < MIN_PSEUDONYM_KEY_LEN {
            return Err(format!(
                "the pseudonym key has {} bytes; at least {MIN_PSEUDONYM_KEY_LEN} are needed",
                pseudonym.len()
            ));
        }
        Ok(Keys { directory, pseudonym })
    }

    /// The id the database keeps for the directory key.
    pub fn directory_key_id(&self) -> String {
        key_id(&self.directory)
    }

    /// The id the database keeps for the pseudonym key.
    pub fn pseudonym_key_id(&self) -> String {
        key_id(&self.pseudonym)
    }

    /// The pseudonym of a card number (see [`super::pseudonym`]).
    pub fn pseudonym(&self, card: &str) -> String {
        super::pseudonym::pseudonym(&self.pseudonym, card)
    }

    /// Seals `plaintext` for `column` of the patron `pseudonym` with `nonce`, which must never
    /// be used twice under the same key (draw it at random for every value).
    pub fn seal(
        &self,
        column: &str,
        pseudonym: &str,
        plaintext: &str,
        nonce: [u8; NONCE_LEN],
    ) -> Vec<u8> {
        let aad = associated_data(column, pseudonym);
        let sealed = self
            .cipher()
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload { msg: plaintext.as_bytes(), aad: aad.as_bytes() },
            )
            // AES-GCM refuses only messages longer than 64 GiB; directory fields are short.
            .unwrap_or_else(|_| unreachable!("a directory field is far below the GCM limit"));
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(SEALED_VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens a value sealed by [`Keys::seal`] for the same column and patron.
    pub fn open(
        &self,
        column: &str,
        pseudonym: &str,
        sealed: &[u8],
    ) -> Result<String, DecryptError> {
        let fail = || DecryptError { pseudonym: pseudonym.to_owned(), column: column.to_owned() };
        if sealed.len() < 1 + NONCE_LEN + TAG_LEN || sealed[0] != SEALED_VERSION {
            return Err(fail());
        }
        let (nonce, body) = sealed[1..].split_at(NONCE_LEN);
        let aad = associated_data(column, pseudonym);
        let plain = self
            .cipher()
            .decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad: aad.as_bytes() })
            .map_err(|_| fail())?;
        String::from_utf8(plain).map_err(|_| fail())
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&self.directory))
    }

    /// The key file's text.
    pub fn to_file_text(&self) -> String {
        format!(
            "# carrel patron keys ({KEY_FILE_FORMAT}).\n\
             #\n\
             # KEEP THIS FILE SECRET. Anyone holding it and a copy of the database can read the\n\
             # patron directory (card numbers, names, emails) and link pseudonyms to patrons.\n\
             # BACK IT UP, APART FROM THE DATABASE. Without it the patron directory cannot be read\n\
             # or written: there is no other copy of these keys and no way to recover them.\n\
             #\n\
             # directory_key encrypts the directory's fields (AES-256-GCM).\n\
             # pseudonym_key names patrons in the analytics tables and to the recommendation\n\
             # service (HMAC-SHA256 of the card number); it is the site key shared with it.\n\
             format = \"{KEY_FILE_FORMAT}\"\n\
             directory_key = \"{}\"\n\
             pseudonym_key = \"{}\"\n",
            hex::encode(self.directory),
            hex::encode(&self.pseudonym)
        )
    }

    /// Reads a key file's text.
    pub fn from_file_text(text: &str) -> Result<Keys, KeyFileError> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct KeyFile {
            format: String,
            directory_key: String,
            pseudonym_key: String,
        }
        let file: KeyFile = toml::from_str(text).map_err(|e| KeyFileError {
            line: e.span().map(|s| line_of(text, s.start)),
            message: e.message().lines().next().unwrap_or("not TOML").to_owned(),
        })?;
        let at =
            |key: &str, message: String| KeyFileError { line: line_of_key(text, key), message };
        if file.format != KEY_FILE_FORMAT {
            return Err(at(
                "format",
                format!("format '{}' is not {KEY_FILE_FORMAT}", clip(&file.format)),
            ));
        }
        let directory: [u8; DIRECTORY_KEY_LEN] = hex::decode(file.directory_key.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| {
                at("directory_key", "directory_key is not 64 hex digits (32 bytes)".into())
            })?;
        let pseudonym = hex::decode(file.pseudonym_key.trim())
            .map_err(|_| at("pseudonym_key", "pseudonym_key is not hex".into()))?;
        Keys::new(directory, pseudonym).map_err(|m| at("pseudonym_key", m))
    }
}

/// The associated data that binds a sealed value to its column and patron.
pub fn associated_data(column: &str, pseudonym: &str) -> String {
    format!("carrel-patron/1|{column}|{pseudonym}")
}

/// The first 16 hex digits of HMAC-SHA256(key, "carrel key id"): names a key without
/// revealing it.
pub fn key_id(key: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(b"carrel key id");
    let mut id = hex::encode(mac.finalize().into_bytes());
    id.truncate(16);
    id
}

/// A site key as the recommendation service hands it out: the first line of its file, read as
/// hex when it is nothing but an even number of hex digits, otherwise as its bytes.
pub fn parse_site_key(text: &[u8]) -> Result<Vec<u8>, String> {
    let first = text.split(|b| *b == b'\n').next().unwrap_or_default();
    let first = first.strip_suffix(b"\r").unwrap_or(first).trim_ascii();
    let key = if !first.is_empty()
        && first.len().is_multiple_of(2)
        && first.iter().all(u8::is_ascii_hexdigit)
    {
        hex::decode(first).map_err(|e| e.to_string())?
    } else {
        first.to_vec()
    };
    if key.len() < MIN_PSEUDONYM_KEY_LEN {
        return Err(format!(
            "the site key on the first line has {} bytes; at least {MIN_PSEUDONYM_KEY_LEN} are needed",
            key.len()
        ));
    }
    Ok(key)
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).unwrap_or(text).matches('\n').count() + 1
}

fn line_of_key(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            l.trim_start().strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

fn clip(s: &str) -> String {
    super::sanitize::clean_text(s, 40)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys::new([7u8; 32], b"a site key of 20 bytes".to_vec()).unwrap()
    }

    #[test]
    fn values_round_trip_and_carry_version_and_nonce() {
        let k = keys();
        let sealed = k.seal("name", "p1", "Ana García", [1u8; 12]);
        assert_eq!(sealed[0], SEALED_VERSION);
        assert_eq!(&sealed[1..13], &[1u8; 12]);
        assert_eq!(sealed.len(), 1 + 12 + "Ana García".len() + 16);
        assert!(!sealed.windows(3).any(|w| w == b"Ana"));
        assert_eq!(k.open("name", "p1", &sealed).unwrap(), "Ana García");
        // Another nonce, another ciphertext of the same value.
        assert_ne!(k.seal("name", "p1", "Ana García", [2u8; 12]), sealed);
    }

    #[test]
    fn a_value_moved_to_another_row_or_column_does_not_open() {
        let k = keys();
        let sealed = k.seal("name", "p1", "Ana García", [1u8; 12]);
        let e = k.open("name", "p2", &sealed).unwrap_err();
        assert_eq!(e, DecryptError { pseudonym: "p2".into(), column: "name".into() });
        assert!(e.to_string().starts_with("cannot decrypt name of patron p2"), "{e}");
        assert!(k.open("email", "p1", &sealed).is_err());
    }

    #[test]
    fn the_wrong_key_or_a_changed_byte_does_not_open() {
        let k = keys();
        let sealed = k.seal("card", "p1", "29000001", [3u8; 12]);
        let other = Keys::new([8u8; 32], b"a site key of 20 bytes".to_vec()).unwrap();
        assert!(other.open("card", "p1", &sealed).is_err());
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert!(k.open("card", "p1", &bad).is_err(), "byte {i} changed yet it opened");
        }
        assert!(k.open("card", "p1", &sealed[..20]).is_err());
        assert!(k.open("card", "p1", &[]).is_err());
    }

    #[test]
    fn key_files_round_trip_and_bad_ones_name_the_line() {
        let k = keys();
        let text = k.to_file_text();
        assert!(text.contains("KEEP THIS FILE SECRET"));
        assert!(text.contains("BACK IT UP, APART FROM THE DATABASE"));
        assert_eq!(Keys::from_file_text(&text).unwrap(), k);
        let line_of_dir = text.lines().position(|l| l.starts_with("directory_key")).unwrap() + 1;
        let short = text.replace(&hex::encode([7u8; 32]), "abcd");
        let e = Keys::from_file_text(&short).unwrap_err();
        assert_eq!(e.line, Some(line_of_dir));
        assert!(e.message.contains("64 hex digits"), "{e:?}");
        let e =
            Keys::from_file_text("format = \"carrel-keys/1\"\ndirectory_key = 12\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e:?}");
        let e =
            Keys::from_file_text(&text.replace("carrel-keys/1\"", "carrel-keys/9\"")).unwrap_err();
        assert!(e.message.contains("carrel-keys/9"), "{e:?}");
        let e = Keys::from_file_text(&format!("{text}extra = 1\n")).unwrap_err();
        assert!(e.message.contains("unknown field"), "{e:?}");
        assert!(!format!("{k:?}").contains(&hex::encode([7u8; 32])), "Debug shows no key");
    }

    #[test]
    fn key_ids_name_keys_without_revealing_them() {
        let k = keys();
        assert_eq!(k.directory_key_id().len(), 16);
        assert_ne!(k.directory_key_id(), k.pseudonym_key_id());
        assert_eq!(key_id(&[7u8; 32]), k.directory_key_id());
        assert_ne!(key_id(&[8u8; 32]), k.directory_key_id());
    }

    #[test]
    fn site_keys_are_hex_or_raw_bytes_and_long_enough() {
        assert_eq!(parse_site_key(b"00112233445566778899aabbccddeeff\n").unwrap().len(), 16);
        assert_eq!(
            parse_site_key(b"carrel-sim-site-key-0000000000000001\nignored").unwrap(),
            b"carrel-sim-site-key-0000000000000001".to_vec()
        );
        assert!(parse_site_key(b"short\n").unwrap_err().contains("5 bytes"));
        assert!(parse_site_key(b"").is_err());
        assert!(Keys::new([0; 32], vec![1; 15]).is_err());
    }
}
