//! Between the compiler's byte spans and the protocol's positions and URIs.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use idpc_diagnostics::{FileId, Sources, Span};
use lsp_types::{Position, Range, Uri};

/// How the client counts columns: UTF-16 code units (the protocol's default) or bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Utf8,
    Utf16,
}

/// The position of a byte offset in a file.
pub(crate) fn position(
    sources: &Sources,
    file: FileId,
    offset: u32,
    encoding: Encoding,
) -> Position {
    let Some(source) = sources.get(file) else { return Position::new(0, 0) };
    let offset = (offset as usize).min(source.text.len());
    let line = source.line_of(offset);
    let start = source.line_range(line).start;
    let before = source.text.get(start..offset).unwrap_or_default();
    let character = match encoding {
        Encoding::Utf8 => before.len(),
        Encoding::Utf16 => before.chars().map(char::len_utf16).sum(),
    };
    Position::new(to_u32(line), to_u32(character))
}

/// The range of a span.
pub(crate) fn range(sources: &Sources, span: Span, encoding: Encoding) -> Range {
    Range::new(
        position(sources, span.file, span.start, encoding),
        position(sources, span.file, span.end, encoding),
    )
}

/// The byte offset of a position in a file (clamped to the line and the file).
pub(crate) fn offset(
    sources: &Sources,
    file: FileId,
    position: Position,
    encoding: Encoding,
) -> u32 {
    let Some(source) = sources.get(file) else { return 0 };
    let line = position.line as usize;
    if line >= source.line_count() {
        return to_u32(source.text.len());
    }
    let range = source.line_range(line);
    let text = source.text.get(range.clone()).unwrap_or_default();
    let mut units = 0usize;
    for (i, c) in text.char_indices() {
        if units >= position.character as usize {
            return to_u32(range.start + i);
        }
        units += match encoding {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        };
    }
    to_u32(range.end)
}

/// The file-system path of a `file:` URI.
pub(crate) fn path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = rest.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok().map(PathBuf::from)
}

/// The `file:` URI of a path.
pub(crate) fn uri(path: &Path) -> Option<Uri> {
    let mut text = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            text.push(char::from(byte));
        } else {
            text.push_str(&format!("%{byte:02X}"));
        }
    }
    Uri::from_str(&text).ok()
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_columns_count_code_units() {
        let mut sources = Sources::new();
        let file = sources.add("a.kdl", "a \"é😀x\"\nb\n");
        let x = "a \"é😀".len() as u32;
        let p = position(&sources, file, x, Encoding::Utf16);
        assert_eq!(p, Position::new(0, 6));
        assert_eq!(offset(&sources, file, p, Encoding::Utf16), x);
        assert_eq!(position(&sources, file, x, Encoding::Utf8), Position::new(0, x));
        assert_eq!(offset(&sources, file, Position::new(1, 0), Encoding::Utf8), x + 3);
    }

    #[test]
    fn uris_round_trip_paths_with_spaces() {
        let p = Path::new("/tmp/my platform/a.kdl");
        let u = uri(p).unwrap();
        assert_eq!(u.as_str(), "file:///tmp/my%20platform/a.kdl");
        assert_eq!(path(&u).unwrap(), p);
    }
}
