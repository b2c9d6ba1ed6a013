//! Source stage: turns paths and stdin into [`SourceFile`]s held by a [`SourceMap`].
//!
//! Every text read is kept for the rest of the run so diagnostics can show snippets.

mod span;
mod walk;

pub use span::{Pos, Span};
pub use walk::{collect_inputs, Input, InputError};

use std::sync::{Arc, OnceLock};

/// Index of a file in the [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// One input file (or stdin) as read.
#[derive(Debug)]
pub struct SourceFile {
    pub id: FileId,
    /// The path as the user named it (or as found under a named directory); `<stdin>` for `-`.
    pub path: String,
    /// The text with any UTF-8 byte-order mark removed. Empty when the file was refused.
    pub text: String,
    /// Byte offsets of line starts, built on first use (only files with findings need it).
    line_starts: OnceLock<Vec<usize>>,
}

impl SourceFile {
    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }

    /// The 1-based line `line` without its line terminator, if it exists.
    pub fn line(&self, line: u32) -> Option<&str> {
        let starts = self.line_starts();
        let idx = usize::try_from(line).ok()?.checked_sub(1)?;
        let start = *starts.get(idx)?;
        let end = starts.get(idx + 1).map_or(self.text.len(), |e| e - 1);
        let text = self.text.get(start..end)?;
        Some(text.strip_suffix('\r').unwrap_or(text))
    }
}

impl SourceFile {
    /// The position of 1-based `line` and character column `col`, with its byte offset; a
    /// column past the end of the line stops at the line's end.
    pub fn pos(&self, line: u32, col: u32) -> Pos {
        let start = usize::try_from(line)
            .ok()
            .and_then(|l| l.checked_sub(1))
            .and_then(|i| self.line_starts().get(i).copied())
            .unwrap_or(self.text.len());
        let rest = &self.text[start..];
        let rest = &rest[..rest.find('\n').unwrap_or(rest.len())];
        let chars = usize::try_from(col.saturating_sub(1)).unwrap_or(usize::MAX);
        let within = rest
            .char_indices()
            .nth(chars)
            .map_or(rest.len(), |(i, _)| i);
        Pos::new(line, col, start + within)
    }
}

/// All files of one run, indexed by [`FileId`]. Shared read-only once loading is over.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<Arc<SourceFile>>,
}

impl SourceMap {
    pub fn add(&mut self, path: String, text: String) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(Arc::new(SourceFile {
            id,
            path,
            text,
            line_starts: OnceLock::new(),
        }));
        id
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
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

/// Why a file's bytes could not be taken as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// More bytes than the configured limit.
    TooLarge { size: u64, limit: u64 },
    /// A NUL byte: almost certainly not a text file.
    Binary,
    /// A UTF-16 byte-order mark: text, but not in the encoding manifests use.
    Utf16,
    /// Not UTF-8; `line`/`column` locate the first bad byte.
    /// Where the first invalid byte is: line, column and byte offset in the file.
    InvalidUtf8 {
        line: u32,
        column: u32,
        offset: usize,
    },
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
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..'\u{feff}'.len_utf8());
            }
            Ok(text)
        }
        Err(err) => {
            let valid = err.utf8_error().valid_up_to();
            let prefix = &err.as_bytes()[..valid];
            let line = prefix.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = prefix
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
            let column = String::from_utf8_lossy(&prefix[line_start..])
                .chars()
                .count()
                + 1;
            Err(Refusal::InvalidUtf8 {
                line: u32::try_from(line).unwrap_or(u32::MAX),
                column: u32::try_from(column).unwrap_or(u32::MAX),
                offset: valid,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_by_number() {
        let mut map = SourceMap::default();
        let id = map.add("f".into(), "a: 1\r\nb: 2\n\nlast".into());
        let f = map.get(id);
        assert_eq!(f.line(1), Some("a: 1"));
        assert_eq!(f.line(2), Some("b: 2"));
        assert_eq!(f.line(3), Some(""));
        assert_eq!(f.line(4), Some("last"));
        assert_eq!(f.line(5), None);
        assert_eq!(f.line(0), None);
    }

    #[test]
    fn strips_bom_and_refuses_binary_and_bad_utf8() {
        assert_eq!(decode(b"\xef\xbb\xbfa: 1".to_vec()).unwrap(), "a: 1");
        assert_eq!(decode(b"a\0b".to_vec()), Err(Refusal::Binary));
        assert_eq!(decode(b"\xff\xfea\0:\0".to_vec()), Err(Refusal::Utf16));
        assert_eq!(
            decode(b"a: 1\nb: \xff".to_vec()),
            Err(Refusal::InvalidUtf8 {
                line: 2,
                column: 4,
                offset: 8
            })
        );
    }
}
