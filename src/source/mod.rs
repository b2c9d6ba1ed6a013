//! Source stage: turns paths and stdin into [`SourceFile`]s held by a [`SourceMap`].
//!
//! A text read from a file on disk is not kept: its file keeps a table of line starts (for
//! line and column) and a fingerprint, and the text is read back on demand for the few files
//! a report shows snippets, fixes or fingerprints of ([`ReadBack`]). Texts that cannot be
//! read again (stdin, request bodies, rendered output) are kept for the run.

mod list;
mod readback;
mod root;
mod span;
mod suggest;
mod typos;
mod walk;

pub use list::{listed, MAX_LISTED};
pub use readback::ReadBack;
pub use root::{RepoRoot, STDIN};
pub use span::{LineCol, Span};
pub use suggest::{did_you_mean, nearest, sole_typo_of};
pub use typos::Typos;
pub use walk::{collect_inputs, collect_inputs_noting, Input, InputError, Skipped};

use std::sync::{Arc, OnceLock};

/// Index of a file in the [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// What a [`SourceMap`] holds of a file's text.
#[derive(Debug)]
pub enum Contents {
    /// The text itself (with any UTF-8 byte-order mark removed; empty when the file was
    /// refused), kept for the run: it cannot be read again.
    Kept(String),
    /// Only what reading the text back needs, and its line table.
    ReadBack(ReadBack),
}

impl From<String> for Contents {
    fn from(text: String) -> Self {
        Contents::Kept(text)
    }
}

/// One input file (or stdin) as read.
#[derive(Debug)]
pub struct SourceFile {
    pub id: FileId,
    /// The path as the user named it (or as found under a named directory); `<stdin>` for `-`.
    pub path: String,
    contents: Contents,
    /// Byte offsets of line starts of a kept text, built on first use (only files with
    /// findings need it); a text read back has its own, built when it was read.
    line_starts: OnceLock<Box<[u32]>>,
}

impl SourceFile {
    /// The text the file was read as (after a UTF-8 byte-order mark), or `None` when it was
    /// not kept and the file no longer holds it (changed or removed since): nothing of a
    /// changed file is shown or fixed.
    pub fn text(&self) -> Option<&str> {
        match &self.contents {
            Contents::Kept(text) => Some(text),
            Contents::ReadBack(back) => back.text(),
        }
    }

    /// The length in bytes of the text the file was read as.
    pub fn len(&self) -> usize {
        match &self.contents {
            Contents::Kept(text) => text.len(),
            Contents::ReadBack(back) => back.len(),
        }
    }

    /// Whether the file's text was empty (or refused).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn line_starts(&self) -> &[u32] {
        match &self.contents {
            Contents::Kept(text) => self.line_starts.get_or_init(|| line_starts(text)),
            Contents::ReadBack(back) => &back.line_starts,
        }
    }

    /// The byte range of 0-based line `index`, without its `\n`.
    fn line_range(&self, index: usize) -> Option<std::ops::Range<usize>> {
        let starts = self.line_starts();
        let start = *starts.get(index)? as usize;
        let end = starts
            .get(index + 1)
            .map_or(self.len(), |&e| e as usize - 1);
        Some(start..end)
    }

    /// The 1-based line `line` without its line terminator, if it exists (and the text is
    /// at hand).
    pub fn line(&self, line: u32) -> Option<&str> {
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        let text = self.text()?.get(self.line_range(index)?)?;
        Some(text.strip_suffix('\r').unwrap_or(text))
    }

    /// The line and column of byte `offset`.
    pub fn line_col(&self, offset: u32) -> LineCol {
        let starts = self.line_starts();
        let index = starts.partition_point(|&start| start <= offset).max(1) - 1;
        let start = starts[index] as usize;
        match &self.contents {
            Contents::Kept(text) => LineCol::within(text, index + 1, start, offset as usize),
            // Read-back texts are ASCII: a column is a byte count.
            Contents::ReadBack(back) => {
                LineCol::ascii(index + 1, start, (offset as usize).min(back.len()))
            }
        }
    }

    /// The byte offset of 1-based `line` and character column `col`; a column past the end
    /// of the line stops at the line's end.
    pub fn offset(&self, line: u32, col: u32) -> usize {
        let range = usize::try_from(line)
            .ok()
            .and_then(|l| l.checked_sub(1))
            .and_then(|i| self.line_range(i))
            .unwrap_or(self.len()..self.len());
        let chars = usize::try_from(col.saturating_sub(1)).unwrap_or(usize::MAX);
        match &self.contents {
            Contents::Kept(text) => {
                let rest = &text[range.clone()];
                range.start
                    + rest
                        .char_indices()
                        .nth(chars)
                        .map_or(rest.len(), |(i, _)| i)
            }
            Contents::ReadBack(_) => range.start + chars.min(range.len()),
        }
    }
}

