//! # magnus-s3
//!
//! The S3 run log store of the [magnus](https://pypi.org/project/magnus/) pipeline
//! orchestrator, for native Rust and WebAssembly hosts (Node, Cloudflare Workers, Lambda,
//! browsers).
//!
//! The crate is a pure core with one IO seam (see ARCHITECTURE.md):
//! - [`value`], [`pyjson`], [`model`], [`names`]: JSON values that keep what Python keeps,
//!   magnus-exact JSON, the run log, internal-name paths;
//! - [`config`], [`credentials`], [`signing`], [`dates`], [`http`], [`s3`], [`sts`]:
//!   configuration, credentials from an explicit environment map, SigV4 and the dates it reads,
//!   requests and answers as data;
//! - [`layout`]: how a run log is laid out in the bucket (pure naming and assembly);
//! - [`host`]: the only IO (network, clock, timers, randomness, files), behind one trait;
//! - [`store`]: the async store that ties them together;
//! - `wasm` (feature `js`, wasm32): the npm package's bindings, whose IO the JavaScript side does.
//!
//! Foreign types in the public API, by choice: `std` types, and `serde`'s traits (implemented
//! by the model and value types). Nothing of serde_json, indexmap, http or aws-sigv4 is exposed.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod config;
pub mod credentials;
pub mod dates;
pub mod error;
pub mod host;
pub mod http;
pub mod index;
pub mod layout;
pub mod model;
pub mod names;
pub mod pyjson;
pub mod reconcile;
pub mod s3;
pub mod signing;
pub mod store;
pub mod sts;
pub mod value;
pub mod verbatim;

#[cfg(all(target_arch = "wasm32", feature = "js"))]
mod wasm;

pub use config::{Config, Layout};
pub use credentials::{Credentials, Env};
pub use error::{Error, Result};
pub use index::{IndexedRun, ReindexReport, RunPage, RunQuery};
pub use model::{BranchLog, CodeIdentity, DataCatalog, RunLog, StepAttempt, StepLog};
pub use store::{JsRead, ListOptions, NewRunLog, RunLogSummary, S3RunLogStore, WritePolicy};
pub use value::{Map, Number, Value};

/// The README's Rust example, compiled as a doctest so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

// The npm package's allocator: talc instead of std's dlmalloc (smaller, about 1.5 KB gzip, and
// faster). Only with feature `js`: a library must not choose the allocator of other programs.
#[cfg(all(target_arch = "wasm32", feature = "js", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
