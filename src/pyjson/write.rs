//! The writer: Python's `json.dumps(obj, indent=4, ensure_ascii=True)` byte for byte, or compact
//! standard JSON for `JSON.parse`. One non-generic [`Writer`] drives both (so the wasm holds one
//! copy), and each type says how it is written through [`ToJson`].

use crate::value::{Map, Number, Value};

/// A value that can be written as JSON.
pub trait ToJson {
    /// Writes `self` into `w`.
    fn write_json(&self, w: &mut Writer);
}

/// What a [`Writer`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Python's `json.dumps(indent=4, ensure_ascii=True)`: numbers as Python writes their value.
    Python,
    /// Compact standard JSON for `JSON.parse`: numbers as their text, non-finite ones `null`.
    Compact,
    /// Compact, every number exactly as its text (`NaN` included): for the crate's own reader.
    Raw,
}

/// Builds JSON text: Python's indent-4, ASCII-only layout, or compact UTF-8.
#[derive(Debug)]
pub struct Writer {
    out: Vec<u8>,
    mode: Mode,
    python: bool,
    /// One entry per open container: true while it is still empty.
    open: Vec<bool>,
}

/// Serializes `value` exactly as magnus writes a run log file (no trailing newline).
pub fn to_vec<T: ToJson + ?Sized>(value: &T) -> Vec<u8> {
    let mut w = Writer::with_mode(Mode::Python);
    value.write_json(&mut w);
    w.out
}

/// Compact standard JSON (numbers as their source text, UTF-8 strings, Python's non-finite
/// numbers as `null`): what `JSON.parse` reads.
pub fn to_compact_string<T: ToJson + ?Sized>(value: &T) -> String {
    write_string(value, Mode::Compact)
}

/// Compact JSON with every number's text as it is (`NaN` and `Infinity` included): not
/// standard JSON, for text only this crate reads back (see [`crate::reconcile::skeleton`]).
pub fn to_raw_string<T: ToJson + ?Sized>(value: &T) -> String {
    write_string(value, Mode::Raw)
}

fn write_string<T: ToJson + ?Sized>(value: &T, mode: Mode) -> String {
    let mut w = Writer::with_mode(mode);
    value.write_json(&mut w);
    // Everything written is valid UTF-8: strings are copied whole or escaped to ASCII.
    String::from_utf8(w.out).unwrap_or_default()
}

impl Writer {
    /// A writer in Python's layout (`python`) or compact JSON.
    pub fn new(python: bool) -> Self {
        Self::with_mode(if python { Mode::Python } else { Mode::Compact })
    }

    /// A writer of `mode`.
    pub fn with_mode(mode: Mode) -> Self {
        Self::with_capacity(mode, 4096)
    }

    /// A writer of `mode` with room for `bytes` of text.
    pub fn with_capacity(mode: Mode, bytes: usize) -> Self {
        Writer { out: Vec::with_capacity(bytes), mode, python: mode == Mode::Python, open: Vec::new() }
    }

    /// The text written so far.
    pub fn into_bytes(self) -> Vec<u8> {
        self.out
    }

    fn newline(&mut self) {
        // A line break and 16 levels of indent, cut to size: one copy instead of one per level.
        const INDENT: &[u8; 65] = b"\n                                                                ";
        let n = 1 + 4 * self.open.len();
        match INDENT.get(..n) {
            Some(line) => self.out.extend_from_slice(line),
            None => {
                self.out.extend_from_slice(INDENT);
                for _ in 16..self.open.len() {
                    self.out.extend_from_slice(b"    ");
                }
            }
        }
    }

    /// Before each element of the innermost container: the separator and, in Python's layout,
    /// the line break and indent.
    fn separate(&mut self) {
        if let Some(empty) = self.open.last_mut() {
            if !std::mem::replace(empty, false) {
                self.out.push(b',');
            }
            if self.python {
                self.newline();
            }
        }
    }

