//! Breaking text into lines of a given display width, for errors and notes that must be read
//! whole on a narrow terminal (`carrel status`, the System tab); and a sentence's first letter.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `s` with its first letter upper-case, to begin a sentence with a phrase made for the middle
/// of one ("open Circulation desk 4" asked as "Open Circulation desk 4?").
pub fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// `text` broken at spaces into lines at most `width` columns wide; a word wider than a line is
/// broken inside. Runs of spaces collapse; an empty text is one empty line.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = vec![];
    let mut line = String::new();
    for word in text.split_whitespace() {
        let gap = usize::from(!line.is_empty());
        if line.width() + gap + word.width() <= width {
            if gap == 1 {
                line.push(' ');
            }
            line.push_str(word);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for c in word.chars() {
            if line.width() + c.width().unwrap_or(0) > width && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            line.push(c);
        }
    }
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn breaks_at_spaces_and_inside_words_too_wide() {
        assert_eq!(
            wrap("HTTP 503: sensor gateway overloaded", 12),
            ["HTTP 503:", "sensor", "gateway", "overloaded"]
        );
        assert_eq!(wrap("abcdefghij kl", 4), ["abcd", "efgh", "ij", "kl"]);
        assert_eq!(wrap("閱覽室 閱覽室", 6), ["閱覽室", "閱覽室"]);
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(wrap("a  b", 10), ["a b"]);
    }
}
