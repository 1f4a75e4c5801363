//! The reader: JSON text (and stored bytes in any encoding Python's `json.loads` detects) into a
//! [`Value`], as Python reads it.
//!
//! Hand-written rather than serde_json's deserializer: one small function set, where the
//! deserializer (with serde's visitor and error machinery, and the float formatting its messages
//! use) weighs ~30 KB in the wasm; and it keeps what Python keeps and serde_json cannot: number
//! text, `NaN` / `Infinity`, unpaired surrogates.

use crate::error::{Error, Result};
use crate::value::{Map, Number, Value};

/// A JSON syntax error: what was expected, and where (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// What the parser expected or found.
    pub what: &'static str,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, self.column, self.what)
    }
}

/// What to do with a string escape that leaves a surrogate unpaired (`"\ud800"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surrogates {
    /// Keep it, as Python does: the value becomes [`Value::Utf16`] (an object key holding one
    /// becomes U+FFFD there, as Rust strings cannot hold it). For stored documents.
    Keep,
    /// Refuse the text (a syntax error). For arguments: a malformed UTF-16 string from JS.
    Refuse,
}

/// Parses a stored document as Python's `json.loads(bytes)` would, into an ordered value.
pub fn parse(bytes: &[u8]) -> Result<Value> {
    let text = decode(bytes)?;
    parse_with(&text, Surrogates::Keep).map_err(|e| Error::invalid_run_log("$", format!("not valid JSON ({e})")))
}

/// Parses JSON text as Python's `json.loads(str)` does: objects keep key order (a repeated key
/// keeps its first place and its last value), numbers keep their source text, Python's `NaN`,
/// `Infinity` and `-Infinity` are numbers too, and unpaired surrogate escapes are kept.
pub fn parse_str(text: &str) -> std::result::Result<Value, SyntaxError> {
    parse_with(text, Surrogates::Keep)
}

/// [`parse_str`] with a choice of what unpaired surrogates mean.
pub fn parse_with(text: &str, surrogates: Surrogates) -> std::result::Result<Value, SyntaxError> {
    let mut p = Parser { s: text.as_bytes(), i: 0, depth: 0, surrogates };
    let v = p.value()?;
    p.ws();
    if p.i < p.s.len() {
        return Err(p.error("extra data after the value"));
    }
    Ok(v)
}

/// Nesting deeper than this is refused rather than risking the (small, on wasm) stack.
pub const MAX_DEPTH: u32 = 256;

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: u32,
    surrogates: Surrogates,
}

/// A string as read: valid Unicode, or UTF-16 units with an unpaired surrogate.
enum Text {
    Str(String),
    Wide(Vec<u16>),
}

impl Parser<'_> {
    fn error(&self, what: &'static str) -> SyntaxError {
        let before = &self.s[..self.i.min(self.s.len())];
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        // Characters, not bytes: count the bytes that start a UTF-8 sequence.
        let column = before[line_start..].iter().filter(|&&b| b & 0xC0 != 0x80).count() + 1;
        SyntaxError { what, line, column }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, word: &str) -> bool {
        let ok = self.s[self.i..].starts_with(word.as_bytes());
        if ok {
            self.i += word.len();
        }
        ok
    }

    fn value(&mut self) -> std::result::Result<Value, SyntaxError> {
        self.ws();
        let Some(c) = self.peek() else { return Err(self.error("expected a value, found the end")) };
        match c {
            b'{' | b'[' => {
                if self.depth == MAX_DEPTH {
                    return Err(self.error("nested too deeply"));
                }
                self.depth += 1;
                self.i += 1;
                let v = if c == b'{' { self.object()? } else { self.array()? };
                self.depth -= 1;
                Ok(v)
            }
            b'"' => Ok(match self.string()? {
                Text::Str(s) => Value::String(s),
                Text::Wide(units) => Value::Utf16(units.into()),
            }),
            _ if self.eat("true") => Ok(Value::Bool(true)),
            _ if self.eat("false") => Ok(Value::Bool(false)),
            _ if self.eat("null") => Ok(Value::Null),
            _ => {
                let start = self.i;
                if self.eat("NaN") || self.eat("Infinity") || self.eat("-Infinity") {
                    return Ok(self.number_from(start));
                }
                match c {
                    b'-' | b'0'..=b'9' => self.number(),
                    _ => Err(self.error("expected a value")),
                }
            }
        }
    }

    fn object(&mut self) -> std::result::Result<Value, SyntaxError> {
        // Entries first, the map at the end: one sort of the keys instead of one insertion each.
        let mut entries = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Value::Object(Map::new()));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a key in double quotes"));
            }
            let key = match self.string()? {
                Text::Str(s) => s,
                Text::Wide(units) => String::from_utf16_lossy(&units),
            };
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.error("expected ':'"));
            }
            self.i += 1;
            let v = self.value()?;
            entries.push((key, v));
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::Object(Map::from_entries(entries)));
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self) -> std::result::Result<Value, SyntaxError> {
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value()?);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    fn number_from(&self, start: usize) -> Value {
        // The scanned bytes are ASCII.
        Value::Number(Number::from_checked(std::str::from_utf8(&self.s[start..self.i]).unwrap_or("0")))
    }

    fn number(&mut self) -> std::result::Result<Value, SyntaxError> {
        let start = self.i;
        self.eat("-");
        let first = self.peek();
        match self.digits() {
            0 => return Err(self.error("expected a digit")),
            n if n > 1 && first == Some(b'0') => return Err(self.error("a number cannot start with 0")),
            _ => {}
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(self.error("expected a digit after '.'"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("expected a digit in the exponent"));
            }
        }
        Ok(self.number_from(start))
    }

    fn hex4(&mut self) -> std::result::Result<u16, SyntaxError> {
        let mut n = 0u16;
        for _ in 0..4 {
            let d = self.peek().and_then(|b| (b as char).to_digit(16)).ok_or_else(|| self.error("bad \\u escape"))?;
            n = n * 16 + d as u16;
            self.i += 1;
        }
        Ok(n)
    }

    /// A string; surrogate escapes switch to UTF-16 units, which pair up exactly as Python's
    /// scanner pairs them (a high escape directly followed by a low escape).
    fn string(&mut self) -> std::result::Result<Text, SyntaxError> {
        self.i += 1; // the opening quote
        let mut out = String::new();
        let mut wide: Option<Vec<u16>> = None;
        loop {
            let start = self.i;
            while matches!(self.peek(), Some(b) if b != b'"' && b != b'\\' && b >= 0x20) {
                self.i += 1;
            }
            // The input is a &str and the run stops at ASCII bytes, so this is whole characters.
            let run = std::str::from_utf8(&self.s[start..self.i]).unwrap_or_default();
            match &mut wide {
                None => out.push_str(run),
                Some(w) => w.extend(run.encode_utf16()),
            }
            let c = match self.peek() {
                Some(b'"') => {
                    self.i += 1;
                    return self.finish(out, wide);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let Some(e) = self.peek() else { return Err(self.error("unfinished escape")) };
                    self.i += 1;
                    match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let unit = self.hex4()?;
                            if let Some(c) = char::from_u32(u32::from(unit)) {
                                c
                            } else {
                                // A surrogate: collect UTF-16 units from here on.
                                wide.get_or_insert_with(|| out.encode_utf16().collect()).push(unit);
                                continue;
                            }
                        }
                        _ => return Err(self.error("unknown escape")),
                    }
                }
                Some(_) => return Err(self.error("control character in a string")),
                None => return Err(self.error("unterminated string")),
            };
            match &mut wide {
                None => out.push(c),
                Some(w) => w.extend(c.encode_utf16(&mut [0; 2]).iter()),
            }
        }
    }

    fn finish(&self, out: String, wide: Option<Vec<u16>>) -> std::result::Result<Text, SyntaxError> {
        let Some(units) = wide else { return Ok(Text::Str(out)) };
        match String::from_utf16(&units) {
            Ok(s) => Ok(Text::Str(s)),
            Err(_) if self.surrogates == Surrogates::Keep => Ok(Text::Wide(units)),
            Err(_) => Err(self.error("unpaired surrogate escape (malformed UTF-16)")),
        }
    }
}