    fn begin(&mut self, c: u8) {
        self.out.push(c);
        self.open.push(true);
    }

    fn end(&mut self, c: u8) {
        let empty = self.open.pop().unwrap_or(true);
        if self.python && !empty {
            self.newline();
        }
        self.out.push(c);
    }

    /// `{`.
    pub fn begin_object(&mut self) {
        self.begin(b'{');
    }

    /// `}`.
    pub fn end_object(&mut self) {
        self.end(b'}');
    }

    /// `[`.
    pub fn begin_array(&mut self) {
        self.begin(b'[');
    }

    /// `]`.
    pub fn end_array(&mut self) {
        self.end(b']');
    }

    /// Starts an array item (write the value next).
    pub fn item(&mut self) {
        self.separate();
    }

    /// Starts an object entry: its key (write the value next).
    pub fn key(&mut self, k: &str) {
        self.separate();
        self.string(k);
        self.out.extend_from_slice(if self.python { b": " } else { b":" });
    }

    /// An entry `k: v`.
    pub fn entry<T: ToJson + ?Sized>(&mut self, k: &str, v: &T) {
        self.key(k);
        v.write_json(self);
    }

    /// A value given as JSON text, copied as it is (the caller vouches for it).
    pub fn raw(&mut self, json: &[u8]) {
        self.out.extend_from_slice(json);
    }

    /// `null`.
    pub fn null(&mut self) {
        self.out.extend_from_slice(b"null");
    }

    /// `true` / `false`.
    pub fn bool(&mut self, b: bool) {
        self.out.extend_from_slice(if b { b"true" } else { b"false" });
    }

    /// A number: in Python's layout as Python writes the value it reads from this text
    /// (`1E5` → `100000.0`); compact, the text itself, non-finite ones as `null`.
    pub fn number(&mut self, n: &Number) {
        self.number_text(n.as_str());
    }

    /// [`Writer::number`] of a number's text (JSON's grammar, or `NaN` / `Infinity`).
    pub fn number_text(&mut self, text: &str) {
        if self.python {
            if crate::value::is_integer_text(text) {
                self.out.extend_from_slice(if text == "-0" { b"0" } else { text.as_bytes() });
            } else {
                let repr = python_float_repr(parse_f64(text));
                self.out.extend_from_slice(repr.as_bytes());
            }
        } else if self.mode == Mode::Compact && (text.ends_with("NaN") || text.ends_with("Infinity")) {
            self.out.extend_from_slice(b"null");
        } else {
            self.out.extend_from_slice(text.as_bytes());
        }
    }

    /// An integer.
    pub fn int(&mut self, i: i64) {
        self.out.extend_from_slice(i.to_string().as_bytes());
    }

