//! # magnus-s3
//!
//! The S3 run log store of the [magnus](https://pypi.org/project/magnus/) pipeline
//! orchestrator, for native Rust and WebAssembly hosts (Node, Cloudflare Workers, Lambda,
//! browsers).
//!
//! The crate is a pure core with one IO seam:
//! - [`model`], [`pyjson`], [`names`]: the run log, magnus-exact JSON, internal-name paths;
//! - [`config`], [`credentials`], [`signing`], [`dates`], [`s3`]: configuration, credentials from an
//!   explicit environment map, SigV4 and the dates it reads, S3 requests and answers as data,
//!   [`sts`]: `AssumeRole` as data;
//! - [`transport`]: the only IO (reqwest: host `fetch` on wasm32);
//! - [`store`]: the async store that ties them together;
//! - `wasm` (wasm32 only): the JavaScript API.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod config;
pub mod credentials;
pub mod dates;
pub mod error;
pub mod layout;
pub mod model;
pub mod names;
pub mod pyjson;
pub mod s3;
pub mod signing;
pub mod store;
pub mod sts;
pub mod transport;
pub mod value;

#[cfg(target_arch = "wasm32")]
mod wasm;

pub use config::{Config, Layout};
pub use credentials::{Credentials, Env};
pub use error::{Error, Result};
pub use model::{BranchLog, CodeIdentity, DataCatalog, RunLog, StepAttempt, StepLog};
pub use store::{ListOptions, NewRunLog, RunLogSummary, S3RunLogStore, WritePolicy};
pub use value::{Map, Number, Value};

// Talc instead of std's dlmalloc on wasm32: smaller (about 1.5 KB gzip) and faster.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
