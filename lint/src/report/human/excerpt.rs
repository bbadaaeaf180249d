//! Source excerpts: the lines a finding's labels point at, with line
//! numbers, underlines and label texts.
//!
//! Whatever the file holds, an excerpt stays small and safe to print:
//! control and bidirectional characters are shown escaped, bytes that are
//! not UTF-8 as `\xNN`, a line wider than the terminal is shown as a window
//! around what it points at, a label spanning many lines shows its first
//! and last lines, and a file with many labels shows the first few. The
//! work is proportional to what is shown, not to the file.

use std::fmt::Write;
use std::sync::Arc;

use unicode_width::UnicodeWidthChar;

use super::Paint;
use crate::diagnostic::escape::{escaped_width, needs_escape, push_escaped};
use crate::diagnostic::{Label, SourceFile};

/// Labels drawn per file; the others are counted.
const MAX_LABELS: usize = 8;
/// Lines of a multi-line label shown after its first, before its last.
const SPAN_HEAD_LINES: usize = 3;
/// A tab is shown as this many spaces.
const TAB: usize = 4;

/// One label as the excerpt needs it.
struct Mark<'a> {
    start: usize,
    end: usize,
    first_line: usize,
    last_line: usize,
    text: Option<&'a str>,
    primary: bool,
}

/// The excerpt of `file` for the `labels` that point into it (the first of
/// them is the one the header names), `width` columns wide.
pub fn render(
    out: &mut String,
    file: &Arc<SourceFile>,
    labels: &[(&Label, bool)],
    width: usize,
    paint: &Paint,
) {
    let mut marks: Vec<Mark> = labels
        .iter()
        .map(|(label, primary)| {
            let span = file.clamp(label.span);
            let (start, end) = (span.start as usize, span.end as usize);
            // A span that ends with its line's break ends on that line.
            let last_byte = if end > start { end - 1 } else { start };
            Mark {
                start,
                end,
                first_line: file.line_of(start as u32),
                last_line: file.line_of(last_byte as u32),
                text: label.message.as_deref(),
                primary: *primary,
            }
        })
        .collect();
    let header = marks.first().map(|m| m.start).unwrap_or(0);
    let hidden = marks.len().saturating_sub(MAX_LABELS);
    marks.truncate(MAX_LABELS);
    marks.sort_by_key(|m| (m.start, m.end));

    // The lines to show, and the runs of a long label's lines left out.
    let mut lines: Vec<usize> = Vec::new();
    for m in &marks {
        if m.first_line > 0 {
            lines.push(m.first_line - 1);
        }
        let span_lines = m.last_line - m.first_line;
        if span_lines <= SPAN_HEAD_LINES + 1 {
            lines.extend(m.first_line..=m.last_line);
        } else {
            lines.extend(m.first_line..=m.first_line + SPAN_HEAD_LINES);
            lines.push(m.last_line);
        }
        if m.last_line + 1 < file.line_count() {
            lines.push(m.last_line + 1);
        }
    }
    lines.sort_unstable();
    lines.dedup();

    let number_width = lines.last().map_or(1, |&l| digits(l + 1));
    let pad = " ".repeat(number_width + 2);
    let text_width = width.saturating_sub(number_width + 4).max(20);
    let at = file.line_col(header as u32);
    let _ = writeln!(
        out,
        "{pad}╭─[{}:{}:{}]",
        crate::diagnostic::escape::escape(&file.display_path()),
        at.line,
        at.column
    );
    let mut previous: Option<usize> = None;
    for &line in &lines {
        if let Some(p) = previous
            && line > p + 1
        {
            let inside = marks
                .iter()
                .any(|m| m.first_line < p && line <= m.last_line && m.last_line - m.first_line > 1);
            if inside {
                let _ = writeln!(out, "{pad}· … {} more lines", line - p - 1);
            } else {
                let _ = writeln!(out, "{pad}⋮");
            }
        }
        previous = Some(line);
        let on_line: Vec<&Mark> = marks.iter().filter(|m| m.first_line == line).collect();
        let (line_start, line_end) = file.line_range(line);
        // A line too long for the terminal is shown once per stretch of it
        // that holds labels.
        let mut rest: &[&Mark] = &on_line;
        loop {
            let focus = rest.first().map(|m| m.start.clamp(line_start, line_end));
            let window = Window::around(file, line_start, line_end, focus, text_width);
            let shown = window.show(file);
            let _ = writeln!(
                out,
                " {:>number_width$} │ {}",
                line + 1,
                shown.text.trim_end()
            );
            let inside = rest
                .iter()
                .take_while(|m| m.start < window.to || (m.start == window.to && !window.cut_right))
                .count()
                .max(usize::from(!rest.is_empty()));
            if inside > 0 {
                underline(out, &pad, &shown, &rest[..inside], line_end, paint);
            }
            rest = &rest[inside..];
            if rest.is_empty() {
                break;
            }
        }
    }
    if hidden > 0 {
        let _ = writeln!(
            out,
            "{pad}· … and {hidden} more place{} in this file",
            if hidden == 1 { "" } else { "s" }
        );
    }
    let _ = writeln!(out, "{pad}╰────");
}

