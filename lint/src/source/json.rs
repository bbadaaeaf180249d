//! A strict RFC 8259 parser that keeps the byte range of every value and key
//! and keeps duplicate keys (serde_json drops them silently).
//!
//! Written here rather than taken from a crate because the errors are part of
//! the product: a trailing comma, a comment or a single-quoted string is the
//! usual mistake in a hand-edited spec, and each gets its own message.

use super::{Member, Node, Span, SyntaxError, Value};

/// Deeper nesting than any spec needs; the limit keeps hostile input from
/// exhausting the stack.
const MAX_DEPTH: usize = 128;

pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut parser = Parser {
        bytes: text.as_bytes(),
        text,
        pos: 0,
        depth: 0,
    };
    // A UTF-8 byte order mark is tolerated, as editors on some systems add it.
    if text.starts_with('\u{feff}') {
        parser.pos = 3;
    }
    parser.skip_whitespace();
    if parser.pos >= parser.bytes.len() {
        return Err(parser.error_at(parser.pos, "the file is empty; expected a JSON object"));
    }
    let node = parser.value()?;
    parser.skip_whitespace();
    if parser.pos < parser.bytes.len() {
        return Err(parser.error_here("unexpected content after the end of the document"));
    }
    Ok(node)
}

struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn error_at(&self, pos: usize, message: impl Into<String>) -> SyntaxError {
        let end = self.text[pos.min(self.text.len())..]
            .chars()
            .next()
            .map_or(pos, |c| pos + c.len_utf8());
        SyntaxError {
            message: message.into(),
            span: Span::new(pos, end),
            help: None,
        }
    }

    fn error_here(&self, message: impl Into<String>) -> SyntaxError {
        self.error_at(self.pos, message)
    }

    fn unexpected(&self, expected: &str) -> SyntaxError {
        let Some(&b) = self.bytes.get(self.pos) else {
            return self.error_here(format!("unexpected end of file; expected {expected}"));
        };
        let found = match b {
            b'/' if matches!(self.bytes.get(self.pos + 1), Some(b'/' | b'*')) => {
                let mut e = self.error_here("comments are not allowed in JSON");
                e.help = Some("remove the comment, or write the spec in YAML".into());
                return e;
            }
            b'\'' => {
                let mut e = self.error_here("strings in JSON use double quotes");
                e.help = Some("replace the single quotes with double quotes".into());
                return e;
            }
            _ => self.text[self.pos..].chars().next().unwrap_or(' '),
        };
        self.error_here(format!("expected {expected}, found `{found}`"))
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn value(&mut self) -> Result<Node, SyntaxError> {
        let start = self.pos;
        let value = match self.bytes.get(self.pos) {
            Some(b'{') => return self.object(),
            Some(b'[') => return self.array(),
            Some(b'"') => Value::String(self.string()?),
            Some(b't') => self.literal("true", Value::Bool(true))?,
            Some(b'f') => self.literal("false", Value::Bool(false))?,
            Some(b'n') => self.literal("null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            _ => return Err(self.unexpected("a value")),
        };
        Ok(Node {
            span: Span::new(start, self.pos),
            value,
        })
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, SyntaxError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.unexpected("a value"))
        }
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_here(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn object(&mut self) -> Result<Node, SyntaxError> {
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        let mut members = Vec::new();
        self.skip_whitespace();
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
        } else {
            loop {
                self.skip_whitespace();
                if self.bytes.get(self.pos) != Some(&b'"') {
                    if self.bytes.get(self.pos) == Some(&b'}') && !members.is_empty() {
                        let mut e = self.error_at(self.pos - 1, "trailing comma in an object");
                        e.span = self.last_comma_span();
                        e.help = Some("remove the comma after the last member".into());
                        return Err(e);
                    }
                    return Err(self.unexpected("a key in double quotes"));
                }
                let key_start = self.pos;
                let key = self.string()?;
                let key_span = Span::new(key_start, self.pos);
                self.skip_whitespace();
                if self.bytes.get(self.pos) != Some(&b':') {
                    return Err(self.unexpected("`:` after the key"));
                }
                self.pos += 1;
                self.skip_whitespace();
                let value = self.value()?;
                members.push(Member {
                    key,
                    key_span,
                    value,
                });
                self.skip_whitespace();
                match self.bytes.get(self.pos) {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.unexpected("`,` or `}`")),
                }
            }
        }
        self.depth -= 1;
        Ok(Node {
            span: Span::new(start, self.pos),
            value: Value::Object(members),
        })
    }

    fn array(&mut self) -> Result<Node, SyntaxError> {
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
        } else {
            loop {
                self.skip_whitespace();
                if self.bytes.get(self.pos) == Some(&b']') && !items.is_empty() {
                    let mut e = self.error_here("trailing comma in an array");
                    e.span = self.last_comma_span();
                    e.help = Some("remove the comma after the last element".into());
                    return Err(e);
                }
                items.push(self.value()?);
                self.skip_whitespace();
                match self.bytes.get(self.pos) {
                    Some(b',') => self.pos += 1,
                    Some(b']') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.unexpected("`,` or `]`")),
                }
            }
        }
        self.depth -= 1;
        Ok(Node {
            span: Span::new(start, self.pos),
            value: Value::Array(items),
        })
    }

    fn last_comma_span(&self) -> Span {
        let comma = self.text[..self.pos].rfind(',').unwrap_or(self.pos);
        Span::new(comma, comma + 1)
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(&b) = self.bytes.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[run_start..self.pos]);
            match self.bytes.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => self.escape(&mut out)?,
                Some(b'\n') | None => {
                    let mut e = self.error_at(start, "unterminated string");
                    e.span = Span::new(start, self.pos);
                    return Err(e);
                }
                Some(_) => {
                    return Err(self.error_here(
                        "control characters must be escaped inside strings (use \\t, \\n or \\u00XX)",
                    ));
                }
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), SyntaxError> {
        let at = self.pos;
        self.pos += 1;
        let Some(&b) = self.bytes.get(self.pos) else {
            return Err(self.error_at(at, "unterminated escape sequence"));
        };
        self.pos += 1;
        let c = match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let high = self.hex4(at)?;
                if (0xD800..0xDC00).contains(&high) {
                    if !self.bytes[self.pos..].starts_with(b"\\u") {
                        return Err(self.error_at(at, "unpaired surrogate in \\u escape"));
                    }
                    self.pos += 2;
                    let low = self.hex4(at)?;
                    if !(0xDC00..0xE000).contains(&low) {
                        return Err(self.error_at(at, "unpaired surrogate in \\u escape"));
                    }
                    let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                    char::from_u32(code).ok_or_else(|| self.error_at(at, "invalid \\u escape"))?
                } else {
                    char::from_u32(high)
                        .ok_or_else(|| self.error_at(at, "unpaired surrogate in \\u escape"))?
                }
            }
            _ => {
                let mut e = self.error_at(at, "invalid escape sequence");
                e.span = Span::new(at, self.pos);
                e.help = Some(r#"valid escapes are \" \\ \/ \b \f \n \r \t and \uXXXX"#.into());
                return Err(e);
            }
        };
        out.push(c);
        Ok(())
    }

    fn hex4(&mut self, escape_start: usize) -> Result<u32, SyntaxError> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| {
                self.error_at(escape_start, "\\u must be followed by four hex digits")
            })?;
        self.pos += 4;
        u32::from_str_radix(digits, 16)
            .map_err(|_| self.error_at(escape_start, "\\u must be followed by four hex digits"))
    }

    fn number(&mut self) -> Result<Value, SyntaxError> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let s = p.pos;
            while p.bytes.get(p.pos).is_some_and(u8::is_ascii_digit) {
                p.pos += 1;
            }
            p.pos - s
        };
        if self.bytes[self.pos] == b'-' {
            self.pos += 1;
        }
        let int_start = self.pos;
        if digits(self) == 0 {
            return Err(self.unexpected("a digit"));
        }
        if self.bytes[int_start] == b'0' && self.pos - int_start > 1 {
            let mut e = self.error_at(int_start, "numbers in JSON have no leading zeros");
            e.span = Span::new(int_start, self.pos);
            return Err(e);
        }
        if self.bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if digits(self) == 0 {
                return Err(self.unexpected("a digit after the decimal point"));
            }
        }
        if matches!(self.bytes.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.bytes.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(self.unexpected("a digit in the exponent"));
            }
        }
        let literal = &self.text[start..self.pos];
        literal
            .parse::<serde_json::Number>()
            .map(Value::Number)
            .map_err(|_| {
                let mut e = self.error_at(start, "number out of range");
                e.span = Span::new(start, self.pos);
                e
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> (String, String) {
        let e = parse(text).unwrap_err();
        (
            e.message,
            text[e.span.start as usize..e.span.end as usize].to_string(),
        )
    }

    #[test]
    fn parses_every_json_value_with_spans() {
        let text = r#" {"a": [1, -2.5e3, "x\u00e9\ud83d\ude00", true, false, null], "b": {}} "#;
        let root = parse(text).unwrap();
        assert_eq!(
            root.to_json(),
            serde_json::json!({"a": [1, -2500.0, "xé😀", true, false, null], "b": {}})
        );
        let a = root.get("a").unwrap();
        assert_eq!(
            &text[a.span.start as usize..a.span.end as usize],
            r#"[1, -2.5e3, "x\u00e9\ud83d\ude00", true, false, null]"#
        );
        let Value::Array(items) = &a.value else {
            panic!()
        };
        assert_eq!(
            &text[items[2].span.start as usize..items[2].span.end as usize],
            r#""x\u00e9\ud83d\ude00""#
        );
    }

    #[test]
    fn keeps_duplicate_keys() {
        let root = parse(r#"{"a": 1, "a": 2}"#).unwrap();
        let Value::Object(members) = &root.value else {
            panic!()
        };
        assert_eq!(members.len(), 2);
        assert_eq!(root.get("a").unwrap().to_json(), serde_json::json!(2));
    }

    #[test]
    fn reports_common_mistakes_where_they_are() {
        assert_eq!(
            err(r#"{"a": 1,}"#),
            ("trailing comma in an object".into(), ",".into())
        );
        assert_eq!(
            err("[1, 2, ]"),
            ("trailing comma in an array".into(), ",".into())
        );
        assert_eq!(
            err("{\"a\": 1 // note\n}").0,
            "comments are not allowed in JSON"
        );
        assert_eq!(err("{'a': 1}").0, "strings in JSON use double quotes");
        assert_eq!(
            err(r#"{"a" 1}"#),
            ("expected `:` after the key, found `1`".into(), "1".into())
        );
        assert_eq!(
            err(r#"{"a": 01}"#),
            ("numbers in JSON have no leading zeros".into(), "01".into())
        );
        assert_eq!(err(r#"{"a": "b"#).0, "unterminated string");
        assert_eq!(err(r#"{"a": tru}"#).0, "expected a value, found `t`");
        assert_eq!(
            err(r#"{"a": "\x"}"#),
            ("invalid escape sequence".into(), r"\x".into())
        );
        assert_eq!(
            err(r#"{} {}"#).0,
            "unexpected content after the end of the document"
        );
        assert_eq!(err("  ").0, "the file is empty; expected a JSON object");
        assert_eq!(
            err(r#"{"a": "\ud800"}"#).0,
            "unpaired surrogate in \\u escape"
        );
    }

    #[test]
    fn refuses_hostile_nesting_without_overflowing() {
        let deep = "[".repeat(10_000);
        assert!(
            parse(&deep)
                .unwrap_err()
                .message
                .starts_with("nesting deeper")
        );
    }

    #[test]
    fn errors_at_multibyte_characters_have_whole_character_spans() {
        let (_, at) = err("{\"a\": é}");
        assert_eq!(at, "é");
    }
}
