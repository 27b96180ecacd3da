//! The table of source files of one compilation: display path, text and line index.

use std::sync::{Arc, OnceLock};

use crate::span::{FileId, Span};

/// One source file: its path as shown to users (relative, `/`-separated) and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path shown in diagnostics, relative to the platform root (`<stdlib>/…` for stdlib).
    pub path: String,
    /// The full text.
    pub text: Arc<str>,
    /// Where each line starts, found when first asked: most files of a description that
    /// checks cleanly are never asked.
    line_starts: OnceLock<Vec<u32>>,
}

/// A 1-based line and column; the column counts characters, not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl SourceFile {
    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| line_starts(&self.text))
    }

    /// The 0-based line that holds a byte offset (offsets past the end are on the last line).
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = u32::try_from(offset).unwrap_or(u32::MAX);
        self.line_starts().partition_point(|&start| start <= offset).max(1) - 1
    }

    /// The number of lines.
    pub fn line_count(&self) -> usize {
        self.line_starts().len()
    }

    /// The byte range of a 0-based line, without its line break (`\n` or `\r\n`).
    pub fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let starts = self.line_starts();
        let start = starts.get(line).map_or(self.text.len(), |&s| s as usize);
        let mut end = starts.get(line + 1).map_or(self.text.len(), |&s| s as usize);
        let bytes = self.text.as_bytes();
        if end > start && bytes.get(end - 1) == Some(&b'\n') {
            end -= 1;
            if end > start && bytes.get(end - 1) == Some(&b'\r') {
                end -= 1;
            }
        }
        start..end
    }
}

/// The number of characters in UTF-8 bytes: the bytes that do not continue a character. Linear
/// and fast on very long lines.
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

/// All source files of one compilation, indexed by [`FileId`].
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    /// An empty table.
    pub fn new() -> Sources {
        Sources::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, path: impl Into<String>, text: impl Into<Arc<str>>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        let line_starts = OnceLock::new();
        self.files.push(SourceFile { path: path.into(), text: text.into(), line_starts });
        id
    }

    /// Replaces the text of a file, keeping its id and path (an editor's change). Does nothing
    /// for an unknown id.
    pub fn replace(&mut self, file: FileId, text: impl Into<Arc<str>>) {
        if let Some(slot) = self.files.get_mut(file.0 as usize) {
            slot.text = text.into();
            slot.line_starts = OnceLock::new();
        }
    }

    /// The file with this id, if any.
    pub fn get(&self, file: FileId) -> Option<&SourceFile> {
        self.files.get(file.0 as usize)
    }

    /// All files with their ids, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(u32::try_from(i).unwrap_or(0)), f))
    }

    /// The number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The same files with each path mapped by `map`, so that paths relative to the
    /// description's root read relative to another directory (`services/a.kdl` to
    /// `platform/services/a.kdl`). Paths that begin with `<` name embedded files (`<stdlib>/…`)
    /// and stay as they are.
    pub fn rebased(self, map: impl Fn(&str) -> String) -> Sources {
        let mut files = self.files;
        for file in files.iter_mut().filter(|f| !f.path.starts_with('<')) {
            file.path = map(&file.path);
        }
        Sources { files }
    }

    /// The display path of a file (`?` for an unknown id).
    pub fn path(&self, file: FileId) -> &str {
        self.get(file).map_or("?", |f| f.path.as_str())
    }

    /// The text a span covers (empty if the span is out of range).
    pub fn snippet(&self, span: Span) -> &str {
        self.get(span.file)
            .and_then(|f| f.text.get(span.start as usize..span.end as usize))
            .unwrap_or("")
    }

    /// The line and column of a byte offset.
    pub fn line_col(&self, file: FileId, offset: u32) -> LineCol {
        let Some(source) = self.get(file) else { return LineCol { line: 1, column: 1 } };
        let starts = source.line_starts();
        let line_idx = starts.partition_point(|&start| start <= offset).max(1) - 1;
        let line_start = starts[line_idx] as usize;
        let end = (offset as usize).min(source.text.len());
        let column = source.text.as_bytes().get(line_start..end).map_or(0, count_chars);
        LineCol {
            line: u32::try_from(line_idx + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }
}

/// Where each line of `text` starts: 0 (or after a byte-order mark, which no editor shows as a
/// column), and one past each line break, found by a vectorised search.
fn line_starts(text: &str) -> Vec<u32> {
    let first = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut starts = vec![first];
    starts.extend(
        memchr::memchr_iter(b'\n', text.as_bytes())
            .map(|i| u32::try_from(i + 1).unwrap_or(u32::MAX)),
    );
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_is_not_a_column() {
        let mut sources = Sources::new();
        let text = "\u{feff}team \"t\"\nx";
        let file = sources.add("a.kdl", text);
        let at = |offset: usize| sources.line_col(file, u32::try_from(offset).unwrap());
        assert_eq!(at(text.find("team").unwrap()), LineCol { line: 1, column: 1 });
        assert_eq!(at(text.find("\"t").unwrap()), LineCol { line: 1, column: 6 });
        assert_eq!(at(text.find('x').unwrap()), LineCol { line: 2, column: 1 });
        assert_eq!(at(0), LineCol { line: 1, column: 1 });
        let source = sources.get(file).unwrap();
        assert_eq!(&text[source.line_range(0)], "team \"t\"");
    }

    #[test]
    fn lines_and_columns_count_from_one_after_every_line_break() {
        let mut sources = Sources::default();
        let text = "ab\ncé\r\n\nlast";
        let file = sources.add("x.kdl", text);
        assert_eq!(line_starts(text), [0, 3, 8, 9]);
        let at = |offset: u32| {
            let LineCol { line, column } = sources.line_col(file, offset);
            (line, column)
        };
        assert_eq!(at(0), (1, 1));
        assert_eq!(at(2), (1, 3));
        assert_eq!(at(3), (2, 1));
        // Columns count characters: `é` is two bytes.
        assert_eq!(at(6), (2, 3));
        assert_eq!(at(8), (3, 1));
        assert_eq!(at(12), (4, 4));
        assert_eq!(line_starts(""), [0]);
    }
}
