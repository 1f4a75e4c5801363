//! magnus-exact JSON: the writer reproduces Python's `json.dumps(obj, indent=4, ensure_ascii=True)`
//! byte for byte, and the reader accepts what magnus's S3 store accepts (`json.load` on bytes:
//! UTF-8 with or without BOM, UTF-16, UTF-32, compact or pretty).
//!
//! Numbers keep their source text (serde_json `arbitrary_precision`), so big integers stay
//! exact and `1.0` stays a float; floats are written in Python's `repr` form (`1e-07`, `2.5`).

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};
use serde_json::{Map, Value};
use std::io;

use crate::error::{Error, Result};

/// Serializes `value` exactly as magnus writes a run log file (no trailing newline).
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    write(value, true)
}

/// Compact standard JSON (numbers as their source text, UTF-8 strings): what `JSON.parse` reads.
/// The same formatter type as [`to_vec`] with a runtime switch, so the wasm holds one copy of
/// every serializer instead of two.
pub fn to_compact_string<T: Serialize + ?Sized>(value: &T) -> String {
    // The compact mode only writes what serde_json's own serializer writes: valid UTF-8.
    String::from_utf8(write(value, false)).unwrap_or_default()
}

fn write<T: Serialize + ?Sized>(value: &T, python: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, PyFormatter::new(python));
    // Our model and serde_json values only fail to serialize on non-string map keys, which
    // they never have; writing into a Vec cannot fail either.
    value.serialize(&mut ser).expect("run log values always serialize");
    out
}

/// Parses a stored document as Python's `json.loads(bytes)` would, into an ordered value.
pub fn parse(bytes: &[u8]) -> Result<Value> {
    let text = decode(bytes)?;
    parse_str(&text).map_err(|e| Error::invalid_run_log("$", format!("not valid JSON ({e})")))
}

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

/// Parses JSON text as Python's `json.loads(str)` does: objects keep key order (a repeated key
/// keeps its first place and its last value), numbers keep their source text, and Python's
/// `NaN`, `Infinity` and `-Infinity` are numbers too.
///
/// Hand-written rather than serde_json's deserializer: this is one small function set, where
/// the deserializer (with serde's visitor and error machinery, and the float formatting its
/// messages use) weighs ~30 KB in the wasm.
pub fn parse_str(text: &str) -> std::result::Result<Value, SyntaxError> {
    let mut p = Parser { s: text.as_bytes(), i: 0, depth: 0 };
    let v = p.value()?;
    p.ws();
    if p.i < p.s.len() {
        return Err(p.error("extra data after the value"));
    }
    Ok(v)
}

/// Nesting deeper than this is refused rather than risking the (small, on wasm) stack.
const MAX_DEPTH: u32 = 256;

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: u32,
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
            b'"' => self.string().map(Value::String),
            _ if self.eat("true") => Ok(Value::Bool(true)),
            _ if self.eat("false") => Ok(Value::Bool(false)),
            _ if self.eat("null") => Ok(Value::Null),
            _ => {
                let start = self.i;
                if self.eat("NaN") || self.eat("Infinity") || self.eat("-Infinity") {
                    return Ok(number(std::str::from_utf8(&self.s[start..self.i]).unwrap_or_default()));
                }
                match c {
                    b'-' | b'0'..=b'9' => self.number(),
                    _ => Err(self.error("expected a value")),
                }
            }
        }
    }

    fn object(&mut self) -> std::result::Result<Value, SyntaxError> {
        let mut map = Map::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Value::Object(map));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a key in double quotes"));
            }
            let key = self.string()?;
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.error("expected ':'"));
            }
            self.i += 1;
            let v = self.value()?;
            map.insert(key, v);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::Object(map));
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
        // The scanned bytes are ASCII.
        Ok(number(std::str::from_utf8(&self.s[start..self.i]).unwrap_or_default()))
    }

    fn hex4(&mut self) -> std::result::Result<u32, SyntaxError> {
        let mut n = 0;
        for _ in 0..4 {
            let d = self.peek().and_then(|b| (b as char).to_digit(16)).ok_or_else(|| self.error("bad \\u escape"))?;
            n = n * 16 + d;
            self.i += 1;
        }
        Ok(n)
    }

    fn string(&mut self) -> std::result::Result<String, SyntaxError> {
        self.i += 1; // the opening quote
        let mut out = String::new();
        loop {
            let start = self.i;
            while matches!(self.peek(), Some(b) if b != b'"' && b != b'\\' && b >= 0x20) {
                self.i += 1;
            }
            // The input is a &str and the run stops at ASCII bytes, so this is whole characters.
            out.push_str(std::str::from_utf8(&self.s[start..self.i]).unwrap_or_default());
            match self.peek() {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let Some(e) = self.peek() else { return Err(self.error("unfinished escape")) };
                    self.i += 1;
                    out.push(match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let mut c = self.hex4()?;
                            if (0xD800..0xDC00).contains(&c) && self.eat("\\u") {
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return Err(self.error("a high surrogate must be followed by a low one"));
                                }
                                c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
                            }
                            char::from_u32(c).ok_or_else(|| self.error("lone surrogate (not representable)"))?
                        }
                        _ => return Err(self.error("unknown escape")),
                    });
                }
                Some(_) => return Err(self.error("control character in a string")),
                None => return Err(self.error("unterminated string")),
            }
        }
    }
}

