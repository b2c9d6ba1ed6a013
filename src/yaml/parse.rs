//! Builds [`Node`] trees from saphyr-parser's event stream.
//!
//! saphyr-parser was chosen because it is maintained, pure Rust, and reports a span for
//! every event; building our own tree from events (rather than using a loader) is what lets
//! us refuse alias bombs before expanding them, bound nesting depth, report duplicate keys
//! with both locations, and resume after a syntax error at the next `---`.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span as SaphyrSpan};

use super::node::{Entry, Node, Span, Style, Value};

/// Bounds that keep hostile input cheap to refuse.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest file accepted, in bytes.
    pub max_file_bytes: u64,
    /// Deepest nesting of collections accepted.
    pub max_depth: usize,
    /// Most nodes that aliases may add to one document when expanded.
    pub max_alias_nodes: usize,
    /// Most documents read from one file (or stdin); the rest is not read.
    pub max_documents: usize,
    /// Longest mapping key accepted, in bytes (Kubernetes keys are at most 317).
    pub max_key_bytes: usize,
    /// Longest scalar value accepted, in bytes (an object is at most 1.5 MiB in etcd).
    pub max_scalar_bytes: usize,
    /// Most bytes read from all the inputs of one run together (the files' sizes, in the
    /// order given); files past it are not read.
    pub max_total_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 16 * 1024 * 1024,
            max_depth: 128,
            max_alias_nodes: 100_000,
            max_documents: 1_000_000,
            max_key_bytes: 64 * 1024,
            max_scalar_bytes: 4 * 1024 * 1024,
            max_total_bytes: 4 * 1024 * 1024 * 1024,
        }
    }
}

/// One YAML document of a stream.
#[derive(Debug, Clone)]
pub struct Document {
    /// 0-based position of the document in its file, counting broken ones.
    pub index: u32,
    pub root: Node,
}

/// What went wrong while reading YAML.
#[derive(Debug, Clone, PartialEq)]
pub enum YamlIssueKind {
    Syntax,
    /// A key seen twice in one mapping; carries the first occurrence.
    DuplicateKey {
        key: String,
        first: Span,
    },
    /// A limit of [`Limits`] was exceeded; the document was dropped.
    Limit,
}

#[derive(Debug, Clone, PartialEq)]
pub struct YamlIssue {
    pub kind: YamlIssueKind,
    pub span: Span,
    pub message: String,
}

/// Documents parsed from one text, and the problems met on the way.
#[derive(Debug, Default)]
pub struct Parsed {
    pub documents: Vec<Document>,
    pub issues: Vec<YamlIssue>,
    /// Documents seen, including empty and broken ones.
    pub seen: u32,
}

/// Parses a multi-document YAML (or JSON) text. Never panics; a syntax error loses only the
/// document it is in, parsing resumes at the next `---` line.
pub fn parse_stream(text: &str, limits: &Limits) -> Parsed {
    let mut out = Parsed::default();
    let mut offset = 0usize;
    let mut line_offset = 0u32;
    // The text with closing brackets moved (see `move_closing_bracket`), once one was, and
    // with ASCII directives (see `ascii_directives`).
    let mut patched: Option<String> = ascii_directives(text);
    let mut moves: Vec<(u32, u32)> = Vec::new();
    loop {
        let current = patched.as_deref().unwrap_or(text);
        let rest = &current[offset..];
        let bytes = ByteOffsets::new(rest, offset);
        let mark = (out.documents.len(), out.issues.len(), out.seen);
        let Err((err, dropped)) = Builder::new(limits, &bytes, &mut out).run(rest) else {
            return restore_moved_brackets(out, &moves);
        };
        let mut at = bytes.of(err.marker().index());
        if moves.len() < MAX_BRACKET_MOVES && err.info().contains("invalid indentation") {
            if let Some((fixed, moved)) = move_closing_bracket(current, at) {
                // Parse this document again from its start; drop what the failed pass
                // added.
                out.documents.truncate(mark.0);
                out.issues.truncate(mark.1);
                out.seen = mark.2;
                moves.push(moved);
                patched = Some(fixed);
                continue;
            }
        }
        let err_line = u32::try_from(err.marker().line()).unwrap_or(u32::MAX);
        let err_line = err_line.saturating_add(line_offset);
        let too_deep = err.info().contains("recursion limit");
        let kind = if too_deep {
            YamlIssueKind::Limit
        } else {
            YamlIssueKind::Syntax
        };
        if err.info().contains("found a tab") || err.info().contains("tabs disallowed within") {
            // saphyr marks the content after the tab, or the start of the plain scalar the
            // tab interrupts (a line earlier): point at the tab itself.
            at = indentation_tab(current, err_line).unwrap_or(at);
        }
        // saphyr's own bound on nesting is met only past ours: a document already dropped
        // for its depth is reported once.
        if !(too_deep && dropped) {
            let message = if too_deep {
                too_deep_message(limits)
            } else {
                describe(&err)
            };
            out.issues.push(YamlIssue {
                kind,
                span: Span::point(at),
                message,
            });
        }
        out.seen += 1;
        match next_document_marker(current, offset, line_offset, err_line) {
            Some((next_offset, next_line)) => {
                offset = next_offset;
                line_offset = next_line;
            }
            None => return restore_moved_brackets(out, &moves),
        }
    }
}

