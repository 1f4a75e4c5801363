//! The fast paths for whole run logs across the JS boundary, in one pass over the text without
//! building a tree.
//!
//! Reading a run log the general way builds three trees (a [`Value`](crate::Value), the model,
//! then the object `JSON.parse` makes of the model's text); writing one builds two and then
//! writes magnus's text. For documents in the model's own shape (all that magnus and this
//! package write), that is waste. One walker checks a text against the model's schema and
//! feeds a sink on the way:
//! - [`check`] (reading): whether `JSON.parse` of a stored text yields exactly what the general
//!   path would hand to JS, and the document's [`skeleton`](crate::reconcile::skeleton);
//! - [`transcode`] (writing): the bytes magnus writes for a run log given as `JSON.stringify`'s
//!   text, exactly as the general path would write them.
//!
//! The walker is *sound, not complete*: it accepts only what it is sure of (every declared key
//! present, in magnus's order, of the declared type, no unknown or duplicate keys, no `NaN`, no
//! unpaired surrogates, no nesting deeper than the general reader allows), and answers "not
//! sure" to everything else, which then takes the general path, with its exact errors.
//! Differential tests hold the two paths to the same answers.

use crate::model::RunLog;
use crate::pyjson::{Mode, Writer, MAX_DEPTH};
use crate::reconcile::{js_keeps, js_reorders_keys};

/// What a field of a model must hold.
#[derive(Clone, Copy)]
enum Shape {
    Str,
    OptStr,
    Bool,
    OptBool,
    /// An integer the model holds as `i64` and writes back as the same text.
    Int,
    /// An object of any JSON values (`parameters`, `run_config`, `user_defined_metrics`).
    Object,
    /// Any JSON value.
    Any,
    /// An object whose values are models of one kind (`steps`, `branches`).
    Keyed(Model),
    /// An array of models of one kind (`attempts`, `code_identities`, `data_catalog`).
    List(Model),
    /// One model.
    Model(Model),
}

/// The models of the run log format.
#[derive(Clone, Copy)]
enum Model {
    Run,
    Step,
    Branch,
    Attempt,
    Code,
    Catalog,
}

use Shape::*;

/// Each model's declared keys, in the order magnus (and the model's writer) writes them.
fn fields(m: Model) -> &'static [(&'static [u8], Shape)] {
    match m {
        Model::Run => &[
            (b"run_id", Str),
            (b"dag_hash", OptStr),
            (b"use_cached", Bool),
            (b"tag", OptStr),
            (b"original_run_id", OptStr),
            (b"status", Str),
            (b"steps", Keyed(Model::Step)),
            (b"parameters", Object),
            (b"run_config", Object),
        ],
        Model::Step => &[
            (b"name", Str),
            (b"internal_name", Str),
            (b"status", Str),
            (b"step_type", Str),
            (b"message", Str),
            (b"mock", Bool),
            (b"code_identities", List(Model::Code)),
            (b"attempts", List(Model::Attempt)),
            (b"user_defined_metrics", Object),
            (b"branches", Keyed(Model::Branch)),
            (b"data_catalog", List(Model::Catalog)),
        ],
        Model::Branch => &[(b"internal_name", Str), (b"status", Str), (b"steps", Keyed(Model::Step))],
        Model::Attempt => &[
            (b"attempt_number", Int),
            (b"start_time", Str),
            (b"end_time", Str),
            (b"duration", Str),
            (b"status", Str),
            (b"message", Str),
            (b"parameters", Object),
        ],
        Model::Code => &[
            (b"code_identifier", OptStr),
            (b"code_identifier_type", OptStr),
            (b"code_identifier_dependable", OptBool),
            (b"code_identifier_url", OptStr),
            (b"code_identifier_message", OptStr),
        ],
        Model::Catalog => &[
            (b"name", Str),
            (b"data_hash", Str),
            (b"catalog_relative_path", Str),
            (b"catalog_handler_location", Str),
            (b"stage", Str),
        ],
    }
}

