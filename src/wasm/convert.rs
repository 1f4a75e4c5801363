//! JS ↔ Rust values: JSON-shaped values through the engine's JSON, plus typed readers for
//! option bags and arguments that turn wrong types into [`Error::InvalidArgument`].

use crate::value::Value;
use js_sys::{Object, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};

use crate::credentials::Env;
use crate::error::{Error, Result};

/// A JSON-shaped JS value as a serde_json value (numbers keep their JS text).
pub fn to_value(v: &JsValue, argument: &str) -> Result<Value> {
    let text = JSON::stringify(v)
        .map_err(|e| Error::invalid_argument(argument, format!("cannot be turned into JSON: {}", describe(&e))))?;
    let text = text.as_string().ok_or_else(|| Error::invalid_argument(argument, "is undefined or not JSON data"))?;
    crate::pyjson::parse_str(&text).map_err(|e| Error::invalid_argument(argument, format!("is not JSON data ({e})")))
}

/// A serde value as a plain JS value (objects keep key order, except that JS itself puts
/// integer-like keys first).
pub fn from_serialize<T: crate::pyjson::ToJson + ?Sized>(v: &T) -> JsValue {
    JSON::parse(&crate::pyjson::to_compact_string(v)).unwrap_or(JsValue::NULL)
}

fn describe(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

/// A required string argument.
pub fn string(v: &JsValue, argument: &str) -> Result<String> {
    v.as_string().ok_or_else(|| Error::invalid_argument(argument, format!("expected a string, got {}", type_of(v))))
}

/// `typeof`-style name for messages.
pub fn type_of(v: &JsValue) -> String {
    if v.is_null() {
        "null".into()
    } else if Array::is_array(v) {
        "an array".into()
    } else {
        v.js_typeof().as_string().unwrap_or_default()
    }
}

use js_sys::Array;

/// Property `key` of an option bag (`undefined` when the bag is undefined / null).
pub fn get(bag: &JsValue, key: &str) -> JsValue {
    if bag.is_undefined() || bag.is_null() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(bag, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Checks an options argument is an object (or absent).
pub fn options(bag: &JsValue, argument: &str) -> Result<()> {
    if bag.is_undefined() || bag.is_null() || (bag.is_object() && !Array::is_array(bag)) {
        Ok(())
    } else {
        Err(Error::invalid_argument(argument, format!("expected an options object, got {}", type_of(bag))))
    }
}

/// Optional string property.
pub fn opt_string(bag: &JsValue, key: &str) -> Result<Option<String>> {
    let v = get(bag, key);
    if v.is_undefined() || v.is_null() {
        Ok(None)
    } else {
        string(&v, key).map(Some)
    }
}

/// Optional boolean property.
pub fn opt_bool(bag: &JsValue, key: &str) -> Result<Option<bool>> {
    let v = get(bag, key);
    if v.is_undefined() || v.is_null() {
        Ok(None)
    } else {
        v.as_bool()
            .map(Some)
            .ok_or_else(|| Error::invalid_argument(key, format!("expected true or false, got {}", type_of(&v))))
    }
}

/// Optional non-negative integer property.
pub fn opt_u64(bag: &JsValue, key: &str) -> Result<Option<u64>> {
    let v = get(bag, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    match v.as_f64() {
        Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= 9.0e15 => Ok(Some(n as u64)),
        _ => Err(Error::invalid_argument(key, "expected a non-negative integer")),
    }
}

/// The environment: the given object's string properties, else `process.env` where it exists.
pub fn env(v: &JsValue) -> Result<Env> {
    let source = if v.is_undefined() || v.is_null() {
        let process = Reflect::get(&js_sys::global(), &JsValue::from_str("process")).unwrap_or(JsValue::UNDEFINED);
        let env = get(&process, "env");
        if env.is_undefined() || env.is_null() {
            return Ok(Env::new());
        }
        env
    } else if v.is_object() && !Array::is_array(v) {
        v.clone()
    } else {
        return Err(Error::invalid_argument("env", format!("expected an object of variables, got {}", type_of(v))));
    };
    let mut env = Env::new();
    let entries = Object::entries(source.unchecked_ref());
    for entry in entries.iter() {
        let pair: Array = entry.unchecked_into();
        if let (Some(k), Some(val)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
            env.insert(k, val);
        }
    }
    Ok(env)
}

/// Bytes of a body: a string (UTF-8), a Uint8Array, an ArrayBuffer, or nothing.
pub fn body(v: &JsValue) -> Result<Vec<u8>> {
    if v.is_undefined() || v.is_null() {
        Ok(Vec::new())
    } else if let Some(s) = v.as_string() {
        Ok(s.into_bytes())
    } else if let Some(a) = v.dyn_ref::<js_sys::Uint8Array>() {
        Ok(a.to_vec())
    } else if let Some(b) = v.dyn_ref::<js_sys::ArrayBuffer>() {
        Ok(js_sys::Uint8Array::new(b).to_vec())
    } else {
        Err(Error::invalid_argument("body", format!("expected a string or Uint8Array, got {}", type_of(v))))
    }
}

/// Headers as pairs: from a plain object, an array of `[name, value]` pairs, or anything with
/// `entries()` (a `Headers` instance, a `Map`).
pub fn headers(v: &JsValue) -> Result<Vec<(String, String)>> {
    if v.is_undefined() || v.is_null() {
        return Ok(Vec::new());
    }
    let bad = || {
        Error::invalid_argument("headers", "expected an object of strings, an array of [name, value] pairs, or Headers")
    };
    let pairs: Array = if Array::is_array(v) {
        v.clone().unchecked_into()
    } else if v.is_object() {
        let proto = Object::get_prototype_of(v);
        let plain = proto.is_null() || Object::is(&proto, &Object::get_prototype_of(&Object::new()));
        match get(v, "entries").dyn_ref::<js_sys::Function>() {
            Some(entries) if !plain => Array::from(&entries.call0(v).map_err(|_| bad())?),
            _ => Object::entries(v.unchecked_ref()),
        }
    } else {
        return Err(bad());
    };
    let mut out = Vec::with_capacity(pairs.length() as usize);
    for p in pairs.iter() {
        if !Array::is_array(&p) {
            return Err(bad());
        }
        let p: Array = p.unchecked_into();
        let name = p.get(0).as_string().ok_or_else(bad)?;
        let value = p.get(1);
        let value = value
            .as_string()
            .or_else(|| value.as_f64().and_then(|_| js_sys::JSON::stringify(&value).ok()?.as_string()))
            .ok_or_else(bad)?;
        out.push((name, value));
    }
    Ok(out)
}