/// The text with every non-ASCII character of its directive lines (`%…` at column 0)
/// replaced by as many `?` as it has bytes; `None` when they are ASCII. saphyr counts the
/// bytes of a directive's name and parameters as characters, so its character indexes
/// would drift by the difference after such a line; replaced, the indexes stay true and
/// the byte offsets do not move. kroute reads nothing of a directive but its place.
fn ascii_directives(text: &str) -> Option<String> {
    let is_directive = |line: &str| line.starts_with('%') && !line.is_ascii();
    // Nearly every text has no directive at all: one search for `%` says so.
    let line_start = |i: usize| i == 0 || matches!(text.as_bytes()[i - 1], b'\n' | b'\r');
    let has_directives = text.match_indices('%').any(|(i, _)| line_start(i));
    if !has_directives || !lines(text).any(is_directive) {
        return None;
    }
    let mut fixed = String::with_capacity(text.len());
    for line in lines(text) {
        if is_directive(line) {
            for c in line.chars() {
                let (ascii, count) = if c.is_ascii() {
                    (c, 1)
                } else {
                    ('?', c.len_utf8())
                };
                fixed.extend(std::iter::repeat_n(ascii, count));
            }
        } else {
            fixed.push_str(line);
        }
    }
    Some(fixed)
}

/// Most closing brackets moved in one text: each move re-parses a document.
const MAX_BRACKET_MOVES: usize = 64;

/// libyaml, and so kubectl and the API server, accept a flow collection whose closing
/// bracket is indented less than the block it sits in (`ports: [\n  80\n]`); saphyr
/// rejects it. When the error is at such a bracket, first on its line, the bracket is moved
/// to just after the last content before it (before a comment, which has no node): only the
/// blanks and comments it passes shift by one byte, every node keeps its offsets, so spans
/// stay true. Returns the new text and `(where the bracket went, where it was)`.
fn move_closing_bracket(text: &str, at: usize) -> Option<(String, (u32, u32))> {
    let bracket = match text.as_bytes().get(at)? {
        b']' => ']',
        b'}' => '}',
        _ => return None,
    };
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    if !text[line_start..at]
        .bytes()
        .all(|b| b == b' ' || b == b'\t')
    {
        return None;
    }
    let content_end = last_content_before(text, line_start)?;
    let mut fixed = String::with_capacity(text.len());
    fixed.push_str(&text[..content_end]);
    fixed.push(bracket);
    fixed.push_str(&text[content_end..at]);
    fixed.push_str(&text[at + 1..]);
    let offset = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
    Some((fixed, (offset(content_end), offset(at))))
}

