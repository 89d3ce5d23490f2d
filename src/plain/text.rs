//! What may reach the terminal in the plain console: printable text only, and no glyph a
//! screen reader would speak as a symbol's name.
//!
//! Everything the session prints passes through [`speak`], data from the database and the
//! APIs included: a seat label with an escape sequence in it (a hostile sensor API, a
//! hand-edited row) is printed without its control characters, so nothing but the session
//! itself decides what the terminal does.

/// `text` with control characters dropped (a tab becomes a space), the console's glyphs said
/// in words, and box-drawing and block characters gone.
pub fn speak(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' => out.push(' '),
            // Markup around a command in a message (`carrel purge`), read aloud as "grave".
            '`' => {}
            c if c.is_control() => {}
            '…' => out.push_str("..."),
            '→' => out.push_str(" to "),
            '←' => out.push_str(" from "),
            '↑' => out.push_str("up"),
            '↓' => out.push_str("down"),
            '·' | '•' => out.push(','),
            '—' | '–' => out.push('-'),
            'ε' => out.push_str("epsilon"),
            '✓' => out.push_str("yes"),
            '✗' => out.push_str("no"),
            '≈' => out.push_str("about "),
            '≥' => out.push_str("at least "),
            '≤' => out.push_str("at most "),
            '×' => out.push('x'),
            // Box drawing, block elements and the geometric shapes the map draws with.
            '\u{2500}'..='\u{25FF}' => {}
            // Bidirectional overrides and isolates could reorder what a reader says.
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Whether `bytes` (what the terminal received) holds anything the plain console must not
/// send: a CSI sequence that moves the cursor or erases (`ESC [ … H J K A B C D`), a cursor
/// save or restore (`ESC 7`, `ESC 8`), an SGR (`ESC [ … m`), or a box-drawing or block
/// character. Returns the first one found, in words.
pub fn forbidden(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if ('\u{2500}'..='\u{259F}').contains(&c) {
            return Some(format!("box-drawing or block character {c:?} at byte {at}"));
        }
        if c != '\u{1b}' {
            continue;
        }
        match chars.peek().map(|(_, c)| *c) {
            Some('7') | Some('8') => return Some(format!("cursor save/restore at byte {at}")),
            Some('[') => {
                chars.next();
                // Parameters and intermediates, then the final byte.
                for (_, f) in chars.by_ref() {
                    if ('\u{40}'..='\u{7e}').contains(&f) {
                        if matches!(f, 'H' | 'J' | 'K' | 'A' | 'B' | 'C' | 'D' | 'm' | 'f' | 'G') {
                            return Some(format!("CSI ... {f} at byte {at}"));
                        }
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_box_drawing_never_pass() {
        let hostile = "1N-014\u{1b}[2J\u{1b}[31mred\u{7}\u{9b}2J ┌─┐█ ok\tend";
        let said = speak(hostile);
        assert_eq!(said, "1N-014[2J[31mred2J  ok end");
        assert!(forbidden(said.as_bytes()).is_none());
        assert!(forbidden(hostile.as_bytes()).is_some());
    }

    #[test]
    fn glyphs_are_said_in_words() {
        assert_eq!(speak("ε ledger · 3 → 4…"), "epsilon ledger , 3  to  4...");
        assert_eq!(speak("Café 1N"), "Café 1N");
        assert_eq!(speak("run `carrel purge`"), "run carrel purge");
    }

    #[test]
    fn forbidden_finds_each_kind() {
        for (bytes, what) in [
            (&b"a\x1b[10;4Hb"[..], "H"),
            (b"\x1b[K", "K"),
            (b"\x1b[2J", "J"),
            (b"\x1b[3A", "A"),
            (b"\x1b7", "save"),
            (b"\x1b8", "save"),
            (b"\x1b[1;31m", "m"),
        ] {
            let found = forbidden(bytes).unwrap_or_default();
            assert!(found.contains(what), "{bytes:?}: {found}");
        }
        assert!(forbidden("│".as_bytes()).is_some());
        assert!(forbidden(b"plain line\r\n").is_none());
        // Bracketed paste or a mode change is not cursor movement.
        assert!(forbidden(b"\x1b[?2004l").is_none());
    }
}
