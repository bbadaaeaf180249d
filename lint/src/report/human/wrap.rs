//! Word wrapping that never breaks a word, a `code span` or an ARN: lines
//! break only at spaces outside backticks, so that what a message quotes
//! can be copied as it is.

use unicode_width::UnicodeWidthStr;

/// `text` filled to `width` columns, the first line after `first` and the
/// others after `rest`. A word longer than a line stands alone on its line.
pub fn wrap(text: &str, width: usize, first: &str, rest: &str) -> String {
    let mut out = String::from(first);
    let mut line = first.width();
    let mut at_start = true;
    for word in words(text) {
        let w = word.width();
        if !at_start && line + 1 + w > width {
            out.push('\n');
            out.push_str(rest);
            line = rest.width();
            at_start = true;
        }
        if !at_start {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += w;
        at_start = false;
    }
    out
}

/// The text split at spaces, a backtick-quoted span (spaces included)
/// staying in one piece.
fn words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    let mut in_code = false;
    for (i, c) in text.char_indices() {
        match c {
            '`' => {
                in_code = !in_code;
                start.get_or_insert(i);
            }
            ' ' if !in_code => {
                if let Some(s) = start.take() {
                    out.push(&text[s..i]);
                }
            }
            _ => {
                start.get_or_insert(i);
            }
        }
    }
    if let Some(s) = start {
        out.push(&text[s..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_outside_code_spans() {
        let text =
            "use `a b c` here and `arn:aws:iam::123456789012:role/very-long-role-name` there";
        let wrapped = wrap(text, 24, "  help: ", "        ");
        assert_eq!(
            wrapped,
            "  help: use `a b c` here\n        and\n        `arn:aws:iam::123456789012:role/very-long-role-name`\n        there"
        );
        assert_eq!(wrap("", 10, "> ", "  "), "> ");
        assert_eq!(wrap("one", 10, "", ""), "one");
    }

    #[test]
    fn an_unclosed_backtick_keeps_the_rest_together() {
        assert_eq!(words("a `b c d"), ["a", "`b c d"]);
    }
}