/// The end of the last content (not blank, not comment) of the lines before byte `end`;
/// `None` when that line leaves a quote open: a quoted scalar spans the lines, and what
/// looked like a comment below it is its text.
fn last_content_before(text: &str, end: usize) -> Option<usize> {
    let mut end = end;
    while end > 0 {
        let start = text[..end - 1].rfind('\n').map_or(0, |i| i + 1);
        let line = &text[start..end];
        let (comment, open_quote) = comment_start(line);
        let content = line[..comment].trim_end();
        if !content.is_empty() {
            return (!open_quote).then_some(start + content.len());
        }
        end = start;
    }
    None
}

/// Where a line's comment starts (its length when it has none): a `#` at the start or after
/// a blank, outside quotes; and whether the line ends inside a quote.
fn comment_start(line: &str) -> (usize, bool) {
    let mut quote: Option<u8> = None;
    let mut previous = b' ';
    for (i, &b) in line.as_bytes().iter().enumerate() {
        match quote {
            Some(q) if b == q && !(q == b'"' && previous == b'\\') => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'#' && (previous == b' ' || previous == b'\t') => return (i, false),
            None => {}
        }
        previous = b;
    }
    (line.len(), quote.is_some())
}

/// Collections closed by a moved bracket end where the bracket really is.
fn restore_moved_brackets(mut out: Parsed, moves: &[(u32, u32)]) -> Parsed {
    if moves.is_empty() {
        return out;
    }
    let ends: HashMap<u32, u32> = moves.iter().map(|&(to, from)| (to + 1, from + 1)).collect();
    for doc in &mut out.documents {
        restore_ends(&mut doc.root, &ends);
    }
    out
}

fn restore_ends(node: &mut Node, ends: &HashMap<u32, u32>) {
    match &mut node.value {
        Value::Scalar(_) | Value::Styled(_) => return,
        Value::Seq(items) => items.iter_mut().for_each(|n| restore_ends(n, ends)),
        Value::Map(entries) => entries.iter_mut().for_each(|e| {
            restore_ends(&mut e.key, ends);
            restore_ends(&mut e.value, ends);
        }),
    }
    if let Some(&end) = ends.get(&node.span.end) {
        node.span.end = end;
    }
}

fn too_deep_message(limits: &Limits) -> String {
    format!(
        "nesting deeper than {} levels; the document was not read",
        limits.max_depth
    )
}

fn describe(err: &ScanError) -> String {
    let info = err.info();
    if info.contains("tab") {
        format!("{info} (YAML indentation must use spaces)")
    } else {
        info.to_string()
    }
}

/// The first tab in the indentation of a non-blank line, from line `from` (1-based) on.
fn indentation_tab(text: &str, from: u32) -> Option<usize> {
    let skip = usize::try_from(from.saturating_sub(1)).ok()?;
    let mut line_start: usize = lines(text).take(skip).map(str::len).sum();
    for raw in lines(&text[line_start..]) {
        let content = raw.trim_start_matches([' ', '\t']);
        if !content.trim_end_matches(['\n', '\r']).is_empty() {
            let indent = &raw[..raw.len() - content.len()];
            if let Some(i) = indent.find('\t') {
                return Some(line_start + i);
            }
        }
        line_start += raw.len();
    }
    None
}

/// Turns saphyr's character indexes into byte offsets in the file. Events come in nearly
/// increasing order, so a cursor that walks from the last answer keeps this linear; ASCII
/// text, the common case, needs no walking at all.
struct ByteOffsets<'t> {
    text: &'t str,
    /// Byte offset of `text` in the file.
    base: usize,
    ascii: bool,
    /// The last (character index, byte index) answered.
    cursor: std::cell::Cell<(usize, usize)>,
}

impl<'t> ByteOffsets<'t> {
    fn new(text: &'t str, base: usize) -> Self {
        ByteOffsets {
            text,
            base,
            ascii: text.is_ascii(),
            cursor: std::cell::Cell::new((0, 0)),
        }
    }

    /// The file byte offset of character `index` of `text` (its end when past it).
    fn of(&self, index: usize) -> usize {
        if self.ascii {
            return self.base + index.min(self.text.len());
        }
        let (mut chars, mut bytes) = self.cursor.get();
        if index >= chars {
            for c in self.text[bytes..].chars().take(index - chars) {
                bytes += c.len_utf8();
                chars += 1;
            }
        } else {
            for c in self.text[..bytes].chars().rev().take(chars - index) {
                bytes -= c.len_utf8();
                chars -= 1;
            }
        }
        self.cursor.set((chars, bytes));
        self.base + bytes
    }
}

