//! The driver: the only library that touches the file system.
//!
//! It discovers a platform's `.kdl` files, adds the embedded standard library, parses every file
//! in parallel, analyses the whole, runs the backends, and writes the output tree atomically.
//! Commands in `idpc-cli` are thin layers over [`load`], [`compile`], [`emit`] and [`write`].

#![expect(clippy::disallowed_methods, reason = "this crate owns file-system I/O")]

mod pipeline;
pub mod stdlib;
mod workspace;
mod write;

pub use idpc_backends::{Artifact, Family};
pub use pipeline::{Compilation, Timings, compile, emit};
pub use workspace::{LoadError, Loaded, SourceText, load};
pub use write::{TreeDifference, WriteReport, check_tree, read_tree, write_tree};