/// `Some(fix)` when `JSON.parse` of `text` is exactly the run log the general read path hands
/// to JS; `fix` is that document's skeleton as raw text (`None` when JS loses nothing). `None`
/// when not sure: then the general path decides, errors included.
pub fn check(text: &[u8]) -> Option<Option<String>> {
    let mut sink = Skeleton { out: Vec::new() };
    let lossy = walk(text, &mut sink)?.lossy;
    Some(if lossy { Some(String::from_utf8(sink.out).ok()?) } else { None })
}

/// A run log given as JSON text (`JSON.stringify`'s) as magnus writes it: its header (the
/// run-level fields, without steps, parameters or run config) and its bytes, exactly what
/// [`RunLog::from_json_bytes`](crate::RunLog::from_json_bytes) then
/// [`RunLog::to_json_bytes`](crate::RunLog::to_json_bytes) would give. `None` when not sure.
pub fn transcode(text: &[u8]) -> Option<(RunLog, Vec<u8>)> {
    // Python's indent and ASCII escapes make magnus's text about three times JS's.
    let mut sink = Python { w: Writer::with_capacity(Mode::Python, text.len() * 3 + 64) };
    let walked = walk(text, &mut sink)?;
    let [run_id, dag_hash, _, tag, original_run_id, status] = walked.top;
    let mut header = RunLog::new(run_id?);
    header.dag_hash = dag_hash;
    header.tag = tag;
    header.original_run_id = original_run_id;
    header.status = status?;
    Some((header, sink.w.into_bytes()))
}

/// What a walk found beside what its sink wrote.
struct Walked {
    /// JS loses something of the document (its skeleton is not empty).
    lossy: bool,
    /// The run log's first six fields where they are strings (`run_id` … `status`).
    top: [Option<String>; 6],
}

fn walk(text: &[u8], sink: &mut impl Sink) -> Option<Walked> {
    // One pass for UTF-8 up front keeps the walker on bytes.
    std::str::from_utf8(text).ok()?;
    let mut s = Scan { s: text, i: 0, depth: 0, keys: Vec::new(), top: Default::default() };
    s.ws();
    if s.peek() != Some(b'{') {
        return None; // a BOM, or not an object: the general path's business
    }
    let lossy = s.value(Model(Model::Run), sink)?;
    s.ws();
    if s.i != text.len() {
        return None;
    }
    Some(Walked { lossy, top: s.top })
}

