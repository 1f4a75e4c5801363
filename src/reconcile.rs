//! Keeping what a JavaScript object cannot hold: the stored text of numbers (`1.0`, `1e+16`,
//! `-0.0`, big integers, `NaN`) and the stored order of keys (JS puts integer-like keys first).
//!
//! A value that went through JS comes back with JS's number text and key order. Before it is
//! written, it is *reconciled* with the stored value it came from: wherever the JS value still
//! equals the stored one (numerically, for numbers; `null` for a stored non-finite number, which
//! is what JS made of it), the stored text is kept; existing keys keep their stored order, new
//! keys follow in the caller's order. A changed value gets its new text.
//!
//! The stored side is either the stored document itself (every read-modify-write re-reads it) or
//! a *skeleton* handed out with a read ([`skeleton`]): a sparse copy holding only what JS would
//! lose, which the JS side keeps beside the object it returned and hands back with `putRunLog`.

use crate::model::{BranchLog, CodeIdentity, DataCatalog, RunLog, StepAttempt, StepLog};
use crate::value::{Map, Number, Value};

/// Something whose JS-lossy parts can be taken back from a stored copy.
pub trait Reconcile {
    /// Takes number text and key order from `stored` wherever `self` still means the same.
    fn reconcile(&mut self, stored: &Self);
}

/// True when two number texts denote the same value (as JS would read them).
fn same(a: &Number, b: &Number) -> bool {
    a.as_str() == b.as_str() || {
        let (x, y) = (a.as_f64(), b.as_f64());
        x == y || (x.is_nan() && y.is_nan())
    }
}

/// True for Python's non-finite numbers, which JS holds as `null`.
fn non_finite(n: &Number) -> bool {
    // By value: `1e999` is Infinity too (and is written back as Python's `Infinity`).
    !n.as_f64().is_finite()
}

impl Reconcile for Value {
    fn reconcile(&mut self, stored: &Value) {
        match (&mut *self, stored) {
            (Value::Number(new), Value::Number(old)) if same(new, old) => *new = old.clone(),
            (Value::Null, Value::Number(old)) if non_finite(old) => *self = stored.clone(),
            (Value::Object(new), Value::Object(old)) => new.reconcile(old),
            (Value::Array(new), Value::Array(old)) => new.reconcile(old),
            _ => {}
        }
    }
}

impl<V: Reconcile> Reconcile for Map<V> {
    /// Values reconciled key by key; keys the stored map has come first, in its order.
    fn reconcile(&mut self, stored: &Map<V>) {
        let mut in_order = true;
        let mut next = 0; // position of the next stored key found in self
        for (k, old) in stored.iter() {
            if let Some(i) = self.index_of(k) {
                in_order &= i == next;
                next += 1;
                if let Some(v) = self.get_mut(k) {
                    v.reconcile(old);
                }
            }
        }
        if !in_order {
            let mut to = 0;
            for k in stored.keys() {
                if self.contains_key(k) {
                    self.move_index(k, to);
                    to += 1;
                }
            }
        }
    }
}

impl<T: Reconcile> Reconcile for Vec<T> {
    /// Element by element, as far as both go.
    fn reconcile(&mut self, stored: &Vec<T>) {
        for (new, old) in self.iter_mut().zip(stored) {
            new.reconcile(old);
        }
    }
}

impl Reconcile for RunLog {
    fn reconcile(&mut self, stored: &RunLog) {
        self.steps.reconcile(&stored.steps);
        self.parameters.reconcile(&stored.parameters);
        self.run_config.reconcile(&stored.run_config);
        self.extra.reconcile(&stored.extra);
    }
}

impl Reconcile for StepLog {
    fn reconcile(&mut self, stored: &StepLog) {
        self.code_identities.reconcile(&stored.code_identities);
        self.attempts.reconcile(&stored.attempts);
        self.user_defined_metrics.reconcile(&stored.user_defined_metrics);
        self.branches.reconcile(&stored.branches);
        self.data_catalog.reconcile(&stored.data_catalog);
        self.extra.reconcile(&stored.extra);
    }
}

impl Reconcile for BranchLog {
    fn reconcile(&mut self, stored: &BranchLog) {
        self.steps.reconcile(&stored.steps);
        self.extra.reconcile(&stored.extra);
    }
}

