//! The compiler as a database of files, and the questions asked of it.
//!
//! [`Database`] holds the files of one description (the standard library first), parses each
//! once per text, and compiles the whole into a [`Snapshot`]: the diagnostics and platform the
//! command line reports and writes, plus what an editor needs while the description is being
//! typed: the tree of every file (broken ones included), the recorded resolution of every name,
//! and as much model as the description yields. The questions are methods of the snapshot:
//! what is at an offset, where a name is declared and used, hover text, completions, renames,
//! symbols, quick fixes, `why` and expired environments.
//!
//! Pure: no file system, no terminal, no clock. The command line and the language server are
//! its two callers.

mod complete;
mod db;
pub mod expired;
mod fixes;
mod highlight;
mod hover;
mod locate;
mod navigate;
pub mod stdlib;
pub mod why;

pub use complete::{Completion, CompletionKind};
pub use db::{Compilation, Database, Options, Snapshot, Timings};
pub use fixes::Fix;
pub use highlight::{Highlight, HighlightKind};
pub use hover::Hover;
pub use locate::{Located, Part};
pub use navigate::{Edit, NameAt, Symbol};
