//! The crate's own JSON value: ordered objects, numbers that keep their source text, and strings
//! that may hold unpaired surrogates (Python's and JavaScript's strings can; Rust's cannot).
//!
//! Why not `serde_json::Value`: keeping key order and number text there takes serde_json's
//! `preserve_order` and `arbitrary_precision` features, and Cargo unifies features across a build,
//! so every application depending on this crate would get a different serde_json (a
//! `#[serde(flatten)]` struct with an `f64` field then stops deserializing). These types keep the
//! run log exact without touching anyone's serde_json, and keep foreign types out of the public
//! API. They implement serde's traits, so `serde_json::to_value(&v)` and friends still work.

use std::cmp::Ordering;
use std::fmt;

/// A JSON value as magnus and runnable store it.
#[derive(Clone, PartialEq, Default)]
pub enum Value {
    /// `null`.
    #[default]
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, as its source text (see [`Number`]).
    Number(Number),
    /// A string.
    String(String),
    /// A string holding unpaired surrogates, as UTF-16 code units. Python's `json` reads
    /// `"\ud800"` into such a string and writes it back as the same escape; so do we.
    Utf16(Box<[u16]>),
    /// An array.
    Array(Vec<Value>),
    /// An object; keys keep their insertion order (as Python dicts do).
    Object(Map),
}

/// A JSON number kept as its text: `1.0` stays a float, `12345678901234567890123` stays exact,
/// and Python's `NaN`, `Infinity` and `-Infinity` are numbers too (Python's `json` writes them).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Number(Box<str>);

/// An ordered map from string keys (a JSON object; also the steps and branches of a run log):
/// entries in insertion order, found through a sorted index (binary search). Hand-written rather
/// than indexmap: a hash table's code weighs more in the wasm than this whole type.
#[derive(Clone)]
pub struct Map<V = Value> {
    entries: Vec<(String, V)>,
    /// Positions in `entries`, ordered by key.
    index: Vec<u32>,
}

impl Number {
    /// The number `text` denotes, if it is a JSON number or one of Python's non-finite names.
    pub fn parse(text: &str) -> Option<Number> {
        is_number_text(text).then(|| Number(text.into()))
    }

    /// The number for text the caller has already checked.
    pub(crate) fn from_checked(text: &str) -> Number {
        Number(text.into())
    }

    /// A float, written as Python's `repr` writes it (`1.0`, `1e-07`, `NaN`).
    pub fn from_f64(v: f64) -> Number {
        Number(crate::pyjson::python_float_repr(v).into())
    }

    /// The source text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for integer text (no fraction, no exponent, not NaN or Infinity).
    pub fn is_integer(&self) -> bool {
        is_integer_text(&self.0)
    }

    /// The value as an `i64`, if it is integer text in range.
    pub fn as_i64(&self) -> Option<i64> {
        if self.is_integer() {
            self.0.parse().ok()
        } else {
            None
        }
    }

    /// The value as a `u64`, if it is integer text in range.
    pub fn as_u64(&self) -> Option<u64> {
        if self.is_integer() {
            self.0.parse().ok()
        } else {
            None
        }
    }

    /// The value as the nearest `f64` (NaN and the infinities included).
    pub fn as_f64(&self) -> f64 {
        crate::pyjson::parse_f64(&self.0)
    }
}

/// [`Number::is_integer`] of a number's text.
pub(crate) fn is_integer_text(text: &str) -> bool {
    !text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E' | b'N' | b'I'))
}

/// JSON's number grammar, or `NaN` / `Infinity` / `-Infinity`.
fn is_number_text(t: &str) -> bool {
    if matches!(t, "NaN" | "Infinity" | "-Infinity") {
        return true;
    }
    let b = t.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let int_start = i;
    match digits(&mut i) {
        0 => return false,
        n if n > 1 && b[int_start] == b'0' => return false,
        _ => {}
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! number_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(n: $t) -> Self {
                Number(n.to_string().into())
            }
        }
        impl From<$t> for Value {
            fn from(n: $t) -> Self {
                Value::Number(n.into())
            }
        }
    )*};
}
number_from_int!(i8, i16, i32, i64, u8, u16, u32, u64, isize, usize);

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Number(Number::from_f64(v))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.into())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Self {
        Value::Object(m)
    }
}

impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Self {
        Value::Array(v)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

macro_rules! value_eq {
    ($($t:ty => |$v:ident, $o:ident| $e:expr),* $(,)?) => {$(
        impl PartialEq<$t> for Value {
            fn eq(&self, $o: &$t) -> bool {
                let $v = self;
                $e
            }
        }
    )*};
}
value_eq!(
    bool => |v, o| v.as_bool() == Some(*o),
    str => |v, o| v.as_str() == Some(o),
    &str => |v, o| v.as_str() == Some(*o),
    String => |v, o| v.as_str() == Some(o.as_str()),
    i64 => |v, o| v.as_i64() == Some(*o),
    i32 => |v, o| v.as_i64() == Some(i64::from(*o)),
    u64 => |v, o| v.as_u64() == Some(*o),
);

impl Value {
    /// Parses JSON text as Python's `json.loads` does (see [`crate::pyjson::parse_str`]).
    pub fn parse(text: &str) -> Result<Value, crate::pyjson::SyntaxError> {
        crate::pyjson::parse_str(text)
    }

    /// The string, if this is a string (not one with unpaired surrogates).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The value as an `i64`, if it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number().and_then(Number::as_i64)
    }

    /// The value as a `u64`, if it is a non-negative integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        self.as_number().and_then(Number::as_u64)
    }

    /// The value as an `f64`, if it is a number.
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number().map(Number::as_f64)
    }

    /// The object, if this is one.
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The object, mutable, if this is one.
    pub fn as_object_mut(&mut self) -> Option<&mut Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The array, if this is one.
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// True for `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// True for an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    /// `self[key]` for objects; `None` otherwise or when absent.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?.get(key)
    }

    /// `self[key]`, mutable.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.as_object_mut()?.get_mut(key)
    }

    /// What kind of value this is, for messages (`"a string"`, `"an object"`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) | Value::Utf16(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }

    /// Compact JSON text (what `JSON.parse` reads; Python's non-finite numbers become `null`).
    pub fn to_compact_string(&self) -> String {
        crate::pyjson::to_compact_string(self)
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_compact_string())
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_compact_string())
    }
}

impl std::ops::Index<&str> for Value {
    type Output = Value;
    /// `value["key"]`: `Null` when this is not an object or the key is absent (as serde_json).
    fn index(&self, key: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.get(key).unwrap_or(&NULL)
    }
}

impl<V> Map<V> {
    /// An empty map.
    pub fn new() -> Self {
        Map { entries: Vec::new(), index: Vec::new() }
    }

    /// An empty map with room for `n` entries.
    pub fn with_capacity(n: usize) -> Self {
        Map { entries: Vec::with_capacity(n), index: Vec::with_capacity(n) }
    }

    /// `Ok(i)`: `key` is at `index[i]`; `Err(i)`: it would go at `index[i]`.
    fn find(&self, key: &str) -> Result<usize, usize> {
        self.index.binary_search_by(|&p| self.entries[p as usize].0.as_str().cmp(key))
    }

    fn reindex(&mut self) {
        let entries = &self.entries;
        self.index = (0..entries.len() as u32).collect();
        self.index.sort_unstable_by(|&a, &b| entries[a as usize].0.cmp(&entries[b as usize].0));
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The value at `key`.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.find(key).ok().map(|i| &self.entries[self.index[i] as usize].1)
    }