impl Reconcile for StepAttempt {
    fn reconcile(&mut self, stored: &StepAttempt) {
        self.parameters.reconcile(&stored.parameters);
        self.extra.reconcile(&stored.extra);
    }
}

impl Reconcile for CodeIdentity {
    fn reconcile(&mut self, stored: &CodeIdentity) {
        self.extra.reconcile(&stored.extra);
    }
}

impl Reconcile for DataCatalog {
    fn reconcile(&mut self, stored: &DataCatalog) {
        self.extra.reconcile(&stored.extra);
    }
}

/// True when JS writes back exactly this number text (`JSON.stringify(JSON.parse(text))`):
/// integers of up to 15 digits (not `-0`), and plain decimals of up to 15 significant digits
/// (every such decimal survives a double) without a trailing zero in the fraction and at least
/// 1e-6 in size, as Python's and JS's shortest forms agree there. Anything else (exponents,
/// `1.0`, big integers, `1.0000000000000001`, `NaN`) is reported, whether or not JS would keep it.
pub fn js_keeps(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.bytes().all(|b| b.is_ascii_digit()) {
        return digits.len() <= 15 && text != "-0";
    }
    let Some((int, frac)) = digits.split_once('.') else { return false };
    !frac.is_empty()
        && frac.bytes().all(|b| b.is_ascii_digit())
        && !frac.ends_with('0')
        && significant_digits(int, frac) <= 15
        && (int != "0" || frac.len() - frac.trim_start_matches('0').len() < 6)
}

/// Digits of `int.frac` from the first non-zero one on.
fn significant_digits(int: &str, frac: &str) -> usize {
    match int.trim_start_matches('0').len() {
        0 => frac.trim_start_matches('0').len(),
        n => n + frac.len(),
    }
}

/// True when a JS object would list these keys in another order: JS puts array-index keys
/// (`"0"`, `"17"`, up to 2^32 - 2) first, ascending.
fn js_reorders<V>(m: &Map<V>) -> bool {
    js_reorders_keys(m.keys().map(String::as_bytes))
}

/// [`js_reorders`] of keys (UTF-8) in their order.
pub(crate) fn js_reorders_keys<'a>(keys: impl Iterator<Item = &'a [u8]>) -> bool {
    fn index(k: &[u8]) -> Option<u64> {
        if k.is_empty() || k.len() > 10 || (k.len() > 1 && k[0] == b'0') {
            return None;
        }
        let mut n = 0u64;
        for &b in k {
            if !b.is_ascii_digit() {
                return None;
            }
            n = n * 10 + u64::from(b - b'0');
        }
        (n < u64::from(u32::MAX)).then_some(n)
    }
    let mut seen_other = false;
    let mut last: Option<u64> = None;
    for k in keys {
        match index(k) {
            Some(n) => {
                if seen_other || last.is_some_and(|l| n < l) {
                    return true;
                }
                last = Some(n);
            }
            None => seen_other = true,
        }
    }
    false
}

/// What JS would lose of `v`, as a sparse copy: `None` when nothing. Objects that are kept list
/// all their keys in stored order (values JS keeps become `null`, which reconciles nothing);
/// arrays keep their length likewise.
pub fn skeleton(v: &Value) -> Option<Value> {
    match v {
        Value::Number(n) if !js_keeps(n.as_str()) => Some(v.clone()),
        Value::Object(m) => {
            let kids: Vec<Option<Value>> = m.values().map(skeleton).collect();
            if !js_reorders(m) && kids.iter().all(Option::is_none) {
                return None;
            }
            Some(Value::Object(m.keys().cloned().zip(kids.into_iter().map(Option::unwrap_or_default)).collect()))
        }
        Value::Array(a) => {
            let kids: Vec<Option<Value>> = a.iter().map(skeleton).collect();
            if kids.iter().all(Option::is_none) {
                return None;
            }
            Some(Value::Array(kids.into_iter().map(Option::unwrap_or_default).collect()))
        }
        _ => None,
    }
}

