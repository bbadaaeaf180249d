//! A file's text and positions in it: byte ranges ([`Span`]) and the line
//! and column people read ([`LineCol`]).
//!
//! Lines end at LF (a CRLF pair ends a line at its LF); a lone CR is an
//! ordinary character, as git, GitHub and `wc -l` count lines. Columns count
//! Unicode code points, in every report format.

use std::path::PathBuf;

/// A byte range in a source file. `u32` keeps nodes small; the reader
/// refuses files larger than its size limit, far below 4 GiB.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    pub fn contains(&self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

/// A 1-based line and column; columns count Unicode code points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// A file's text with a line index for turning spans into positions.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user should see it (relative when they gave it so).
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<u32>,
    /// For text that is not all ASCII, the number of code points before
    /// every 4,096th byte, so that a column costs at most 4 KiB of counting
    /// however long its line.
    char_checkpoints: Option<Vec<u32>>,
    /// Offsets of bytes that were not UTF-8 in the file, each replaced in
    /// `text` by one `?` so that every offset stays the file's own.
    invalid_bytes: Vec<(u32, u8)>,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: String) -> SourceFile {
        let line_starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i as u32 + 1))
            .collect();
        let char_checkpoints = (!text.is_ascii()).then(|| {
            let mut count = 0u32;
            let mut out = Vec::with_capacity(text.len() / CHECKPOINT + 1);
            for chunk in text.as_bytes().chunks(CHECKPOINT) {
                out.push(count);
                count += lead_bytes(chunk);
            }
            // The end of a text whose length is a multiple of the step.
            out.push(count);
            out
        });
        SourceFile {
            path: path.into(),
            text,
            line_starts,
            char_checkpoints,
            invalid_bytes: Vec::new(),
        }
    }

    /// A file from raw bytes: UTF-8 text as it is; otherwise each byte that
    /// is not part of a UTF-8 sequence stands in `text` as a single `?`, so
    /// that offsets, lines and columns still point into the file as it is.
    pub fn from_bytes(path: impl Into<PathBuf>, bytes: Vec<u8>) -> SourceFile {
        match String::from_utf8(bytes) {
            Ok(text) => SourceFile::new(path, text),
            Err(e) => {
                let mut bytes = e.into_bytes();
                let mut invalid = Vec::new();
                let mut at = 0;
                while at < bytes.len() {
                    match std::str::from_utf8(&bytes[at..]) {
                        Ok(_) => break,
                        Err(e) => {
                            let bad = at + e.valid_up_to();
                            let n = e.error_len().unwrap_or(bytes.len() - bad);
                            for (i, byte) in bytes[bad..bad + n].iter_mut().enumerate() {
                                invalid.push(((bad + i) as u32, *byte));
                                *byte = b'?';
                            }
                            at = bad + n;
                        }
                    }
                }
                // Every byte that broke UTF-8 is now ASCII.
                let text = String::from_utf8(bytes).unwrap_or_default();
                let mut file = SourceFile::new(path, text);
                file.invalid_bytes = invalid;
                file
            }
        }
    }

    /// The file's bytes that are not UTF-8: (offset, byte), in order.
    pub fn invalid_bytes(&self) -> &[(u32, u8)] {
        &self.invalid_bytes
    }

    /// The path with forward slashes, as reports and annotations want it.
    pub fn display_path(&self) -> String {
        let s = self.path.to_string_lossy();
        let s = s.strip_prefix("./").unwrap_or(&s);
        s.replace('\\', "/")
    }

    /// The 0-based line holding `offset`.
    pub fn line_of(&self, offset: u32) -> usize {
        let offset = offset.min(self.text.len() as u32);
        self.line_starts.partition_point(|&s| s <= offset) - 1
    }

    /// How many lines the file has (a final line break starts no new line
    /// with text, but its position is still a line).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The byte range of a 0-based line, without its line break (LF, or
    /// CRLF).
    pub fn line_range(&self, line: usize) -> (usize, usize) {
        let start = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |&s| s as usize);
        let mut end = self
            .line_starts
            .get(line + 1)
            .map_or(self.text.len(), |&s| s as usize - 1);
        if end > start && self.text.as_bytes().get(end - 1) == Some(&b'\r') && end < self.text.len()
        {
            end -= 1;
        }
        (start, end.max(start))
    }

    pub fn line_col(&self, offset: u32) -> LineCol {
        let offset = floor_char_boundary(&self.text, (offset as usize).min(self.text.len()));
        let line = self.line_of(offset as u32);
        let start = self.line_starts[line] as usize;
        LineCol {
            line: line + 1,
            column: self.chars_before(offset) - self.chars_before(start) + 1,
        }
    }

    /// Code points before `offset`: the offset SARIF's `charOffset` wants.
    pub fn char_offset(&self, offset: u32) -> usize {
        let offset = floor_char_boundary(&self.text, (offset as usize).min(self.text.len()));
        self.chars_before(offset)
    }

    /// Code points before a character boundary.
    fn chars_before(&self, offset: usize) -> usize {
        match &self.char_checkpoints {
            None => offset,
            Some(checkpoints) => {
                let chunk = offset / CHECKPOINT;
                let base = chunk * CHECKPOINT;
                checkpoints[chunk] as usize
                    + lead_bytes(&self.text.as_bytes()[base..offset]) as usize
            }
        }
    }

    pub fn text_at(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }

    /// `span` clamped to the text and to character boundaries, so that any
    /// span a finding carries can be sliced and reported.
    pub fn clamp(&self, span: Span) -> Span {
        let len = self.text.len();
        let start = floor_char_boundary(&self.text, (span.start as usize).min(len));
        let end = ceil_char_boundary(&self.text, (span.end as usize).clamp(start, len));
        Span::new(start, end)
    }

    /// A copy with the characters of `secrets` replaced by `*` (quotes and
    /// punctuation kept), for reports that quote the source.
    pub fn masked(&self, secrets: &[Span]) -> SourceFile {
        let mut bytes = self.text.clone().into_bytes();
        for span in secrets {
            if let Some(region) = bytes.get_mut(span.start as usize..span.end as usize) {
                for b in region
                    .iter_mut()
                    .filter(|b| b.is_ascii_alphanumeric() || **b == b'/' || **b == b'+')
                {
                    *b = b'*';
                }
            }
        }
        // Only ASCII bytes were replaced, by ASCII: still UTF-8.
        let mut file = SourceFile::new(
            self.path.clone(),
            String::from_utf8(bytes).unwrap_or_default(),
        );
        file.invalid_bytes = self.invalid_bytes.clone();
        file
    }
}