/// Decodes bytes the way Python's `json.detect_encoding` does (UTF-8 with or without BOM,
/// UTF-16, UTF-32).
pub fn decode(b: &[u8]) -> Result<std::borrow::Cow<'_, str>> {
    let bad = |enc: &str| Error::invalid_run_log("$", format!("the document is not valid {enc}"));
    if b.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return utf32(&b[4..], true).ok_or_else(|| bad("UTF-32")).map(Into::into);
    }
    if b.starts_with(&[0xFF, 0xFE, 0, 0]) {
        return utf32(&b[4..], false).ok_or_else(|| bad("UTF-32")).map(Into::into);
    }
    if b.starts_with(&[0xFE, 0xFF]) {
        return utf16(&b[2..], true).ok_or_else(|| bad("UTF-16")).map(Into::into);
    }
    if b.starts_with(&[0xFF, 0xFE]) {
        return utf16(&b[2..], false).ok_or_else(|| bad("UTF-16")).map(Into::into);
    }
    if let Some(rest) = b.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return std::str::from_utf8(rest)
            .map(Into::into)
            .map_err(|e| bad(&format!("UTF-8 (byte {})", e.valid_up_to() + 3)));
    }
    let (enc, be) = match b {
        [0, 0, ..] if b.len() >= 4 => ("UTF-32", true),
        [0, _, ..] if b.len() >= 4 || b.len() == 2 => ("UTF-16", true),
        [_, 0, x, y, ..] if *x != 0 || *y != 0 => ("UTF-16", false),
        [_, 0, _, _, ..] => ("UTF-32", false),
        [_, 0] => ("UTF-16", false),
        _ => {
            return std::str::from_utf8(b)
                .map(Into::into)
                .map_err(|e| bad(&format!("UTF-8 (byte {})", e.valid_up_to())))
        }
    };
    let s = if enc == "UTF-32" { utf32(b, be) } else { utf16(b, be) };
    s.ok_or_else(|| bad(enc)).map(Into::into)
}

fn utf16(b: &[u8], be: bool) -> Option<String> {
    if !b.len().is_multiple_of(2) {
        return None;
    }
    let units =
        b.chunks_exact(2).map(|c| if be { u16::from_be_bytes([c[0], c[1]]) } else { u16::from_le_bytes([c[0], c[1]]) });
    char::decode_utf16(units).collect::<std::result::Result<String, _>>().ok()
}

fn utf32(b: &[u8], be: bool) -> Option<String> {
    if !b.len().is_multiple_of(4) {
        return None;
    }
    b.chunks_exact(4)
        .map(|c| {
            let c = [c[0], c[1], c[2], c[3]];
            char::from_u32(if be { u32::from_be_bytes(c) } else { u32::from_le_bytes(c) })
        })
        .collect()
}
