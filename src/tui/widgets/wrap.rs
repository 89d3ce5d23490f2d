//! Styled text broken into lines of a width, at spaces, keeping each span's style: for text
//! that must be read whole (a "do now" line, a confirmation, a recommendation's reasons)
//! where a view counts its lines itself, as a scrolling list does, so a wrapping
//! `Paragraph` will not do.

use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

/// `spans` broken at spaces into lines of at most `width` columns. Lines after the first start
/// with `indent` spaces; a word longer than a line is cut across lines. Spaces at a break are
/// dropped.
pub fn wrap_spans(spans: Vec<Span<'static>>, width: usize, indent: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let indent = indent.min(width.saturating_sub(1));
    let mut lines: Vec<Line<'static>> = vec![];
    let mut line: Vec<Span<'static>> = vec![];
    let mut used = 0usize;
    // Every word with the spaces before it, in its span's style.
    for span in spans {
        let style = span.style;
        for (gap, word) in words(&span.content) {
            let gap_w = gap.width();
            let word_w = word.width();
            if word.is_empty() {
                // Spaces at the end of the text: kept if they fit, never a line of their own.
                if used + gap_w <= width {
                    line.push(Span::styled(gap.to_owned(), style));
                    used += gap_w;
                }
                continue;
            }
            if used > 0 && used + gap_w + word_w > width {
                lines.push(Line::from(std::mem::take(&mut line)));
                used = start(&mut line, indent);
            } else if !gap.is_empty() && used + gap_w <= width {
                line.push(Span::styled(gap.to_owned(), style));
                used += gap_w;
            }
            // A word too long for any line is cut where the line ends.
            let mut rest = word;
            while !rest.is_empty() {
                let room = width.saturating_sub(used);
                let (head, tail) = split_at_width(rest, room);
                if head.is_empty() {
                    lines.push(Line::from(std::mem::take(&mut line)));
                    used = start(&mut line, indent);
                    continue;
                }
                used += head.width();
                line.push(Span::styled(head.to_owned(), style));
                rest = tail;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(Line::from(line));
    }
    lines
}

/// Starts a continuation line with its indent; returns the width used.
fn start(line: &mut Vec<Span<'static>>, indent: usize) -> usize {
    if indent > 0 {
        line.push(Span::raw(" ".repeat(indent)));
    }
    indent
}

/// How many lines `wrap_spans` makes of `text` at `width`.
pub fn height(text: &str, width: usize, indent: usize) -> usize {
    wrap_spans(vec![Span::raw(text.to_owned())], width, indent).len()
}

/// The words of `text`, each with the spaces before it.
fn words(text: &str) -> Vec<(&str, &str)> {
    let mut out = vec![];
    let mut rest = text;
    while !rest.is_empty() {
        let gap_end = rest.find(|c| c != ' ').unwrap_or(rest.len());
        let (gap, after) = rest.split_at(gap_end);
        let word_end = after.find(' ').unwrap_or(after.len());
        let (word, tail) = after.split_at(word_end);
        out.push((gap, word));
        rest = tail;
    }
    out
}

/// The longest head of `s` at most `width` columns wide, and the rest.
fn split_at_width(s: &str, width: usize) -> (&str, &str) {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width {
            return s.split_at(i);
        }
        used += w;
    }
    (s, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(lines: &[Line<'_>]) -> Vec<String> {
        lines.iter().map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect()).collect()
    }

    #[test]
    fn text_breaks_at_spaces_within_the_width() {
        let lines = wrap_spans(vec![Span::raw("open Enquiries desk 2: expected wait")], 16, 2);
        assert_eq!(plain(&lines), vec!["open Enquiries", "  desk 2:", "  expected wait"]);
        for l in &lines {
            assert!(l.width() <= 16, "{l:?}");
        }
    }

    #[test]
    fn styles_are_kept_across_the_break() {
        let bold = ratatui::style::Style::default().add_modifier(ratatui::style::Modifier::BOLD);
        let lines = wrap_spans(vec![Span::raw(" do"), Span::styled(" now or never", bold)], 8, 0);
        assert_eq!(plain(&lines), vec![" do now", "or never"]);
        assert_eq!(lines[1].spans[0].style, bold);
    }

    #[test]
    fn a_long_word_is_cut_across_lines_and_nothing_is_lost() {
        let lines = wrap_spans(vec![Span::raw("ab 0123456789")], 4, 1);
        assert_eq!(plain(&lines), vec!["ab", " 012", " 345", " 678", " 9"]);
        assert_eq!(height("", 10, 0), 1, "an empty text is one empty line");
        assert_eq!(height("x", 0, 5), 1, "a zero width does not loop");
    }
}