/// The lines of `text`, each with its line break, as YAML and saphyr count lines: `\r\n`,
/// `\n` or a lone `\r` ends one.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = match rest.find(['\n', '\r']) {
            None => rest.len(),
            Some(i) if rest[i..].starts_with("\r\n") => i + 2,
            Some(i) => i + 1,
        };
        let (line, tail) = rest.split_at(end);
        rest = tail;
        Some(line)
    })
}

/// Finds the first `---` line at or after `min_line` (1-based, absolute) and strictly after the
/// current start, returning its byte offset and the number of lines before it.
fn next_document_marker(
    text: &str,
    start: usize,
    start_lines: u32,
    min_line: u32,
) -> Option<(usize, u32)> {
    let mut pos = start;
    for (line, raw) in (start_lines + 1..).zip(lines(&text[start..])) {
        if pos > start && line >= min_line {
            let l = raw.trim_end_matches(['\n', '\r']);
            if l == "---" || l.starts_with("--- ") || l.starts_with("---\t") {
                return Some((pos, line - 1));
            }
        }
        pos += raw.len();
    }
    None
}

enum Frame {
    Seq {
        start: u32,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: u32,
        anchor: usize,
        entries: Vec<Entry>,
        key: Option<Node>,
        /// Key → entry position, built only for large mappings; small ones are scanned.
        index: Option<HashMap<String, usize>>,
    },
}

struct Builder<'a> {
    limits: &'a Limits,
    bytes: &'a ByteOffsets<'a>,
    out: &'a mut Parsed,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    alias_nodes: usize,
    root: Option<Node>,
    /// Set when a limit was hit: the rest of the document is skipped.
    dropped: bool,
    skip_depth: usize,
    /// Set when the file has more documents than allowed: the rest is not read.
    full: bool,
}

impl<'a> Builder<'a> {
    fn new(limits: &'a Limits, bytes: &'a ByteOffsets<'a>, out: &'a mut Parsed) -> Self {
        Builder {
            limits,
            bytes,
            out,
            stack: Vec::new(),
            anchors: HashMap::new(),
            alias_nodes: 0,
            root: None,
            dropped: false,
            skip_depth: 0,
            full: false,
        }
    }

    fn pos(&self, m: &saphyr_parser::Marker) -> u32 {
        u32::try_from(self.bytes.of(m.index())).unwrap_or(u32::MAX)
    }

    fn span(&self, s: &SaphyrSpan) -> Span {
        Span {
            start: self.pos(&s.start),
            end: self.pos(&s.end),
        }
    }

    /// Builds the documents of `text`; on a syntax error, the error and whether the
    /// document it is in was already dropped for a limit.
    fn run(mut self, text: &str) -> Result<(), (ScanError, bool)> {
        let mut parser = Parser::new_from_str(text);
        while let Some(event) = parser.next_event() {
            let (event, span) = event.map_err(|e| (e, self.dropped))?;
            self.event(event, &span);
            if self.full {
                break;
            }
        }
        Ok(())
    }