/// The byte offsets at which the lines of `text` start, in an exact allocation: tables of
/// every file are kept for the run, and one grown by doubling would keep its slack.
fn line_starts(text: &str) -> Box<[u32]> {
    let lines = text.bytes().filter(|&b| b == b'\n').count();
    let mut starts = Vec::with_capacity(lines + 1);
    starts.push(0);
    starts.extend(text.match_indices('\n').map(|(i, _)| span::offset(i + 1)));
    starts.into_boxed_slice()
}

/// All files of one run, indexed by [`FileId`]. Shared read-only once loading is over.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<Arc<SourceFile>>,
}

impl SourceMap {
    /// Adds a file: a text is kept for the run, a [`ReadBack`] keeps only its line table.
    pub fn add(&mut self, path: String, contents: impl Into<Contents>) -> FileId {
        let contents = match contents.into() {
            Contents::Kept(text) => Contents::Kept(exact(text)),
            back => back,
        };
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(Arc::new(SourceFile {
            id,
            path,
            contents,
            line_starts: OnceLock::new(),
        }));
        id
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// The line and column of byte `offset` of file `id`.
    pub fn line_col(&self, id: FileId, offset: u32) -> LineCol {
        self.get(id).line_col(offset)
    }

    pub fn path(&self, id: FileId) -> &str {
        &self.get(id).path
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter().map(|f| f.as_ref())
    }
}

/// `text` in an allocation of its length: texts are kept for the whole run, and one read
/// into a buffer grown by doubling has half again its size in slack, which the allocator
/// (mimalloc) does not give back on `shrink_to_fit`.
fn exact(text: String) -> String {
    if text.capacity() == text.len() {
        text
    } else {
        text.as_str().to_owned()
    }
}

/// Why a file's bytes could not be taken as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// More bytes than the configured limit.
    TooLarge { size: u64, limit: u64 },
    /// A NUL byte: almost certainly not a text file.
    Binary,
    /// A UTF-16 byte-order mark: text, but not in the encoding manifests use.
    Utf16,
    /// Not UTF-8: the text before the first invalid byte, which ends where the error is
    /// (so a diagnostic can show and point at it).
    InvalidUtf8 { valid: String },
}

/// Decodes raw bytes into text: strips a UTF-8 BOM, refuses binary and invalid UTF-8.
pub fn decode(bytes: Vec<u8>) -> Result<String, Refusal> {
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(Refusal::Utf16);
    }
    let sniff = &bytes[..bytes.len().min(8192)];
    if sniff.contains(&0) {
        return Err(Refusal::Binary);
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(without_bom(text)),
        Err(err) => {
            let valid = err.utf8_error().valid_up_to();
            let mut bytes = err.into_bytes();
            bytes.truncate(valid);
            let valid = String::from_utf8(bytes).unwrap_or_default();
            Err(Refusal::InvalidUtf8 {
                valid: without_bom(valid),
            })
        }
    }
}

fn without_bom(mut text: String) -> String {
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_by_number() {
        let mut map = SourceMap::default();
        let id = map.add("f".into(), "a: 1\r\nb: 2\n\nlast".to_string());
        let f = map.get(id);
        assert_eq!(f.line(1), Some("a: 1"));
        assert_eq!(f.line(2), Some("b: 2"));
        assert_eq!(f.line(3), Some(""));
        assert_eq!(f.line(4), Some("last"));
        assert_eq!(f.line(5), None);
        assert_eq!(f.line(0), None);
    }

    #[test]
    fn texts_are_kept_without_spare_capacity() {
        let mut map = SourceMap::default();
        let mut text = String::with_capacity(64);
        text.push_str("a: 1\n");
        let id = map.add("f".into(), text);
        let Contents::Kept(kept) = &map.get(id).contents else {
            panic!("not kept")
        };
        assert_eq!((kept.as_str(), kept.capacity()), ("a: 1\n", 5));
    }

    #[test]
    fn strips_bom_and_refuses_binary_and_bad_utf8() {
        assert_eq!(decode(b"\xef\xbb\xbfa: 1".to_vec()).unwrap(), "a: 1");
        assert_eq!(decode(b"a\0b".to_vec()), Err(Refusal::Binary));
        assert_eq!(decode(b"\xff\xfea\0:\0".to_vec()), Err(Refusal::Utf16));
        assert_eq!(
            decode(b"a: 1\nb: \xff".to_vec()),
            Err(Refusal::InvalidUtf8 {
                valid: "a: 1\nb: ".to_string()
            })
        );
    }
}