    fn escape_unit(&mut self, u: u16) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        self.out.extend_from_slice(b"\\u");
        for shift in [12, 8, 4, 0] {
            self.out.push(HEX[usize::from((u >> shift) & 0xF)]);
        }
    }

    /// Escapes one character that cannot be copied as it is; true if it was one of those.
    fn escape_ascii(&mut self, b: u8) -> bool {
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0x08 => b'b',
            0x0c => b'f',
            0..=0x1f => {
                self.escape_unit(u16::from(b));
                return true;
            }
            0x7f if self.python => {
                self.escape_unit(0x7f);
                return true;
            }
            _ => return false,
        };
        self.out.push(b'\\');
        self.out.push(short);
        true
    }

    /// A string: Python escapes everything outside printable ASCII as `\uXXXX` (UTF-16 units,
    /// lower-case hex); compact JSON escapes only quotes, backslashes and control characters.
    pub fn string(&mut self, s: &str) {
        self.out.push(b'"');
        let bytes = s.as_bytes();
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b < 0x80 {
                if b >= 0x20 && b != b'"' && b != b'\\' && b != 0x7f {
                    i += 1;
                    continue;
                }
                self.out.extend_from_slice(&bytes[start..i]);
                if !self.escape_ascii(b) {
                    self.out.push(b);
                }
                i += 1;
                start = i;
            } else if self.python {
                self.out.extend_from_slice(&bytes[start..i]);
                // A char boundary: decode the one character here.
                let c = s[i..].chars().next().unwrap_or('\u{fffd}');
                for u in c.encode_utf16(&mut [0; 2]).iter() {
                    self.escape_unit(*u);
                }
                i += c.len_utf8();
                start = i;
            } else {
                i += 1;
            }
        }
        self.out.extend_from_slice(&bytes[start..]);
        self.out.push(b'"');
    }

    /// A string of UTF-16 units with unpaired surrogates: each surrogate as its escape.
    pub fn utf16(&mut self, units: &[u16]) {
        self.out.push(b'"');
        for c in char::decode_utf16(units.iter().copied()) {
            match c {
                Ok(c) if c.is_ascii() => {
                    if !self.escape_ascii(c as u8) {
                        self.out.push(c as u8);
                    }
                }
                Ok(c) if self.python => {
                    for u in c.encode_utf16(&mut [0; 2]).iter() {
                        self.escape_unit(*u);
                    }
                }
                Ok(c) => self.out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
                Err(e) => self.escape_unit(e.unpaired_surrogate()),
            }
        }
        self.out.push(b'"');
    }
}

impl ToJson for Value {
    fn write_json(&self, w: &mut Writer) {
        match self {
            Value::Null => w.null(),
            Value::Bool(b) => w.bool(*b),
            Value::Number(n) => w.number(n),
            Value::String(s) => w.string(s),
            Value::Utf16(u) => w.utf16(u),
            Value::Array(a) => a.write_json(w),
            Value::Object(m) => m.write_json(w),
        }
    }
}

impl<V: ToJson> ToJson for Map<V> {
    fn write_json(&self, w: &mut Writer) {
        w.begin_object();
        for (k, v) in self {
            w.entry(k, v);
        }
        w.end_object();
    }
}

impl<T: ToJson> ToJson for [T] {
    fn write_json(&self, w: &mut Writer) {
        w.begin_array();
        for v in self {
            w.item();
            v.write_json(w);
        }
        w.end_array();
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn write_json(&self, w: &mut Writer) {
        self.as_slice().write_json(w)
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn write_json(&self, w: &mut Writer) {
        match self {
            Some(v) => v.write_json(w),
            None => w.null(),
        }
    }
}

impl ToJson for str {
    fn write_json(&self, w: &mut Writer) {
        w.string(self)
    }
}

impl ToJson for String {
    fn write_json(&self, w: &mut Writer) {
        w.string(self)
    }
}

impl ToJson for bool {
    fn write_json(&self, w: &mut Writer) {
        w.bool(*self)
    }
}

impl ToJson for i64 {
    fn write_json(&self, w: &mut Writer) {
        w.int(*self)
    }
}

impl ToJson for u64 {
    fn write_json(&self, w: &mut Writer) {
        w.out.extend_from_slice(self.to_string().as_bytes())
    }
}

impl<T: ToJson + ?Sized> ToJson for &T {
    fn write_json(&self, w: &mut Writer) {
        (**self).write_json(w)
    }
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

/// The nearest `f64` to a JSON number text (or `NaN` / `Infinity` / `-Infinity`).
#[cfg(not(target_arch = "wasm32"))]
pub fn parse_f64(text: &str) -> f64 {
    match text {
        "NaN" => f64::NAN,
        "Infinity" => f64::INFINITY,
        "-Infinity" => f64::NEG_INFINITY,
        _ => text.parse().unwrap_or(f64::NAN),
    }
}

/// The nearest `f64` to a JSON number text (the engine's `parseFloat`, which also reads
/// `NaN`, `Infinity` and `-Infinity`; Rust's float parser stays out of the module).
#[cfg(target_arch = "wasm32")]
pub fn parse_f64(text: &str) -> f64 {
    js_sys::parse_float(text)
}
