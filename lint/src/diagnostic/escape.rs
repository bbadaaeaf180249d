//! Text from the input shown on a terminal: every character that could
//! move the cursor, change colours, or reorder what the reader sees is
//! shown as an escape instead.
//!
//! Escaped: the C0 controls (U+0000 to U+001F, tab and line feed included),
//! DEL, the C1 controls (U+0080 to U+009F, U+009B being a one-character
//! CSI), the bidirectional formatting characters (U+061C, U+200E, U+200F,
//! U+202A to U+202E, U+2066 to U+2069: "Trojan Source") and the line and
//! paragraph separators U+2028 and U+2029.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as it is.
pub fn needs_escape(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}' | '\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

/// How `c` is shown: `\t`, `\n`, `\r`, or `\u{1b}`.
pub fn push_escaped(out: &mut String, c: char) {
    match c {
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        c => {
            use std::fmt::Write;
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// The width, in terminal cells, of what [`push_escaped`] writes for `c`.
pub fn escaped_width(c: char) -> usize {
    match c {
        '\t' | '\n' | '\r' => 2,
        c => 4 + format!("{:x}", c as u32).len(),
    }
}

/// `text` with every character [`needs_escape`] picks escaped.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_bidi_overrides_only() {
        assert_eq!(escape("plain é ☕"), "plain é ☕");
        assert_eq!(escape("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(escape("\u{9b}2J"), "\\u{9b}2J");
        assert_eq!(escape("x\u{202e}y\u{2066}z"), "x\\u{202e}y\\u{2066}z");
        assert_eq!(escape("tab\tline\ncr\r"), "tab\\tline\\ncr\\r");
        assert_eq!(escape("\u{7f}\u{0}"), "\\u{7f}\\u{0}");
        for c in ['\u{1b}', '\t', '\u{202e}', '\u{9b}'] {
            let mut s = String::new();
            push_escaped(&mut s, c);
            assert_eq!(s.chars().count(), escaped_width(c));
        }
    }
}