    fn event(&mut self, event: Event<'_>, span: &SaphyrSpan) {
        if self.dropped {
            match event {
                Event::SequenceStart(..) | Event::MappingStart(..) => self.skip_depth += 1,
                Event::SequenceEnd | Event::MappingEnd => {
                    self.skip_depth = self.skip_depth.saturating_sub(1)
                }
                Event::DocumentEnd => self.end_document(),
                _ => {}
            }
            return;
        }
        match event {
            Event::DocumentStart(_) if self.out.seen as usize >= self.limits.max_documents => {
                self.out.issues.push(YamlIssue {
                    kind: YamlIssueKind::Limit,
                    span: self.span(span),
                    message: format!(
                        "more than {} documents in this file; the rest was not read",
                        self.limits.max_documents
                    ),
                });
                self.full = true;
            }
            Event::DocumentStart(_) => {
                self.anchors.clear();
                self.alias_nodes = 0;
                self.root = None;
            }
            Event::DocumentEnd => self.end_document(),
            Event::Scalar(text, ..) if text.len() > self.scalar_limit() => {
                let what = if self.expects_key() { "key" } else { "value" };
                let message = format!(
                    "a {what} longer than {} bytes; the document was not read",
                    self.scalar_limit()
                );
                self.drop_document(self.span(span), message);
            }
            Event::Scalar(text, style, anchor, tag) => {
                let forced_string = tag.is_some_and(|t| {
                    t.suffix == "str" && (t.handle == "tag:yaml.org,2002:" || t.handle == "!!")
                });
                let style = match style {
                    ScalarStyle::Plain if !forced_string => Style::Plain,
                    ScalarStyle::Plain | ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                        Style::Quoted
                    }
                    _ => Style::Block,
                };
                let node = Node {
                    span: self.span(span),
                    value: Value::scalar(text.as_ref(), style),
                };
                self.anchor(anchor, &node);
                self.push(node);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _)
                if self.stack.len() >= self.limits.max_depth =>
            {
                let _ = anchor;
                self.drop_document(self.span(span), too_deep_message(self.limits));
                self.skip_depth = 1;
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Frame::Seq {
                start: self.pos(&span.start),
                anchor,
                items: Vec::new(),
            }),
            Event::MappingStart(anchor, _) => self.stack.push(Frame::Map {
                start: self.pos(&span.start),
                anchor,
                entries: Vec::new(),
                key: None,
                index: None,
            }),
            Event::SequenceEnd | Event::MappingEnd => {
                // A flow collection ends with its `]`/`}` token; a block collection's end
                // event sits at the next token, past trailing blanks and comments, so it ends
                // where its last child does.
                let flow_end =
                    (span.start != span.end).then(|| self.pos(&span.start).saturating_add(1));
                if let Some(frame) = self.stack.pop() {
                    let last_end = match &frame {
                        Frame::Seq { items, .. } => items.last().map(|n| n.span.end),
                        Frame::Map { entries, .. } => entries.last().map(|e| e.value.span.end),
                    };
                    let end = flow_end
                        .or(last_end)
                        .unwrap_or_else(|| self.pos(&span.start));
                    let (start, anchor, value) = match frame {
                        Frame::Seq {
                            start,
                            anchor,
                            items,
                        } => (start, anchor, Value::Seq(shrunk(items))),
                        Frame::Map {
                            start,
                            anchor,
                            entries,
                            ..
                        } => (start, anchor, Value::Map(shrunk(apply_merge_keys(entries)))),
                    };
                    let node = Node {
                        span: Span {
                            start,
                            end: end.max(start),
                        },
                        value,
                    };
                    self.anchor(anchor, &node);
                    self.push(node);
                }
            }
            Event::Alias(id) => {
                let at = self.span(span);
                let Some((node, size)) = self.anchors.get(&id) else {
                    self.drop_document(at, "alias to an unknown anchor".to_string());
                    return;
                };
                self.alias_nodes = self.alias_nodes.saturating_add(*size);
                if self.alias_nodes > self.limits.max_alias_nodes {
                    let message = format!(
                        "aliases expand to more than {} nodes (a \"billion laughs\" document?); the document was not read",
                        self.limits.max_alias_nodes
                    );
                    self.drop_document(at, message);
                    return;
                }
                let mut node = node.clone();
                node.span = at;
                self.push(node);
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
    }

    /// Whether the next node is a mapping key.
    fn expects_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    /// The longest scalar accepted where the next node goes.
    fn scalar_limit(&self) -> usize {
        if self.expects_key() {
            self.limits.max_key_bytes
        } else {
            self.limits.max_scalar_bytes
        }
    }

    fn anchor(&mut self, anchor: usize, node: &Node) {
        if anchor > 0 {
            self.anchors.insert(anchor, (node.clone(), node.size()));
        }
    }

    fn drop_document(&mut self, span: Span, message: String) {
        self.out.issues.push(YamlIssue {
            kind: YamlIssueKind::Limit,
            span,
            message,
        });
        self.dropped = true;
        self.skip_depth = 0;
        self.stack.clear();
        self.root = None;
    }

    fn end_document(&mut self) {
        self.out.seen += 1;
        let root = self.root.take();
        let dropped = std::mem::take(&mut self.dropped);
        self.stack.clear();
        if let Some(root) = root.filter(|r| !dropped && !r.is_null()) {
            self.out.documents.push(Document {
                index: self.out.seen - 1,
                root,
            });
        }
    }

    fn push(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                key,
                index,
                ..
            }) => match key.take() {
                None => *key = Some(node),
                Some(k) => {
                    let name = k.scalar().map(|(text, _)| text).filter(|&t| t != "<<");
                    if let Some(name) = name {
                        if let Some(first) = find_key(entries, index.as_ref(), name) {
                            self.out.issues.push(YamlIssue {
                                kind: YamlIssueKind::DuplicateKey {
                                    key: name.to_string(),
                                    first,
                                },
                                span: k.span,
                                message: format!("duplicate key `{name}` in this mapping"),
                            });
                            return;
                        }
                        if let Some(index) = index.as_mut() {
                            index.insert(name.to_string(), entries.len());
                        }
                    }
                    entries.push(Entry {
                        key: k,
                        value: node,
                    });
                    if index.is_none() && entries.len() >= INDEX_THRESHOLD {
                        *index = Some(
                            entries
                                .iter()
                                .enumerate()
                                .filter_map(|(i, e)| Some((e.key.as_str()?.to_string(), i)))
                                .collect(),
                        );
                    }
                }
            },
        }
    }
}