/// What a walk writes, token by token. Texts are spans of the (valid UTF-8) input; `escaped`
/// says a string holds escapes (checked ones: no unpaired surrogates).
trait Sink {
    /// Starts an object or array; a mark for [`Sink::close`].
    fn open(&mut self, array: bool) -> usize;
    /// Before every member but the first.
    fn comma(&mut self);
    /// Before every array element.
    fn item(&mut self);
    /// An object's key (its text without quotes).
    fn key(&mut self, text: &[u8], escaped: bool);
    /// A string value (its text without quotes).
    fn string(&mut self, text: &[u8], escaped: bool);
    /// `true`, `false` or `null`.
    fn literal(&mut self, word: &'static str);
    /// A number (JSON's grammar); true when JS would not write it back as the same text.
    fn number(&mut self, text: &str) -> bool;
    /// Ends the container opened at `mark`; `lossy` when JS loses something of it.
    fn close(&mut self, mark: usize, array: bool, lossy: bool);
}

/// Writes the skeleton: every key of every container that holds something JS loses, `null` for
/// what JS keeps; containers that turn out lossless are cut back to `null`.
struct Skeleton {
    out: Vec<u8>,
}

impl Sink for Skeleton {
    fn open(&mut self, array: bool) -> usize {
        self.out.push(if array { b'[' } else { b'{' });
        self.out.len() - 1
    }
    fn comma(&mut self) {
        self.out.push(b',');
    }
    fn item(&mut self) {}
    fn key(&mut self, text: &[u8], _: bool) {
        self.out.push(b'"');
        self.out.extend_from_slice(text);
        self.out.extend_from_slice(b"\":");
    }
    fn string(&mut self, _: &[u8], _: bool) {
        self.out.extend_from_slice(b"null");
    }
    fn literal(&mut self, _: &'static str) {
        self.out.extend_from_slice(b"null");
    }
    fn number(&mut self, text: &str) -> bool {
        let lossy = !js_keeps(text);
        self.out.extend_from_slice(if lossy { text.as_bytes() } else { b"null" });
        lossy
    }
    fn close(&mut self, mark: usize, array: bool, lossy: bool) {
        if lossy {
            self.out.push(if array { b']' } else { b'}' });
        } else {
            self.out.truncate(mark);
            self.out.extend_from_slice(b"null");
        }
    }
}

/// Writes magnus's bytes through the crate's one [`Writer`].
struct Python {
    w: Writer,
}

/// A string's text decoded (escapes resolved); `None` for what the walker already refused.
fn decoded(text: &[u8], escaped: bool) -> Option<std::borrow::Cow<'_, str>> {
    // Spans of the input, which is valid UTF-8, cut at ASCII quotes.
    let text = std::str::from_utf8(text).ok()?;
    if !escaped {
        return Some(text.into());
    }
    match crate::pyjson::parse_str(&format!("\"{text}\"")) {
        Ok(crate::Value::String(s)) => Some(s.into()),
        _ => None,
    }
}

impl Sink for Python {
    fn open(&mut self, array: bool) -> usize {
        if array {
            self.w.begin_array();
        } else {
            self.w.begin_object();
        }
        0
    }
    fn comma(&mut self) {}
    fn item(&mut self) {
        self.w.item();
    }
    fn key(&mut self, text: &[u8], escaped: bool) {
        self.w.key(&decoded(text, escaped).unwrap_or_default());
    }
    fn string(&mut self, text: &[u8], escaped: bool) {
        self.w.string(&decoded(text, escaped).unwrap_or_default());
    }
    fn literal(&mut self, word: &'static str) {
        self.w.raw(word.as_bytes());
    }
    fn number(&mut self, text: &str) -> bool {
        self.w.number_text(text);
        false
    }
    fn close(&mut self, _: usize, array: bool, _: bool) {
        if array {
            self.w.end_array();
        } else {
            self.w.end_object();
        }
    }
}

/// Bytes that end a run of plain string content: `"`, `\` and control characters.
static STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// True when one of the eight bytes in `x` may be a `"`, a `\` or a control character (a
/// false "may" only after a true one: the byte loop then decides).
#[inline(always)]
fn ends_run(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let control = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
    (control | zero(x ^ (ONES * u64::from(b'"'))) | zero(x ^ (ONES * u64::from(b'\\')))) != 0
}

struct Scan<'a> {
    s: &'a [u8],
    i: usize,
    depth: u32,
    /// Keys of the open objects that are not models (for duplicates and JS's key order).
    keys: Vec<Key>,
    /// The run log's first six fields where they are strings (the run-level fields the store
    /// indexes), once read.
    top: [Option<String>; 6],
}

/// A key of an object: its span in the text, or its text decoded where it holds escapes.
enum Key {
    Span(usize, usize),
    Decoded(String),
}

impl Key {
    fn bytes<'a>(&'a self, s: &'a [u8]) -> &'a [u8] {
        match self {
            Key::Span(a, b) => &s[*a..*b],
            Key::Decoded(k) => k.as_bytes(),
        }
    }
}