    /// The value at `key`, mutable.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        let i = self.find(key).ok()?;
        Some(&mut self.entries[self.index[i] as usize].1)
    }

    /// True if `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Inserts or replaces (a replaced key keeps its place, as in a Python dict); returns the old value.
    pub fn insert(&mut self, key: String, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[self.index[i] as usize].1, value)),
            Err(i) => {
                self.index.insert(i, self.entries.len() as u32);
                self.entries.push((key, value));
                None
            }
        }
    }

    /// Removes `key`, keeping the order of the others.
    pub fn remove(&mut self, key: &str) -> Option<V> {
        let i = self.find(key).ok()?;
        let at = self.index.remove(i);
        for p in &mut self.index {
            if *p > at {
                *p -= 1;
            }
        }
        Some(self.entries.remove(at as usize).1)
    }

    /// The entry at position `i` in insertion order.
    pub fn get_index(&self, i: usize) -> Option<(&String, &V)> {
        self.entries.get(i).map(|(k, v)| (k, v))
    }

    /// The position of `key` in insertion order.
    pub fn index_of(&self, key: &str) -> Option<usize> {
        self.find(key).ok().map(|i| self.index[i] as usize)
    }

    /// Entries in insertion order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&String, &V)> + ExactSizeIterator {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Entries in insertion order, values mutable.
    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = (&String, &mut V)> + ExactSizeIterator {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    /// Keys in insertion order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    /// Values in insertion order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Values in insertion order, mutable.
    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> + ExactSizeIterator {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    /// Keeps the entries `keep` says yes to, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&String, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
        self.reindex();
    }

    /// Sorts the entries by key.
    pub fn sort_keys(&mut self) {
        self.entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        self.reindex();
    }

    /// Moves `key` (if present) to position `to`, shifting the others.
    pub fn move_index(&mut self, key: &str, to: usize) {
        if let Some(from) = self.index_of(key) {
            let e = self.entries.remove(from);
            self.entries.insert(to.min(self.entries.len()), e);
            self.reindex();
        }
    }

    /// A map of `entries` in their order, where a repeated key keeps its first place and takes
    /// its last value (as Python's `json` reads objects). Built with one sort, so reading a large
    /// object costs no more than sorting its keys.
    pub(crate) fn from_entries(mut entries: Vec<(String, V)>) -> Self {
        let mut index: Vec<u32> = (0..entries.len() as u32).collect();
        // Equal keys in the order they came.
        index.sort_unstable_by(|&a, &b| match entries[a as usize].0.cmp(&entries[b as usize].0) {
            Ordering::Equal => a.cmp(&b),
            other => other,
        });
        if index.windows(2).all(|w| entries[w[0] as usize].0 != entries[w[1] as usize].0) {
            return Map { entries, index };
        }
        // Repeated keys: the last value goes to the first place (swapping whole entries swaps
        // just the values, the keys being equal), the other places go.
        let mut dropped = vec![false; entries.len()];
        let mut i = 0;
        while i < index.len() {
            let mut j = i;
            while j + 1 < index.len() && entries[index[j + 1] as usize].0 == entries[index[i] as usize].0 {
                j += 1;
            }
            if j > i {
                entries.swap(index[i] as usize, index[j] as usize);
                for &p in &index[i + 1..=j] {
                    dropped[p as usize] = true;
                }
            }
            i = j + 1;
        }
        let mut keep = dropped.iter().map(|d| !d);
        entries.retain(|_| keep.next().unwrap_or(true));
        let mut m = Map { entries, index: Vec::new() };
        m.reindex();
        m
    }
}

impl<V> Default for Map<V> {
    fn default() -> Self {
        Map::new()
    }
}

impl<V: PartialEq> PartialEq for Map<V> {
    /// The same keys with equal values, in any order (as JSON objects compare).
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl<V: fmt::Debug> fmt::Debug for Map<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<V> std::ops::Index<&str> for Map<V> {
    type Output = V;
    /// `map["key"]`; panics when absent, like `HashMap`.
    fn index(&self, key: &str) -> &V {
        self.get(key).expect("no such key in the map")
    }
}

impl<K: Into<String>, V> FromIterator<(K, V)> for Map<V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut m = Map::new();
        m.extend(iter);
        m
    }
}

impl<K: Into<String>, V> Extend<(K, V)> for Map<V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k.into(), v);
        }
    }
}

impl<V> IntoIterator for Map<V> {
    type Item = (String, V);
    type IntoIter = std::vec::IntoIter<(String, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a, V> IntoIterator for &'a Map<V> {
    type Item = (&'a String, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (String, V)>, fn(&'a (String, V)) -> (&'a String, &'a V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

// ----- serde: so Rust callers can move values in and out of other formats -----

impl serde::Serialize for Number {
    /// Integers as `i64` / `u64` / `i128` / `u128` where they fit, everything else as `f64`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.is_integer() {
            if let Ok(i) = self.0.parse::<i64>() {
                return s.serialize_i64(i);
            }
            if let Ok(u) = self.0.parse::<u64>() {
                return s.serialize_u64(u);
            }
            if let Ok(i) = self.0.parse::<i128>() {
                return s.serialize_i128(i);
            }
        }
        s.serialize_f64(self.as_f64())
    }
}

impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => n.serialize(s),
            Value::String(t) => s.serialize_str(t),
            Value::Utf16(u) => s.serialize_str(&String::from_utf16_lossy(u)),
            Value::Array(a) => a.serialize(s),
            Value::Object(m) => m.serialize(s),
        }
    }
}