const CHECKPOINT: usize = 4096;

/// The bytes that start a UTF-8 character: the code points of `bytes`, when
/// it starts at a character boundary.
fn lead_bytes(bytes: &[u8]) -> u32 {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count() as u32
}

pub(crate) fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_code_points_not_bytes() {
        let file = SourceFile::new("x.json", "{\n  \"é\": 1\n}".to_string());
        let offset = file.text.find('1').unwrap() as u32;
        assert_eq!(file.line_col(offset), LineCol { line: 2, column: 8 });
        assert_eq!(file.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(file.char_offset(offset), 9);
    }

    /// Columns on long lines of text that is not ASCII, across the counting
    /// checkpoints, agree with counting from the line's start.
    #[test]
    fn columns_on_long_multibyte_lines_agree_with_counting() {
        let mut text = String::from("é\n");
        for i in 0..5000 {
            text.push(if i % 3 == 0 { '☕' } else { 'x' });
        }
        text.push_str("\nend");
        let file = SourceFile::new("x", text.clone());
        let line_start = text.find('\n').unwrap() + 1;
        for (offset, _) in text.char_indices().step_by(97) {
            let expected = if offset >= line_start && offset < text.rfind('\n').unwrap() + 1 {
                text[line_start..offset].chars().count() + 1
            } else {
                let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
                text[start..offset].chars().count() + 1
            };
            assert_eq!(file.line_col(offset as u32).column, expected, "at {offset}");
            assert_eq!(
                file.char_offset(offset as u32),
                text[..offset].chars().count()
            );
        }
    }

    /// The end of a text of exactly 4,096 bytes, past its last checkpoint.
    #[test]
    fn positions_at_the_end_of_a_text_of_whole_checkpoints() {
        let text = format!("é{}", "x".repeat(4094));
        assert_eq!(text.len(), 4096);
        let file = SourceFile::new("x", text);
        assert_eq!(file.line_col(4096).column, 4096);
        assert_eq!(file.char_offset(4096), 4095);
    }

    #[test]
    fn lines_end_at_lf_and_crlf_and_a_lone_cr_is_a_character() {
        let file = SourceFile::new("x", "a\r\nb\rc\nd".to_string());
        assert_eq!(file.line_count(), 3);
        assert_eq!(file.line_range(0), (0, 1));
        assert_eq!(file.line_range(1), (3, 6));
        let c = file.text.find('c').unwrap() as u32;
        assert_eq!(file.line_col(c), LineCol { line: 2, column: 3 });
        assert_eq!(file.line_range(2), (7, 8));
    }

    #[test]
    fn invalid_bytes_keep_their_offsets() {
        let file = SourceFile::from_bytes("x", b"ab\xffc\xe2\x82d".to_vec());
        assert_eq!(file.text, "ab?c??d");
        assert_eq!(file.invalid_bytes(), &[(2, 0xff), (4, 0xe2), (5, 0x82)]);
        assert_eq!(file.line_col(6).column, 7);
    }

    #[test]
    fn spans_are_clamped_to_the_text() {
        let file = SourceFile::new("x", "é".to_string());
        assert_eq!(file.clamp(Span::new(1, 9)), Span::new(0, 2));
    }
}
