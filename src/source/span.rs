//! Positions in a file's text, for people (line, column) and for tools (byte offsets).

/// A position in a file: 1-based line, 1-based column counted in characters, and the
/// 0-based byte offset into the file's text (after a UTF-8 BOM, which the source stage
/// strips). Line and column are for people; the offset is for tools that slice or edit the
/// text (SARIF regions, fixes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
    pub offset: u32,
}

impl Pos {
    pub fn new(line: u32, col: u32, offset: usize) -> Pos {
        Pos {
            line,
            col,
            offset: u32::try_from(offset).unwrap_or(u32::MAX),
        }
    }

    /// The position `chars` characters, `bytes` bytes further on the same line.
    pub fn advance(self, chars: usize, bytes: usize) -> Pos {
        let chars = u32::try_from(chars).unwrap_or(u32::MAX);
        let bytes = u32::try_from(bytes).unwrap_or(u32::MAX);
        Pos {
            line: self.line,
            col: self.col.saturating_add(chars),
            offset: self.offset.saturating_add(bytes),
        }
    }
}

/// The source range of a node, start inclusive, end exclusive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    /// An empty span at `at`, for problems with a place but no node (a syntax error).
    pub fn point(at: Pos) -> Span {
        Span { start: at, end: at }
    }

    /// The start of a file.
    pub fn file_start() -> Span {
        Span::point(Pos::new(1, 1, 0))
    }

    /// Whether `other` lies within this span.
    pub fn contains(&self, other: Span) -> bool {
        self.start.offset <= other.start.offset && other.end.offset <= self.end.offset
    }

    /// The byte range of the span in its file's text.
    pub fn bytes(&self) -> std::ops::Range<usize> {
        self.start.offset as usize..self.end.offset as usize
    }
}
