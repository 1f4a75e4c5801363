//! Reader and writer against Python's behaviour.
use super::*;
use crate::error::Error;
use crate::value::Value;

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
    let py = |t: &str| String::from_utf8(to_vec(&Value::Number(crate::value::Number::parse(t).unwrap()))).unwrap();
    assert_eq!(py("12345678901234567890123"), "12345678901234567890123");
    assert_eq!(py("-0"), "0");
    assert_eq!(py("1E5"), "100000.0");
    assert_eq!(py("1.50"), "1.5");
    assert_eq!(py("1e400"), "Infinity");
    assert_eq!(py("-0.0"), "-0.0");
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
        let theirs: serde_json::Value = serde_json::from_str(d).unwrap();
        // Same text when both are written compactly (serde_json sorts keys: compare sorted forms).
        let back: serde_json::Value = serde_json::from_str(&to_compact_string(&ours)).unwrap();
        assert_eq!(back, theirs, "{d}");
    }
}

#[test]
fn unpaired_surrogates_are_kept_as_python_keeps_them() {
    for text in [r#""\ud800""#, r#""x\udbff""#, r#""\ud800\u0041""#, r#""\udc00\ud800""#, r#""a\ud83d\ude80\udc00""#] {
        let v = parse_str(text).unwrap();
        assert!(matches!(v, Value::Utf16(_)), "{text}");
        // written back as the same escapes (lower-case, as Python's ensure_ascii writes them)
        let py = String::from_utf8(to_vec(&v)).unwrap();
        assert_eq!(py, text.replace("\\u0041", "A"), "{text}");
        assert_eq!(parse_str(&to_compact_string(&v)).unwrap(), v);
    }
    assert_ne!(parse_str(r#""x\ud800""#).unwrap(), parse_str(r#""x\udbff""#).unwrap());
    // a valid pair stays a plain string
    assert_eq!(parse_str(r#""\ud83d\ude80""#).unwrap(), Value::from("🚀"));
    assert_eq!(
        parse_with(r#""\ud800""#, Surrogates::Refuse).unwrap_err().what,
        "unpaired surrogate escape (malformed UTF-16)"
    );
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

#[test]
fn indent_past_sixteen_levels_keeps_growing_by_four() {
    let v = Value::parse(&format!("{}1{}", "[".repeat(20), "]".repeat(20))).unwrap();
    let text = String::from_utf8(to_vec(&v)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    for (depth, line) in lines.iter().take(21).enumerate() {
        let want = if depth < 20 { "[" } else { "1" };
        assert_eq!(*line, format!("{}{want}", " ".repeat(4 * depth)), "line {depth}");
    }
}