impl<V: serde::Serialize> serde::Serialize for Map<V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Value;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_none<E>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
                serde::Deserialize::deserialize(d)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
                Ok(Value::Bool(b))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
                Ok(n.into())
            }
            fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
                Ok(n.into())
            }
            fn visit_i128<E>(self, n: i128) -> Result<Value, E> {
                Ok(Value::Number(Number(n.to_string().into())))
            }
            fn visit_u128<E>(self, n: u128) -> Result<Value, E> {
                Ok(Value::Number(Number(n.to_string().into())))
            }
            fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
                Ok(n.into())
            }
            fn visit_str<E>(self, s: &str) -> Result<Value, E> {
                Ok(Value::String(s.into()))
            }
            fn visit_string<E>(self, s: String) -> Result<Value, E> {
                Ok(Value::String(s))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Value, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = a.next_element()? {
                    out.push(v);
                }
                Ok(Value::Array(out))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Value, A::Error> {
                let mut out = Vec::new();
                while let Some(kv) = a.next_entry::<String, Value>()? {
                    out.push(kv);
                }
                Ok(Value::Object(Map::from_entries(out)))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de, V: serde::Deserialize<'de>> serde::Deserialize<'de> for Map<V> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct M<V>(std::marker::PhantomData<V>);
        impl<'de, V: serde::Deserialize<'de>> serde::de::Visitor<'de> for M<V> {
            type Value = Map<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map with string keys")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Map<V>, A::Error> {
                let mut out = Vec::new();
                while let Some(kv) = a.next_entry::<String, V>()? {
                    out.push(kv);
                }
                Ok(Map::from_entries(out))
            }
        }
        d.deserialize_map(M(std::marker::PhantomData))
    }
}

/// Test helper: `json!` that builds this crate's [`Value`] (through serde_json's macro; key
/// order is serde_json's, so use it where order does not matter).
#[cfg(test)]
macro_rules! json {
    ($($t:tt)+) => {
        <$crate::value::Value as serde::Deserialize>::deserialize(serde_json::json!($($t)+)).unwrap()
    };
}
#[cfg(test)]
pub(crate) use json;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_text_is_checked_and_kept() {
        for ok in ["0", "-0", "1.0", "1e+16", "-1.5E-7", "12345678901234567890123", "NaN", "-Infinity"] {
            assert_eq!(Number::parse(ok).unwrap().as_str(), ok);
        }
        for bad in ["", "-", "01", "1.", ".5", "1e", "+1", "1 ", "nan", "0x10", "--1"] {
            assert!(Number::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(Number::parse("1.0").unwrap().as_i64(), None);
        assert_eq!(Number::parse("-12").unwrap().as_i64(), Some(-12));
        assert_eq!(Number::parse("1e3").unwrap().as_f64(), 1000.0);
        assert_eq!(Number::from_f64(1.0).as_str(), "1.0");
    }

    #[test]
    fn maps_keep_insertion_order_and_replace_in_place() {
        let mut m: Map = [("b", Value::from(1)), ("a", Value::from(2))].into_iter().collect();
        m.insert("b".into(), Value::from(3));
        m.insert("c".into(), Value::Null);
        assert_eq!(m.keys().map(String::as_str).collect::<Vec<_>>(), ["b", "a", "c"]);
        assert_eq!(m.remove("a"), Some(Value::from(2)));
        assert_eq!(m.keys().map(String::as_str).collect::<Vec<_>>(), ["b", "c"]);
        m.move_index("c", 0);
        assert_eq!(m.keys().map(String::as_str).collect::<Vec<_>>(), ["c", "b"]);
        assert_eq!((m.get("b"), m.get("c"), m.get("a")), (Some(&Value::from(3)), Some(&Value::Null), None));
    }

    #[test]
    fn repeated_keys_keep_the_first_place_and_the_last_value() {
        let entries = ["b", "a", "b", "c", "a", "b"].iter().enumerate().map(|(i, k)| (k.to_string(), i)).collect();
        let m = Map::from_entries(entries);
        assert_eq!(m.iter().map(|(k, v)| (k.as_str(), *v)).collect::<Vec<_>>(), [("b", 5), ("a", 4), ("c", 3)]);
        assert_eq!(m.get("a"), Some(&4));
        let many: Map<usize> = (0..5000).rev().map(|i| (format!("k{i}"), i)).collect();
        assert!((0..5000).all(|i| many.get(&format!("k{i}")) == Some(&i)));
        assert_eq!(many.index_of("k4999"), Some(0));
    }
}