fn digits(n: usize) -> usize {
    n.to_string().len()
}

/// The bytes of a line that fit on the terminal, around what it points at.
struct Window {
    from: usize,
    to: usize,
    /// Whether text was cut on either side (shown as `…`).
    cut_left: bool,
    cut_right: bool,
}

/// A window's text as shown, and where each shown character starts.
struct Shown {
    text: String,
    /// (byte offset in the file, column in `text`) for each character.
    columns: Vec<(usize, usize)>,
    width: usize,
}

impl Shown {
    /// The column at which the character at `byte` is shown (the window's
    /// end for a byte past it, its start for one before it).
    fn column(&self, byte: usize) -> usize {
        let i = self.columns.partition_point(|&(b, _)| b < byte);
        self.columns.get(i).map_or(self.width, |&(_, c)| c)
    }
}

/// The columns the character at `byte` takes as shown.
fn shown_width(file: &SourceFile, byte: usize, c: char) -> usize {
    if invalid_byte(file, byte).is_some() {
        4
    } else if c == '\t' {
        TAB
    } else if needs_escape(c) {
        escaped_width(c)
    } else {
        c.width().unwrap_or(0)
    }
}

/// What a character costs of a window: its width, and at least one, so
/// that a line of zero-width characters is cut like any other.
fn cells(file: &SourceFile, byte: usize, c: char) -> usize {
    shown_width(file, byte, c).max(1)
}

/// The byte at `byte` when it is not UTF-8.
fn invalid_byte(file: &SourceFile, byte: usize) -> Option<u8> {
    let invalid = file.invalid_bytes();
    if invalid.is_empty() {
        return None;
    }
    invalid
        .binary_search_by_key(&(byte as u32), |&(at, _)| at)
        .ok()
        .map(|i| invalid[i].1)
}

/// Whether the text between two offsets fits in `width` columns; reads no
/// more of it than that.
fn fits(file: &SourceFile, from: usize, to: usize, width: usize) -> bool {
    let mut used = 0;
    for (i, c) in file.text[from..to].char_indices() {
        used += cells(file, from + i, c);
        if used > width {
            return false;
        }
    }
    true
}

