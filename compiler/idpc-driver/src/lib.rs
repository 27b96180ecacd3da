//! The driver: the only library that touches the file system.
//!
//! It discovers a platform's `.kdl` files, adds the embedded standard library, parses every file
//! in parallel, analyses the whole, runs the backends, and writes the output tree atomically.
//! Commands in `idpc-cli` are thin layers over [`load`], [`compile`], [`emit`] and [`write`];
//! [`scaffold`] renders and checks the new files of `idpc new`.

#![expect(clippy::disallowed_methods, reason = "this crate owns file-system I/O")]

pub mod live;
mod pipeline;
pub mod scaffold;
pub mod stdlib;
pub mod synth;
mod workspace;
mod write;

pub use idpc_backends::{Artifact, Family};
pub use pipeline::{Compilation, EmitError, Timings, compile, emit};
pub use workspace::{LoadError, Loaded, SourceText, load};
pub use write::{TreeDifference, WriteReport, check_tree, read_tree, write_tree};

/// Today's date in UTC, from the system clock.
pub fn today() -> idpc_ir::Date {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    idpc_ir::Date::from_days_since_epoch(i64::try_from(seconds / 86_400).unwrap_or(0))
}

/// The peak resident memory of this process in bytes, where the system reports it (Linux).
pub fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
