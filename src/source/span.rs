//! Where a node is in its file's text. A span is two byte offsets, so node trees stay
//! small; line and column, for people, are worked out from the file's text when a report
//! needs them ([`SourceFile::line_col`](super::SourceFile::line_col)).

/// A byte range of a file's text (after a UTF-8 BOM, which the source stage strips), start
/// inclusive, end exclusive. Ordered by start, so sorting spans sorts by line and column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: offset(start),
            end: offset(end),
        }
    }

    /// An empty span at byte `at`, for problems with a place but no node (a syntax error).
    pub fn point(at: usize) -> Span {
        Span::new(at, at)
    }

    /// Whether `other` lies within this span.
    pub fn contains(&self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// The byte range of the span in its file's text.
    pub fn bytes(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Offsets are kept in 32 bits: files are bounded well below 4 GiB (`--max-file-size`).
pub(super) fn offset(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
}

/// A position for people: 1-based line, 1-based column counted in characters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

impl LineCol {
    /// The line and column of byte `offset` of `text`, by a scan of the text: for a
    /// position met while reading, before the file has a line index.
    pub fn of(text: &str, offset: u32) -> LineCol {
        let offset = (offset as usize).min(text.len());
        let head = text.as_bytes().get(..offset).unwrap_or_default();
        let line = head.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = head.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        LineCol::within(text, line, line_start, offset)
    }

    /// The line and column of byte `offset` of an ASCII text whose line `line` starts at
    /// byte `line_start`: one byte, one column.
    pub(super) fn ascii(line: usize, line_start: usize, offset: usize) -> LineCol {
        LineCol {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            col: u32::try_from(offset.saturating_sub(line_start) + 1).unwrap_or(u32::MAX),
        }
    }

    /// The line and column of byte `offset` of `text`, whose line `line` starts at byte
    /// `line_start`; an offset inside a character counts from that character, one past
    /// the text is the end.
    pub(super) fn within(text: &str, line: usize, line_start: usize, offset: usize) -> LineCol {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let head = text.get(line_start..offset).unwrap_or_default();
        LineCol {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            col: u32::try_from(head.chars().count() + 1).unwrap_or(u32::MAX),
        }
    }
}