impl Window {
    fn around(
        file: &SourceFile,
        start: usize,
        end: usize,
        focus: Option<usize>,
        width: usize,
    ) -> Window {
        if fits(file, start, end, width) {
            return Window {
                from: start,
                to: end,
                cut_left: false,
                cut_right: false,
            };
        }
        let text = &file.text;
        let focus = focus.unwrap_or(start).clamp(start, end);
        // Up to a third of the width before what the line points at.
        let mut from = focus;
        let mut before = 0;
        for (i, c) in text[start..focus].char_indices().rev() {
            let w = cells(file, start + i, c);
            if before + w > width / 3 {
                break;
            }
            before += w;
            from = start + i;
        }
        let cut_left = from > start;
        let mut room = width.saturating_sub(usize::from(cut_left));
        if !fits(file, from, end, room) {
            // A column for the `…` that says the line goes on.
            room = room.saturating_sub(1);
        }
        let mut to = from;
        for (i, c) in text[from..end].char_indices() {
            let w = cells(file, from + i, c);
            if w > room {
                break;
            }
            room -= w;
            to = from + i + c.len_utf8();
        }
        Window {
            from,
            to,
            cut_left,
            cut_right: to < end,
        }
    }

    fn show(&self, file: &SourceFile) -> Shown {
        let mut text = String::new();
        let mut columns = Vec::new();
        let mut column = 0;
        if self.cut_left {
            text.push('…');
            column = 1;
        }
        for (i, c) in file.text[self.from..self.to].char_indices() {
            let byte = self.from + i;
            columns.push((byte, column));
            if let Some(raw) = invalid_byte(file, byte) {
                let _ = write!(text, "\\x{raw:02x}");
                column += 4;
            } else if c == '\t' {
                text.push_str(&" ".repeat(TAB));
                column += TAB;
            } else if needs_escape(c) {
                push_escaped(&mut text, c);
                column += escaped_width(c);
            } else {
                text.push(c);
                column += c.width().unwrap_or(0);
            }
        }
        columns.push((self.to, column));
        if self.cut_right {
            text.push('…');
            column += 1;
        }
        Shown {
            text,
            columns,
            width: column,
        }
    }
}

/// The underline row under a line and one row per label text, the
/// rightmost label first, each hanging from the middle of its underline.
fn underline(
    out: &mut String,
    pad: &str,
    shown: &Shown,
    marks: &[&Mark],
    line_end: usize,
    paint: &Paint,
) {
    struct Drawn<'a> {
        start: usize,
        end: usize,
        bar: usize,
        text: Option<&'a str>,
        primary: bool,
    }
    let mut drawn: Vec<Drawn> = Vec::new();
    let mut highest = 0;
    for m in marks {
        let start = shown.column(m.start).max(highest);
        let end = if m.end == m.start {
            start + 1
        } else {
            shown.column(m.end.min(line_end)).max(start + 1)
        };
        highest = highest.max(end);
        drawn.push(Drawn {
            start,
            end,
            bar: (start + end) / 2,
            text: m.text,
            primary: m.primary,
        });
    }
    let mut row = String::new();
    let mut column = 0;
    for d in &drawn {
        row.push_str(&" ".repeat(d.start.saturating_sub(column)));
        let mut piece = String::new();
        for c in d.start..d.end {
            piece.push(if c == d.bar && d.text.is_some() {
                '┬'
            } else {
                '─'
            });
        }
        row.push_str(&paint.label(&piece, d.primary));
        column = d.end.max(column);
    }
    let _ = writeln!(out, "{pad}· {row}");
    let labelled: Vec<&Drawn> = drawn.iter().filter(|d| d.text.is_some()).collect();
    for (i, d) in labelled.iter().enumerate().rev() {
        let mut row = String::new();
        let mut column = 0;
        for left in &labelled[..i] {
            row.push_str(&" ".repeat(left.bar.saturating_sub(column)));
            row.push_str(&paint.label("│", left.primary));
            column = left.bar + 1;
        }
        row.push_str(&" ".repeat(d.bar.saturating_sub(column)));
        let text = crate::diagnostic::escape::escape(d.text.unwrap_or(""));
        row.push_str(&paint.label(&format!("╰── {text}"), d.primary));
        let _ = writeln!(out, "{pad}· {row}");
    }
}
