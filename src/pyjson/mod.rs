//! magnus-exact JSON: the writer reproduces Python's `json.dumps(obj, indent=4, ensure_ascii=True)`
//! byte for byte, and the reader accepts what magnus's S3 store accepts (`json.load` on bytes:
//! UTF-8 with or without BOM, UTF-16, UTF-32, compact or pretty, `NaN` / `Infinity`, unpaired
//! surrogate escapes).
//!
//! Values are the crate's own [`crate::value::Value`]: numbers keep their source text, so big
//! integers stay exact and `1.0` stays a float; floats are written in Python's `repr` form
//! (`1e-07`, `2.5`).

mod read;
mod write;

pub use read::{decode, parse, parse_str, parse_with, Surrogates, SyntaxError, MAX_DEPTH};
pub use write::{parse_f64, python_float_repr, to_compact_string, to_raw_string, to_vec, Mode, ToJson, Writer};

#[cfg(test)]
mod tests;