impl<'a> Scan<'a> {
    // The crate is built for size (opt-level z), which does not inline these on its own; this
    // is the hot loop of reading a big run log.
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    #[inline(always)]
    fn ws(&mut self) {
        let s = self.s;
        let mut i = self.i;
        loop {
            // Python's indent is runs of spaces: eight at a time.
            if let Some(&chunk) = s.get(i..i + 8).and_then(|c| <&[u8; 8]>::try_from(c).ok()) {
                if u64::from_le_bytes(chunk) == u64::from_le_bytes(*b"        ") {
                    i += 8;
                    continue;
                }
            }
            match s.get(i) {
                Some(b' ' | b'\n' | b'\r' | b'\t') => i += 1,
                _ => break,
            }
        }
        self.i = i;
    }

    /// Consumes `b` after whitespace.
    fn eat(&mut self, b: u8) -> Option<()> {
        self.ws();
        (self.peek() == Some(b)).then(|| self.i += 1)
    }

    fn literal(&mut self, word: &'static str, sink: &mut impl Sink) -> Option<bool> {
        self.s[self.i..].starts_with(word.as_bytes()).then(|| self.i += word.len())?;
        sink.literal(word);
        Some(false)
    }

    fn text(&self, a: usize, b: usize) -> &'a [u8] {
        &self.s[a..b]
    }

    /// A number's text (ASCII, checked by the grammar).
    fn number_text(&self, a: usize) -> &'a str {
        std::str::from_utf8(&self.s[a..self.i]).unwrap_or("NaN")
    }

    /// One value of `shape`; true when JS loses something of it.
    fn value(&mut self, shape: Shape, sink: &mut impl Sink) -> Option<bool> {
        self.ws();
        match (shape, self.peek()?) {
            (Str | OptStr | Any, b'"') => {
                let (a, b, escaped) = self.string()?;
                sink.string(self.text(a, b), escaped);
                Some(false)
            }
            (OptStr | OptBool | Any, b'n') => self.literal("null", sink),
            (Bool | OptBool | Any, b't') => self.literal("true", sink),
            (Bool | OptBool | Any, b'f') => self.literal("false", sink),
            (Int, b'-' | b'0'..=b'9') => {
                let (start, integer) = self.number()?;
                let text = self.number_text(start);
                // What the model writes back is i64's text: no "-0", no fraction, in range.
                if !integer || text == "-0" || text.len() > 18 {
                    return None;
                }
                Some(sink.number(text))
            }
            (Any, b'-' | b'0'..=b'9') => {
                let (start, _) = self.number()?;
                Some(sink.number(self.number_text(start)))
            }
            (Any | Object | Keyed(_), b'{') => self.object(shape, sink),
            (Model(m), b'{') => self.model(m, sink),
            (Any, b'[') => self.array(Any, sink),
            (List(m), b'[') => self.array(Model(m), sink),
            _ => None,
        }
    }

    /// JSON's number grammar (no `NaN` or `Infinity`); its start and whether it is integer text.
    fn number(&mut self) -> Option<(usize, bool)> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            self.i += 1;
            self.some_digits()?;
            integer = false;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            self.some_digits()?;
            integer = false;
        }
        Some((start, integer))
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
    }

    fn some_digits(&mut self) -> Option<()> {
        let at = self.i;
        self.digits();
        (self.i > at).then_some(())
    }

    /// A string (at its `"`); its span without the quotes, and whether it holds escapes.
    fn string(&mut self) -> Option<(usize, usize, bool)> {
        self.i += 1;
        let start = self.i;
        let mut escaped = false;
        let s = self.s;
        loop {
            let mut i = self.i;
            // Eight bytes at a time while none of them ends the run (most strings are plain).
            while let Some(&chunk) = s.get(i..i + 8).and_then(|c| <&[u8; 8]>::try_from(c).ok()) {
                if ends_run(u64::from_le_bytes(chunk)) {
                    break;
                }
                i += 8;
            }
            while !STOP[usize::from(*s.get(i)?)] {
                i += 1;
            }
            self.i = i;
            match s[i] {
                b'"' => {
                    self.i += 1;
                    return Some((start, self.i - 1, escaped));
                }
                b'\\' => {
                    escaped = true;
                    self.escape()?;
                }
                _ => return None, // a raw control character: JSON.parse refuses it
            }
        }
    }

    /// One escape (at its `\`); an unpaired surrogate is "not sure" (the model's string fields
    /// replace it, free values keep it: the general path knows which).
    fn escape(&mut self) -> Option<()> {
        self.i += 1;
        match *self.s.get(self.i)? {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {
                self.i += 1;
                Some(())
            }
            b'u' => {
                let unit = self.hex4()?;
                match unit {
                    0xD800..=0xDBFF => {
                        if self.s.get(self.i..self.i + 2)? != b"\\u" {
                            return None;
                        }
                        self.i += 1;
                        matches!(self.hex4()?, 0xDC00..=0xDFFF).then_some(())
                    }
                    0xDC00..=0xDFFF => None,
                    _ => Some(()),
                }
            }
            _ => None,
        }
    }

    /// The four hex digits after a `u` (at the `u`).
    fn hex4(&mut self) -> Option<u32> {
        let digits = self.s.get(self.i + 1..self.i + 5)?;
        let mut unit = 0;
        for &d in digits {
            unit = unit * 16 + char::from(d).to_digit(16)?;
        }
        self.i += 5;
        Some(unit)
    }

    /// A key (after whitespace) and its colon, given to the sink; its span and whether it holds
    /// escapes.
    fn key(&mut self, sink: &mut impl Sink) -> Option<(usize, usize, bool)> {
        self.ws();
        if self.peek() != Some(b'"') {
            return None;
        }
        let key = self.string()?;
        self.eat(b':')?;
        sink.key(self.text(key.0, key.1), key.2);
        Some(key)
    }

    fn enter(&mut self) -> Option<()> {
        // The general reader's own limit: deeper documents are its to refuse.
        if self.depth + 1 >= MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        self.i += 1;
        Some(())
    }

    /// A model object: exactly its declared keys, in order.
    fn model(&mut self, m: Model, sink: &mut impl Sink) -> Option<bool> {
        self.enter()?;
        let mark = sink.open(false);
        let mut lossy = false;
        for (n, (name, shape)) in fields(m).iter().enumerate() {
            if n > 0 {
                self.eat(b',')?;
                sink.comma();
            }
            // The declared key, compared in place (no string scan: field names need no escapes).
            self.ws();
            let at = self.i + 1;
            if self.peek() != Some(b'"')
                || self.s.get(at..at + name.len())? != *name
                || self.s.get(at + name.len()) != Some(&b'"')
            {
                return None;
            }
            self.i = at + name.len() + 1;
            self.eat(b':')?;
            sink.key(self.text(at, at + name.len()), false);
            if let (Model::Run, 0..=5) = (m, n) {
                // The run-level fields, kept for the store (the run id names the object to
                // write; the index lists status, tag and the rest).
                self.ws();
                if self.peek() == Some(b'"') {
                    let (a, b, escaped) = self.string()?;
                    sink.string(self.text(a, b), escaped);
                    self.top[n] = Some(decoded(self.text(a, b), escaped)?.into_owned());
                    continue;
                }
                if n == 0 {
                    return None;
                }
            }
            lossy |= self.value(*shape, sink)?;
        }
        self.eat(b'}')?;
        self.depth -= 1;
        sink.close(mark, false, lossy);
        Some(lossy)
    }

    /// An object of free keys whose values are `shape` (`Any`, or a model for `Keyed`).
    fn object(&mut self, shape: Shape, sink: &mut impl Sink) -> Option<bool> {
        let item = match shape {
            Keyed(m) => Model(m),
            _ => Any,
        };
        self.enter()?;
        let mark = sink.open(false);
        let base = self.keys.len();
        let mut lossy = false;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
        } else {
            loop {
                let (start, end, escaped) = self.key(sink)?;
                if escaped {
                    // Python escapes every non-ASCII key: compare such keys decoded.
                    self.keys.push(Key::Decoded(decoded(self.text(start, end), true)?.into_owned()));
                } else {
                    self.keys.push(Key::Span(start, end));
                }
                lossy |= self.value(item, sink)?;
                self.ws();
                match self.peek()? {
                    b',' => {
                        self.i += 1;
                        sink.comma();
                    }
                    b'}' => {
                        self.i += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        let keys = &self.keys[base..];
        let s = self.s;
        if has_duplicates(keys.iter().map(|k| k.bytes(s))) {
            return None; // Python and JS agree on duplicates, but the skeleton would not
        }
        lossy |= js_reorders_keys(keys.iter().map(|k| k.bytes(s)));
        self.keys.truncate(base);
        self.depth -= 1;
        sink.close(mark, false, lossy);
        Some(lossy)
    }

    fn array(&mut self, item: Shape, sink: &mut impl Sink) -> Option<bool> {
        self.enter()?;
        let mark = sink.open(true);
        let mut lossy = false;
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
        } else {
            loop {
                sink.item();
                lossy |= self.value(item, sink)?;
                self.ws();
                match self.peek()? {
                    b',' => {
                        self.i += 1;
                        sink.comma();
                    }
                    b']' => {
                        self.i += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.depth -= 1;
        sink.close(mark, true, lossy);
        Some(lossy)
    }
}

/// True when two keys are the same.
fn has_duplicates<'a>(keys: impl ExactSizeIterator<Item = &'a [u8]> + Clone) -> bool {
    let n = keys.len();
    if n < 2 {
        return false;
    }
    if n <= 8 {
        return keys.clone().enumerate().any(|(i, a)| keys.clone().skip(i + 1).any(|b| a == b));
    }
    let mut sorted: Vec<&[u8]> = keys.collect();
    sorted.sort_unstable();
    sorted.windows(2).any(|w| w[0] == w[1])
}

#[cfg(test)]
mod tests {
    use super::check;

    const DOC: &str = r#"{"run_id": "r", "dag_hash": null, "use_cached": false, "tag": "", "original_run_id": "",
        "status": "SUCCESS", "steps": {}, "parameters": PARAMS, "run_config": {}}"#;

    fn with(params: &str) -> Option<Option<String>> {
        check(DOC.replace("PARAMS", params).as_bytes())
    }

    #[test]
    fn a_plain_document_is_taken_as_it_is() {
        assert_eq!(with(r#"{"a": 1, "b": [0.5, "x", true, null], "c": {}}"#), Some(None));
    }

    #[test]
    fn what_js_loses_comes_back_as_the_skeleton() {
        let fix = with(r#"{"a": 1.0, "b": [2, -0.0], "10": 3}"#).unwrap().unwrap();
        assert_eq!(
            fix,
            r#"{"run_id":null,"dag_hash":null,"use_cached":null,"tag":null,"original_run_id":null,"status":null,"steps":null,"parameters":{"a":1.0,"b":[null,-0.0],"10":null},"run_config":null}"#
        );
    }

    #[test]
    fn anything_unsure_takes_the_general_path() {
        for params in [
            r#"{"a": NaN}"#,
            r#"{"a": 1, "a": 2}"#,
            r#"{"a": 1, "\u0061": 2}"#,
            r#"{"a": "\ud800"}"#,
            r#"{"a": 01}"#,
            r#"[1]"#,
            r#"{"a": "tab	in"}"#,
        ] {
            assert_eq!(with(params), None, "{params}");
        }
        assert_eq!(check(DOC.replace("\"tag\": \"\", ", "").replace("PARAMS", "{}").as_bytes()), None, "a key missing");
        assert_eq!(check(format!("\u{feff}{}", DOC.replace("PARAMS", "{}")).as_bytes()), None, "a BOM");
        let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
        assert_eq!(with(&format!(r#"{{"a": {deep}}}"#)), None, "deeper than the reader's limit");
    }
}
