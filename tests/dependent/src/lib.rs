//! An application of its own, with its own serde_json use next to magnus-s3's API.

/// A struct that flattens a map next to an `f64`: with serde_json's `arbitrary_precision` on
/// (as feature unification would switch it on if magnus-s3 asked for it) this fails with
/// "invalid type: map, expected f64".
#[derive(Debug, serde::Deserialize)]
pub struct Reading {
    /// A float field.
    pub value: f64,
    /// Everything else.
    #[serde(flatten)]
    pub rest: serde_json::Map<String, serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_json_keeps_its_ordinary_behaviour() {
        let r: Reading = serde_json::from_str(r#"{"value": 1.5, "unit": "s"}"#).unwrap();
        assert_eq!(r.value, 1.5);
        assert_eq!(r.rest["unit"], "s");
        // no preserve_order: serde_json's map is sorted
        let v: serde_json::Value = serde_json::from_str(r#"{"b": 1, "a": 2}"#).unwrap();
        assert_eq!(v.as_object().unwrap().keys().collect::<Vec<_>>(), ["a", "b"]);
        // no arbitrary_precision: an out-of-range float is an error, not kept as text
        assert!(serde_json::from_str::<serde_json::Value>("1e400").is_err());
    }

    #[test]
    fn magnus_s3_keeps_order_and_number_text_on_its_own() {
        let log = magnus_s3::RunLog::from_json_bytes(br#"{"run_id": "r", "parameters": {"b": 1.0, "a": 1e400}}"#).unwrap();
        let text = String::from_utf8(log.to_json_bytes()).unwrap();
        assert!(text.contains("\"b\": 1.0,\n        \"a\": Infinity"), "{text}");
        // and its values cross into the application's serde_json through serde
        let v = serde_json::to_value(&log.parameters).unwrap();
        assert_eq!(v["b"], 1.0);
    }
}
