//! The part of a source file a diagnostic shows, prepared for miette.
//!
//! miette reads a label's lines by scanning its source from the start, which makes rendering
//! many diagnostics of a large file quadratic, and it draws whole lines, however long, with the
//! input's control characters as they are. An [`Excerpt`] is made per diagnostic from the line
//! index instead: only the labelled lines and one line of context around them, long lines cut to
//! a window around the labels (with `…` where they are cut), control characters shown escaped.
//! Labels are mapped into the excerpt; line numbers and the header's column stay the file's.

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use crate::sources::SourceFile;
use crate::span::Span;

/// Lines longer than this many bytes are cut to a window of about this size.
const MAX_LINE: usize = 240;
/// How much of a long line is shown before its first label.
const LEAD: usize = 80;
/// A label over more lines than this is drawn on its first line only.
const MAX_LABEL_LINES: usize = 12;
/// Lines of context above and below the labels.
const CONTEXT: usize = 1;
/// Labels at most this many lines apart are drawn in one piece, with the lines between.
const JOIN: usize = 6;

/// The lines of one file that a diagnostic shows.
#[derive(Debug)]
pub(crate) struct Excerpt {
    name: String,
    text: String,
    /// Runs of consecutive lines, in order.
    regions: Vec<Region>,
    /// Where each label starts in the file: (offset in the excerpt, 0-based line, 0-based column).
    starts: Vec<(usize, usize, usize)>,
}

#[derive(Debug)]
struct Region {
    /// The file's 0-based number of the first line.
    first_line: usize,
    /// Where each line starts in the excerpt, and where the region ends.
    line_starts: Vec<usize>,
    end: usize,
}

impl Excerpt {
    /// The excerpt of `file` for `spans`, and each span mapped into it.
    pub(crate) fn new(file: &SourceFile, path: &str, spans: &[Span]) -> (Excerpt, Vec<SourceSpan>) {
        let len = file.text.len();
        // Each label as a byte range and the lines it covers.
        let labels: Vec<(usize, usize, usize, usize)> = spans
            .iter()
            .map(|span| {
                let start = (span.start as usize).min(len);
                let mut end = (span.end as usize).clamp(start, len);
                let first = file.line_of(start);
                let mut last = file.line_of(end.saturating_sub(1).max(start));
                if last - first > MAX_LABEL_LINES {
                    end = file.line_range(first).end.max(start);
                    last = first;
                }
                (start, end, first, last)
            })
            .collect();
        let last_line = file.line_count().saturating_sub(1);
        let mut ranges: Vec<(usize, usize)> = labels
            .iter()
            .map(|&(_, _, first, last)| {
                (first.saturating_sub(CONTEXT), (last + CONTEXT).min(last_line))
            })
            .collect();
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (first, last) in ranges {
            match merged.last_mut() {
                Some(previous) if first <= previous.1 + 1 + JOIN => {
                    previous.1 = previous.1.max(last)
                }
                _ => merged.push((first, last)),
            }
        }

        let mut excerpt = Excerpt {
            name: escape(path),
            text: String::new(),
            regions: Vec::new(),
            starts: Vec::new(),
        };
        let mut mapped = vec![(usize::MAX, usize::MAX); labels.len()];
        for (first, last) in merged {
            let mut region = Region { first_line: first, line_starts: Vec::new(), end: 0 };
            for line in first..=last {
                region.line_starts.push(excerpt.text.len());
                let range = file.line_range(line);
                let anchor = labels
                    .iter()
                    .flat_map(|&(start, end, f, l)| {
                        [(f == line).then_some(start), (l == line).then_some(end)]
                    })
                    .flatten()
                    .min();
                let window = window(&file.text, range.clone(), anchor);
                let line_text = Line::write(&mut excerpt.text, &file.text, range, window);
                for (index, &(start, end, f, l)) in labels.iter().enumerate() {
                    if f == line {
                        mapped[index].0 = line_text.map(&file.text, start);
                        let column = file.text.as_bytes()[file.line_range(line).start..start]
                            .iter()
                            .filter(|&&b| (b & 0xC0) != 0x80)
                            .count();
                        excerpt.starts.push((mapped[index].0, line, column));
                    }
                    if l == line {
                        mapped[index].1 = line_text.map(&file.text, end);
                    }
                }
                excerpt.text.push('\n');
            }
            region.end = excerpt.text.len();
            excerpt.regions.push(region);
        }
        let spans = mapped
            .into_iter()
            .map(|(start, end)| {
                let start = start.min(excerpt.text.len());
                let end = end.clamp(start, excerpt.text.len());
                SourceSpan::new(start.into(), end - start)
            })
            .collect();
        (excerpt, spans)
    }
}