/// A number value holding exactly `text` (serde_json `arbitrary_precision` keeps number text).
fn number(text: &str) -> Value {
    Value::Number(serde_json::Number::from_string_unchecked(text.to_string()))
}

/// Decodes bytes the way Python's `json.detect_encoding` does.
fn decode(b: &[u8]) -> Result<std::borrow::Cow<'_, str>> {
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
    char::decode_utf16(units).collect::<Result<String, _>>().ok()
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

/// Python's `repr(float)`: shortest round-trip digits, plain notation for 1e-4 <= |x| < 1e16.
pub fn python_float_repr(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let sign = if v.is_sign_negative() { "-" } else { "" };
    if v == 0.0 {
        return format!("{sign}0.0");
    }
    let (digits, exp) = shortest_digits(v.abs());
    let decpt = exp + 1; // value = 0.DIGITS * 10^decpt
    let n = digits.len() as i32;
    if decpt <= -4 || decpt > 16 {
        let (head, tail) = digits.split_at(1);
        let frac = if tail.is_empty() { String::new() } else { format!(".{tail}") };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{head}{frac}e{esign}{:02}", exp.abs())
    } else if decpt <= 0 {
        format!("{sign}0.{}{digits}", "0".repeat((-decpt) as usize))
    } else if decpt >= n {
        format!("{sign}{digits}{}.0", "0".repeat((decpt - n) as usize))
    } else {
        let (int, frac) = digits.split_at(decpt as usize);
        format!("{sign}{int}.{frac}")
    }
}

/// The shortest digits that round-trip a positive finite `v`, and its decimal exponent
/// (`v = D.DDD * 10^exp`), from `1.2345e-7`-style scientific text.
fn shortest_digits(v: f64) -> (String, i32) {
    let sci = scientific(v);
    let (mantissa, exp) = sci.split_once(['e', 'E']).unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    (digits, exp.trim_start_matches('+').parse().unwrap_or(0))
}

// Both produce the shortest round-trip digits (Rust's `{:e}`; ECMAScript's
// `Number.prototype.toExponential()` without an argument). On wasm32 the engine's own is used,
// which keeps Rust's float formatting tables (~20 KB) out of the module.
#[cfg(not(target_arch = "wasm32"))]
fn scientific(v: f64) -> String {
    format!("{v:e}")
}

#[cfg(target_arch = "wasm32")]
fn scientific(v: f64) -> String {
    use wasm_bindgen::prelude::*;
    #[wasm_bindgen]
    extern "C" {
        /// A JS number primitive.
        type Num;
        #[wasm_bindgen(method, js_name = toExponential)]
        fn to_exponential_shortest(this: &Num) -> String;
    }
    JsValue::from_f64(v).unchecked_into::<Num>().to_exponential_shortest()
}

#[cfg(not(target_arch = "wasm32"))]
fn parse_f64(text: &str) -> f64 {
    text.parse().unwrap_or(f64::NAN)
}

#[cfg(target_arch = "wasm32")]
fn parse_f64(text: &str) -> f64 {
    js_sys::parse_float(text)
}

/// Rewrites a JSON number's source text as Python writes the value it parses to.
fn python_number(text: &str) -> String {
    if text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
        python_float_repr(parse_f64(text))
    } else if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

/// serde_json formatter with Python's indent-4 layout, ASCII escapes and number forms; or, with
/// `python: false`, serde_json's compact output.
struct PyFormatter {
    pretty: PrettyFormatter<'static>,
    python: bool,
}

impl PyFormatter {
    fn new(python: bool) -> Self {
        PyFormatter { pretty: PrettyFormatter::with_indent(b"    "), python }
    }
}

macro_rules! delegate {
    ($($name:ident $(($arg:ident : $ty:ty))?),* $(,)?) => {$(
        fn $name<W: ?Sized + io::Write>(&mut self, w: &mut W $(, $arg: $ty)?) -> io::Result<()> {
            if self.python {
                self.pretty.$name(w $(, $arg)?)
            } else {
                serde_json::ser::CompactFormatter.$name(w $(, $arg)?)
            }
        }
    )*};
}

