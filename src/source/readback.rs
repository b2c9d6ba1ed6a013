//! A text read from a file on disk, kept as what reading it back needs: nearly every file
//! of a large repository has no finding, so its text is never shown again, and keeping every
//! text would hold as much memory as the input.

use std::io::Read;
use std::path::PathBuf;
use std::sync::OnceLock;

/// How to read a file's text again and know it is the text that was checked.
#[derive(Debug)]
pub struct ReadBack {
    origin: PathBuf,
    len: u32,
    hash: u64,
    /// Where the lines of the text start: what line and column are read from.
    pub(super) line_starts: Box<[u32]>,
    back: OnceLock<Option<Box<str>>>,
}

impl ReadBack {
    /// What reading `text`, read from the file at `origin`, back needs; `None` when the text
    /// must be kept: one that is not ASCII (its columns count characters, which the line
    /// table alone does not give).
    pub fn of(origin: PathBuf, text: &str) -> Option<ReadBack> {
        if !text.is_ascii() {
            return None;
        }
        Some(ReadBack {
            origin,
            len: u32::try_from(text.len()).ok()?,
            hash: fingerprint(text.as_bytes()),
            line_starts: super::line_starts(text),
            back: OnceLock::new(),
        })
    }

    pub(super) fn len(&self) -> usize {
        self.len as usize
    }

    /// The text, read again on first use; `None` when the file no longer holds the text
    /// that was checked (changed, removed, unreadable).
    pub(super) fn text(&self) -> Option<&str> {
        self.back.get_or_init(|| self.read()).as_deref()
    }

    fn read(&self) -> Option<Box<str>> {
        // A byte-order mark, stripped when the file was read, and one byte more than the
        // text tell a longer file without reading all of it.
        let most = u64::from(self.len) + '\u{feff}'.len_utf8() as u64 + 1;
        // What is there now may be a pipe, which would block the report.
        if !std::fs::metadata(&self.origin).ok()?.is_file() {
            return None;
        }
        let mut bytes = Vec::new();
        std::fs::File::open(&self.origin)
            .ok()?
            .take(most)
            .read_to_end(&mut bytes)
            .ok()?;
        let text = super::decode(bytes).ok()?;
        (text.len() == self.len() && fingerprint(text.as_bytes()) == self.hash)
            .then(|| text.into_boxed_str())
    }
}

/// A cheap 64-bit fingerprint of `bytes` (FxHash's word step), to tell a file that changed
/// since it was checked; not a defence against a crafted collision, which would only show
/// a snippet of the new text.
fn fingerprint(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let step = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(K);
    let mut words = bytes.chunks_exact(8);
    let mut h = words.by_ref().fold(0, |h, w| {
        step(h, u64::from_le_bytes(w.try_into().unwrap_or_default()))
    });
    for &b in words.remainder() {
        h = step(h, u64::from(b));
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Contents, SourceMap};

    fn read_back(dir: &tempfile::TempDir, text: &str) -> (SourceMap, PathBuf) {
        let path = dir.path().join("a.yaml");
        std::fs::write(&path, text).unwrap();
        let mut map = SourceMap::default();
        let back = ReadBack::of(path.clone(), text).unwrap();
        map.add("a.yaml".to_string(), Contents::ReadBack(back));
        (map, path)
    }

    #[test]
    fn a_text_read_from_disk_is_not_kept_but_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let (map, _) = read_back(&dir, "a: 1\nbb: 2\n");
        let file = map.get(crate::source::FileId(0));
        let Contents::ReadBack(back) = &file.contents else {
            panic!("kept")
        };
        assert!(
            back.back.get().is_none(),
            "text held before it was asked for"
        );
        assert_eq!(file.line_col(7).line, 2);
        assert_eq!(file.line_col(7).col, 3);
        assert_eq!(file.offset(2, 2), 6);
        assert_eq!(file.line(2), Some("bb: 2"));
        assert_eq!(file.text(), Some("a: 1\nbb: 2\n"));
    }

    #[test]
    fn a_file_changed_after_loading_gives_no_text() {
        let dir = tempfile::tempdir().unwrap();
        for changed in ["a: 1\nbb: 3\n", "a: 1\nbb: 22\n", "a: 1\n"] {
            let (map, path) = read_back(&dir, "a: 1\nbb: 2\n");
            std::fs::write(&path, changed).unwrap();
            let file = map.get(crate::source::FileId(0));
            assert_eq!((file.text(), file.line(2)), (None, None), "{changed:?}");
            // Positions come from the line table of the text that was checked.
            assert_eq!(file.line_col(7).line, 2);
        }
        let (map, path) = read_back(&dir, "a: 1\n");
        std::fs::remove_file(path).unwrap();
        assert_eq!(map.get(crate::source::FileId(0)).text(), None);
    }

    #[test]
    fn a_byte_order_mark_is_read_back_as_when_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        std::fs::write(&path, "\u{feff}a: 1\n").unwrap();
        let back = ReadBack::of(path, "a: 1\n").unwrap();
        assert_eq!(back.text(), Some("a: 1\n"));
    }

    #[test]
    fn non_ascii_texts_are_kept() {
        assert!(ReadBack::of(PathBuf::from("x"), "a: é\n").is_none());
    }
}
