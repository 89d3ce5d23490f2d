//! Cleaning of untrusted text before it is stored or shown.
//!
//! Everything from outside (API payloads, CSV files) may carry terminal escape sequences,
//! bidirectional overrides or absurd lengths. Strings pass through [`clean_text`] before they
//! can reach the store, so no control byte can reach a terminal later. Identifiers are held to
//! a stricter alphabet by [`valid_id`].

/// Longest free-text field kept (labels, names, titles), in characters.
pub const MAX_TEXT_CHARS: usize = 200;

/// Longest identifier accepted, in bytes.
pub const MAX_ID_LEN: usize = 64;

/// Whether a character must never reach a terminal: C0 and C1 controls, DEL, and the Unicode
/// bidirectional controls that can make text display in an order other than its bytes.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Strips unsafe characters (see [`is_unsafe_char`]) and cuts to `max_chars` characters,
/// marking a cut with a trailing ellipsis. Line breaks and tabs become one space each run (a
/// purpose typed over two lines keeps its words apart); whitespace at either end is trimmed.
pub fn clean_text(s: &str, max_chars: usize) -> String {
    let mut cleaned = String::with_capacity(s.len());
    let mut in_break = false;
    for c in s.chars() {
        if matches!(
            c,
            '\n' | '\r' | '\t' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
        ) {
            if !in_break && !cleaned.ends_with(' ') {
                cleaned.push(' ');
            }
            in_break = true;
        } else if !is_unsafe_char(c) {
            cleaned.push(c);
            in_break = false;
        }
    }
    let trimmed = cleaned.trim();
    if trimmed.chars().count() <= max_chars {
        return trimmed.to_owned();
    }
    let mut out: String = trimmed.chars().take(max_chars.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Whether `s` is an acceptable identifier: 1 to [`MAX_ID_LEN`] bytes of ASCII letters, digits,
/// and `.`, `_`, `-`, `:`.
pub fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_ID_LEN
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_keep_words_apart() {
        assert_eq!(
            clean_text("Plan next year's\nacquisitions\r\n\tby subject", 100),
            "Plan next year's acquisitions by subject"
        );
        assert_eq!(clean_text("one\n\ntwo\n", 100), "one two");
    }

    #[test]
    fn strips_escape_sequences_and_bidi_controls() {
        let hostile = "A\u{1b}]0;pwned\u{7}1\u{1b}[2J\u{9b}31m \u{202E}txt.exe\u{0}";
        let clean = clean_text(hostile, 100);
        assert!(clean.chars().all(|c| !is_unsafe_char(c)), "{clean:?}");
        assert_eq!(clean, "A]0;pwned1[2J31m txt.exe");
    }

    #[test]
    fn keeps_wide_and_combining_text() {
        assert_eq!(clean_text("  閱覽室 é café 👩‍💻 ", 100), "閱覽室 é café 👩‍💻");
    }

    #[test]
    fn cuts_long_text_with_an_ellipsis() {
        let long = "x".repeat(500);
        let cut = clean_text(&long, 10);
        assert_eq!(cut.chars().count(), 10);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn identifiers_are_a_strict_alphabet() {
        assert!(valid_id("F2-Z3-S017"));
        assert!(valid_id("sp:circ.1_a"));
        assert!(!valid_id(""));
        assert!(!valid_id("a b"));
        assert!(!valid_id("a\u{1b}b"));
        assert!(!valid_id(&"a".repeat(65)));
        assert!(!valid_id("座位"));
    }
}