/// The byte window of a line to show: the whole line if it is short, else about [`MAX_LINE`]
/// bytes from a little before `anchor`, on character boundaries.
fn window(
    text: &str,
    line: std::ops::Range<usize>,
    anchor: Option<usize>,
) -> std::ops::Range<usize> {
    if line.len() <= MAX_LINE {
        return line;
    }
    let anchor = anchor.unwrap_or(line.start).clamp(line.start, line.end);
    let mut start = anchor.saturating_sub(LEAD).max(line.start);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (start + MAX_LINE).min(line.end);
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// One line as written into the excerpt.
struct Line {
    /// The shown window of the line in the file.
    window: std::ops::Range<usize>,
    /// Where the window's text starts and ends in the excerpt.
    start: usize,
    end: usize,
}

impl Line {
    fn write(
        out: &mut String,
        text: &str,
        line: std::ops::Range<usize>,
        window: std::ops::Range<usize>,
    ) -> Line {
        if window.start > line.start {
            out.push('…');
        }
        let start = out.len();
        for c in text[window.clone()].chars() {
            push_escaped(out, c);
        }
        let end = out.len();
        if window.end < line.end {
            out.push('…');
        }
        Line { window, start, end }
    }

    /// Where a byte offset of the file lands in the excerpt (clamped to the shown window).
    fn map(&self, text: &str, offset: usize) -> usize {
        if offset <= self.window.start {
            return self.start;
        }
        if offset >= self.window.end {
            return self.end;
        }
        let mut position = self.start;
        let mut scratch = String::new();
        for (i, c) in text[self.window.clone()].char_indices() {
            if self.window.start + i >= offset {
                break;
            }
            scratch.clear();
            push_escaped(&mut scratch, c);
            position += scratch.len();
        }
        position
    }
}

/// Writes a character as shown to a person: control characters (a terminal's escape sequences
/// among them) as `\u{…}` escapes, tabs as they are.
pub(crate) fn push_escaped(out: &mut String, c: char) {
    if c.is_control() && c != '\t' && c != '\n' {
        out.push_str(&c.escape_unicode().to_string());
    } else {
        out.push(c);
    }
}

/// A text as shown to a person: control characters escaped, newlines included.
pub(crate) fn escape(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\n' || c == '\t' {
            out.push(c);
        } else {
            push_escaped(&mut out, c);
        }
    }
    out
}

impl Excerpt {
    fn region_of(&self, offset: usize) -> Option<&Region> {
        self.regions
            .iter()
            .find(|r| offset < r.end || (offset == r.end && r.end == self.text.len()))
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let start = span.offset();
        let end = start + span.len();
        let region = self.region_of(start).ok_or(MietteError::OutOfBounds)?;
        let region_start = region.line_starts.first().copied().unwrap_or(0);
        if end > region.end || start < region_start {
            // A span across two regions: miette then draws them apart.
            return Err(MietteError::OutOfBounds);
        }
        let line_of =
            |offset: usize| region.line_starts.partition_point(|&s| s <= offset).max(1) - 1;
        let first = line_of(start).saturating_sub(context_lines_before);
        let last = (line_of(end.saturating_sub(1).max(start)) + context_lines_after)
            .min(region.line_starts.len() - 1);
        let data_start = region.line_starts[first];
        let data_end = region.line_starts.get(last + 1).copied().unwrap_or(region.end);
        let data = &self.text.as_bytes()[data_start..data_end];
        let line = region.first_line + first;
        let column = if context_lines_before == 0 {
            self.starts.iter().find(|(at, ..)| *at == start).map_or(0, |&(_, _, column)| column)
        } else {
            0
        };
        let line_count = region.first_line + last + 1;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            data,
            SourceSpan::new(data_start.into(), data_end - data_start),
            line,
            column,
            line_count,
        )))
    }
}