/// [`skeleton`] of a model value (through its text: models are not values).
pub fn skeleton_of<T: crate::pyjson::ToJson + ?Sized>(t: &T) -> Option<Value> {
    skeleton(&crate::pyjson::parse_str(&crate::pyjson::to_raw_string(t)).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Value {
        Value::parse(text).unwrap()
    }

    /// What JS does to a document: numbers become JS numbers, index-like keys move first.
    fn through_js(text: &str) -> Value {
        fn js(v: &Value) -> Value {
            match v {
                Value::Number(n) if non_finite(n) => Value::Null,
                Value::Number(n) => {
                    let f = n.as_f64();
                    let t = if f == f.trunc() && f.abs() < 1e21 { format!("{}", f as i128) } else { format!("{f}") };
                    Value::Number(Number::parse(&t).unwrap_or_else(|| Number::from_f64(f)))
                }
                Value::Object(m) => {
                    let mut idx: Vec<(&String, &Value)> =
                        m.iter().filter(|(k, _)| k.parse::<u32>().is_ok_and(|n| n.to_string() == **k)).collect();
                    idx.sort_by_key(|(k, _)| k.parse::<u32>().unwrap());
                    let rest = m.iter().filter(|(k, _)| !k.parse::<u32>().is_ok_and(|n| n.to_string() == **k));
                    Value::Object(idx.into_iter().chain(rest).map(|(k, v)| (k.clone(), js(v))).collect())
                }
                Value::Array(a) => Value::Array(a.iter().map(js).collect()),
                other => other.clone(),
            }
        }
        js(&v(text))
    }

    const DOC: &str =
        r#"{"b": 1.0, "10": [1e+16, -0.0, 12345678901234567890123, 0.5, NaN], "2": {"x": Infinity, "y": 3}, "a": "s"}"#;

    #[test]
    fn an_unchanged_value_gets_its_stored_text_and_order_back() {
        let stored = v(DOC);
        let mut js = through_js(DOC);
        assert_ne!(js.to_compact_string(), stored.to_compact_string(), "JS changed it");
        js.reconcile(&stored);
        assert_eq!(crate::pyjson::to_vec(&js), crate::pyjson::to_vec(&stored));
    }

    #[test]
    fn a_skeleton_carries_just_what_js_loses() {
        let stored = v(DOC);
        let sk = skeleton(&stored).unwrap();
        let text = crate::pyjson::to_raw_string(&sk);
        assert_eq!(
            text,
            r#"{"b":1.0,"10":[1e+16,-0.0,12345678901234567890123,null,NaN],"2":{"x":Infinity,"y":null},"a":null}"#
        );
        let sk = Value::parse(&text).unwrap();
        let mut js = through_js(DOC);
        js.reconcile(&sk);
        assert_eq!(crate::pyjson::to_vec(&js), crate::pyjson::to_vec(&stored));
        assert_eq!(skeleton(&v(r#"{"a": 1, "b": [0.5, 2, "x"], "c": {"d": 0.25}}"#)), None);
    }

    #[test]
    fn changed_values_and_new_keys_take_the_callers_text_and_order() {
        let stored = v(r#"{"b": 1.0, "a": 2.5, "10": 0}"#);
        let mut js = v(r#"{"10": 0, "z": 1, "b": 3, "a": 2.5}"#);
        js.reconcile(&stored);
        assert_eq!(js.to_compact_string(), r#"{"b":3,"a":2.5,"10":0,"z":1}"#);
    }

    #[test]
    fn a_number_out_of_range_is_non_finite_whatever_its_text() {
        // A Rust caller's `1e999` is stored as Python's `Infinity`; JS sees null either way.
        let mut js = v(r#"{"a": null}"#);
        js.reconcile(&v(r#"{"a": 1e999}"#));
        assert_eq!(js.to_compact_string(), r#"{"a":1e999}"#, "the stored value is kept, not replaced by null");
    }

    #[test]
    fn js_keeps_only_its_own_forms() {
        for t in ["0", "17", "-3", "0.5", "2.5", "0.333333333333333", "123.456", "0.000001"] {
            assert!(js_keeps(t), "{t}");
        }
        for t in [
            "1.0",
            "-0",
            "-0.0",
            "1e+16",
            "1e-07",
            "12345678901234567890123",
            "NaN",
            "-Infinity",
            "1.50",
            "0.0000001",
            "1.0000000000000001",
            "1234567890123456.1",
            "0.30000000000000004",
        ] {
            assert!(!js_keeps(t), "{t}");
        }
    }
}