/// A finished collection without spare capacity: trees live for the whole run, and growth
/// slack would otherwise be a third of their memory. A copy into an exact allocation, not
/// `shrink_to_fit`: mimalloc keeps a block that shrinks by less than half where it is, so a
/// vector grown by doubling would keep all its slack.
fn shrunk<T>(mut items: Vec<T>) -> Box<[T]> {
    if items.capacity() == items.len() {
        return items.into_boxed_slice();
    }
    let mut exact = Vec::with_capacity(items.len());
    exact.append(&mut items);
    exact.into_boxed_slice()
}

/// Mappings with at least this many keys get a hash index for duplicate detection; below
/// it a scan is cheaper than hashing and allocating every key.
const INDEX_THRESHOLD: usize = 16;

/// The span of the earlier key `name` of a mapping under construction, if any.
fn find_key(entries: &[Entry], index: Option<&HashMap<String, usize>>, name: &str) -> Option<Span> {
    let position = match index {
        Some(index) => index.get(name).copied(),
        None => entries
            .iter()
            .position(|e| e.key.scalar().is_some_and(|(text, _)| text == name)),
    };
    position.map(|i| entries[i].key.span)
}

/// Applies YAML merge keys (`<<: *base`), as Kubernetes' YAML reader does: keys written in
/// the mapping win over merged ones.
fn apply_merge_keys(entries: Vec<Entry>) -> Vec<Entry> {
    let is_merge = |e: &Entry| matches!(&e.key.value, Value::Scalar(text) if text == "<<");
    if !entries.iter().any(is_merge) {
        return entries;
    }
    let (merges, mut own): (Vec<Entry>, Vec<Entry>) = entries.into_iter().partition(is_merge);
    let mut present: std::collections::HashSet<String> = own
        .iter()
        .filter_map(|e| e.key.as_str().map(str::to_string))
        .collect();
    for merge in merges {
        let sources: Vec<Node> = match merge.value.value {
            Value::Seq(items) => items.into_vec(),
            _ => vec![merge.value],
        };
        for source in sources {
            if let Value::Map(merged) = source.value {
                for entry in merged.into_vec() {
                    let new = entry
                        .key
                        .as_str()
                        .is_none_or(|k| present.insert(k.to_string()));
                    if new {
                        own.push(entry);
                    }
                }
            }
        }
    }
    own
}