impl Formatter for PyFormatter {
    delegate!(
        begin_array,
        end_array,
        begin_array_value(first: bool),
        end_array_value,
        begin_object,
        end_object,
        begin_object_key(first: bool),
        end_object_key,
        begin_object_value,
        end_object_value,
    );

    fn write_f64<W: ?Sized + io::Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        // Only our own model could hand us an f64 (it does not); JSON has no non-finite numbers.
        let text = python_float_repr(value);
        w.write_all(if self.python || value.is_finite() { text.as_bytes() } else { b"null" })
    }

    fn write_f32<W: ?Sized + io::Write>(&mut self, w: &mut W, value: f32) -> io::Result<()> {
        self.write_f64(w, value as f64)
    }

    fn write_number_str<W: ?Sized + io::Write>(&mut self, w: &mut W, v: &str) -> io::Result<()> {
        if self.python {
            w.write_all(python_number(v).as_bytes())
        } else if v.ends_with("NaN") || v.ends_with("Infinity") {
            // Python's non-finite floats are not JSON: `null`, as `JSON.stringify` writes them.
            w.write_all(b"null")
        } else {
            w.write_all(v.as_bytes())
        }
    }

    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, w: &mut W, s: &str) -> io::Result<()> {
        if !self.python {
            return w.write_all(s.as_bytes());
        }
        // serde_json routes `"`, `\` and C0 controls through write_char_escape (whose `\u00xx`
        // form is lowercase like Python's); everything else outside printable ASCII lands here.
        let bytes = s.as_bytes();
        let mut start = 0;
        for (i, c) in s.char_indices() {
            if (' '..='~').contains(&c) {
                continue;
            }
            w.write_all(&bytes[start..i])?;
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                write!(w, "\\u{:04x}", u)?;
            }
            start = i + c.len_utf8();
        }
        w.write_all(&bytes[start..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_repr_matches_python() {
        let cases = [
            (0.95, "0.95"),
            (2.5, "2.5"),
            (100.0, "100.0"),
            (1e-7, "1e-07"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.2345678901234568e17, "1.2345678901234568e+17"),
            (5e-324, "5e-324"),
            (-0.0, "-0.0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e22, "1e+22"),
            (123456.789, "123456.789"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (-1.5e-10, "-1.5e-10"),
        ];
        for (v, want) in cases {
            assert_eq!(python_float_repr(v), want, "{v:?}");
        }
    }

    #[test]
    fn numbers_keep_python_identity() {
        assert_eq!(python_number("12345678901234567890123"), "12345678901234567890123");
        assert_eq!(python_number("-0"), "0");
        assert_eq!(python_number("1E5"), "100000.0");
        assert_eq!(python_number("1.50"), "1.5");
        assert_eq!(python_number("1e400"), "Infinity");
    }

    #[test]
    fn writer_matches_python_layout_and_escapes() {
        let v = parse(br#"{"a": [], "b": {}, "c": [1, {"d": "\u00e9\ud83d\ude80\u007f\n\"/"}], "e": 1.0}"#).unwrap();
        let out = String::from_utf8(to_vec(&v)).unwrap();
        let want = "{\n    \"a\": [],\n    \"b\": {},\n    \"c\": [\n        1,\n        {\n            \"d\": \"\\u00e9\\ud83d\\ude80\\u007f\\n\\\"/\"\n        }\n    ],\n    \"e\": 1.0\n}";
        assert_eq!(out, want);
    }

    #[test]
    fn reader_accepts_what_python_accepts() {
        let want = parse(br#"{"k": "\u00fc"}"#).unwrap();
        let utf8 = "{\"k\": \"ü\"}";
        assert_eq!(parse(utf8.as_bytes()).unwrap(), want);
        let bom: Vec<u8> = [&[0xEF, 0xBB, 0xBF][..], utf8.as_bytes()].concat();
        assert_eq!(parse(&bom).unwrap(), want);
        let le: Vec<u8> = utf8.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        assert_eq!(parse(&le).unwrap(), want);
        let be: Vec<u8> = utf8.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        assert_eq!(parse(&be).unwrap(), want);
        let le_bom: Vec<u8> = [&[0xFF, 0xFE][..], &le].concat();
        assert_eq!(parse(&le_bom).unwrap(), want);
        let u32le: Vec<u8> = utf8.chars().flat_map(|c| (c as u32).to_le_bytes()).collect();
        assert_eq!(parse(&u32le).unwrap(), want);
        let u32be: Vec<u8> = utf8.chars().flat_map(|c| (c as u32).to_be_bytes()).collect();
        assert_eq!(parse(&u32be).unwrap(), want);
        assert_eq!(parse(b"{\"k\": \"\xc3\xbc\"}\n").unwrap(), want);
    }

    #[test]
    fn duplicate_keys_keep_first_position_last_value_like_python() {
        let v = parse(br#"{"a": 1, "b": 2, "a": 3}"#).unwrap();
        assert_eq!(String::from_utf8(to_vec(&v)).unwrap(), "{\n    \"a\": 3,\n    \"b\": 2\n}");
    }

    #[test]
    fn parser_agrees_with_serde_json_on_valid_json() {
        let docs = [
            r#"{"a": 1, "b": [true, false, null, -0, 1.5e-3, 12345678901234567890123, "x\ty"], "c": {}}"#,
            r#"[[], [[]], {"": ""}, "\u00e9\ud83d\ude80\/\b\f\n\r\t\"\\", 0, -1e+2, 3.0]"#,
            " \n\t\r 7 \n",
            r#""\u0000 \u001f ü 🚀""#,
        ];
        for d in docs {
            let ours = parse_str(d).unwrap_or_else(|e| panic!("{d}: {e}"));
            let theirs: Value = serde_json::from_str(d).unwrap();
            assert_eq!(ours, theirs, "{d}");
            assert_eq!(to_compact_string(&ours), to_compact_string(&theirs));
        }
    }

    #[test]
    fn parser_rejects_what_python_rejects() {
        let bad = [
            ("", "expected a value, found the end"),
            ("{", "expected a key in double quotes"),
            ("{\"a\" 1}", "expected ':'"),
            ("{\"a\": 1,}", "expected a key in double quotes"),
            ("[1,]", "expected a value"),
            ("[1 2]", "expected ',' or ']'"),
            ("{\"a\": 1 \"b\"}", "expected ',' or '}'"),
            ("01", "a number cannot start with 0"),
            ("1.", "expected a digit after '.'"),
            ("1e", "expected a digit in the exponent"),
            ("-", "expected a digit"),
            (".5", "expected a value"),
            ("+1", "expected a value"),
            ("tru", "expected a value"),
            ("\"abc", "unterminated string"),
            ("\"a\u{1}b\"", "control character in a string"),
            ("\"\\x\"", "unknown escape"),
            ("\"\\u12G4\"", "bad \\u escape"),
            ("\"\\ud800\"", "lone surrogate (not representable)"),
            ("\"\\ud800\\u0041\"", "a high surrogate must be followed by a low one"),
            ("{} []", "extra data after the value"),
            ("'a'", "expected a value"),
        ];
        for (text, what) in bad {
            let e = parse_str(text).expect_err(text);
            assert_eq!(e.what, what, "{text}");
        }
        let deep = "[".repeat(MAX_DEPTH as usize + 1);
        assert_eq!(parse_str(&deep).unwrap_err().what, "nested too deeply");
        let ok_depth = format!("{}{}", "[".repeat(MAX_DEPTH as usize), "]".repeat(MAX_DEPTH as usize));
        assert!(parse_str(&ok_depth).is_ok());
    }

    #[test]
    fn syntax_errors_point_at_line_and_character_column() {
        let e = parse_str("{\n  \"ü\": 1,\n  \"b\": x}").unwrap_err();
        assert_eq!((e.line, e.column), (3, 8));
        assert_eq!(e.to_string(), "line 3, column 8: expected a value");
    }

    #[test]
    fn python_non_finite_numbers_are_read_and_written_back() {
        let v = parse(br#"{"a": NaN, "b": Infinity, "c": -Infinity, "d": [NaN]}"#).unwrap();
        let py = String::from_utf8(to_vec(&v)).unwrap();
        assert_eq!(
            py,
            "{\n    \"a\": NaN,\n    \"b\": Infinity,\n    \"c\": -Infinity,\n    \"d\": [\n        NaN\n    ]\n}"
        );
        assert_eq!(to_compact_string(&v), r#"{"a":null,"b":null,"c":null,"d":[null]}"#);
        assert!(parse_str("-NaN").is_err());
    }

    #[test]
    fn bad_json_reports_position_not_content() {
        let err = parse(b"{\"secret\": ").unwrap_err();
        match err {
            Error::InvalidRunLog { path, message } => {
                assert_eq!(path, "$");
                assert!(message.contains("line 1"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse(b"\xff\xfe\x00"), Err(Error::InvalidRunLog { .. })));
        assert!(matches!(parse(b"{\"a\": \"\xff\"}"), Err(Error::InvalidRunLog { .. })));
    }
}
