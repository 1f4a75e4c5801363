//! How a run log is laid out in the bucket: pure naming and (dis)assembly, no IO.
//!
//! - single (magnus's `s3` store): one object `<prefix>/<run_id>.json`; keys in [`crate::config`].
//! - chunked (magnus-extensions' `chunked-s3` names): see [`chunked`].

pub mod chunked;
