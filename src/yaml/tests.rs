use super::*;

fn parse(text: &str) -> Parsed {
    parse_stream(text, &Limits::default())
}

/// `(line, column, byte offset)` of byte `offset` of `text`.
fn at(text: &str, offset: u32) -> (u32, u32, u32) {
    let lc = crate::source::LineCol::of(text, offset);
    (lc.line, lc.col, offset)
}

#[test]
fn spans_are_one_based_lines_and_columns() {
    let text = "a: 1\nb:\n  c: hello\n";
    let p = parse(text);
    assert!(p.issues.is_empty(), "{:?}", p.issues);
    let c = p.documents[0].root.at(&["b", "c"]).unwrap();
    assert_eq!(c.as_str(), Some("hello"));
    assert_eq!(at(text, c.span.start), (3, 6, 13));
}

#[test]
fn multi_document_stream_skips_empty_documents() {
    let p = parse("---\na: 1\n---\n---\n# only a comment\n---\nb: 2\n");
    assert_eq!(p.documents.len(), 2);
    assert_eq!(p.documents[1].root.get("b").unwrap().as_i64(), Some(2));
}

#[test]
fn json_and_crlf_parse() {
    let p = parse("{\"kind\": \"Service\",\r\n \"n\": [1, 2]}\r\n");
    assert!(p.issues.is_empty());
    assert_eq!(p.documents[0].root.str_at("kind"), Some("Service"));
    let text = "a: 1\r\nb: x\r\n";
    let p = parse(text);
    let b = p.documents[0].root.get("b").unwrap();
    assert_eq!(at(text, b.span.start), (2, 4, 9));
}

#[test]
fn duplicate_keys_are_reported_with_both_locations() {
    let text = "a: 1\nb: 2\na: 3\n";
    let p = parse(text);
    assert_eq!(p.issues.len(), 1);
    let issue = &p.issues[0];
    assert_eq!(at(text, issue.span.start), (3, 1, 10));
    assert!(
        matches!(&issue.kind, YamlIssueKind::DuplicateKey { key, first } if key == "a" && first.start == 0)
    );
    assert_eq!(p.documents[0].root.get("a").unwrap().as_i64(), Some(1));
}

#[test]
fn syntax_error_loses_only_its_document() {
    let text = "a: 1\n---\nb: \"unclosed\n---\nc: 3\n";
    let p = parse(text);
    assert_eq!(p.issues.len(), 1);
    assert_eq!(p.issues[0].kind, YamlIssueKind::Syntax);
    let keys: Vec<_> = p
        .documents
        .iter()
        .map(|d| {
            d.root.as_map().unwrap()[0]
                .key
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(keys, ["a", "c"]);
    let c = p.documents[1].root.get("c").unwrap();
    assert_eq!(at(text, c.span.start).0, 5);
}

#[test]
fn tabs_in_indentation_are_syntax_errors() {
    let text = "a:\n\tb: 1\n";
    let p = parse(text);
    assert_eq!(p.issues.len(), 1);
    assert_eq!(p.issues[0].kind, YamlIssueKind::Syntax);
    assert_eq!(at(text, p.issues[0].span.start), (2, 1, 3));
    // A tab after a plain scalar: saphyr marks the scalar, a line too early.
    let text = "m:\n  a: b\n \tc: d\n";
    let p = parse(text);
    assert_eq!(p.issues.len(), 1);
    assert_eq!(at(text, p.issues[0].span.start), (3, 2, 11));
}

#[test]
fn alias_bomb_is_refused_without_expansion() {
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let prev = format!("*a{}", i - 1);
        text.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 9].join(", ")));
    }
    let start = std::time::Instant::now();
    let p = parse(&text);
    assert!(start.elapsed().as_secs() < 5);
    assert!(p.documents.is_empty());
    assert_eq!(p.issues.len(), 1);
    assert_eq!(p.issues[0].kind, YamlIssueKind::Limit);
}

#[test]
fn deep_nesting_is_refused() {
    for depth in [200, 5000] {
        let text = format!("{}1{}\n", "[".repeat(depth), "]".repeat(depth));
        let p = parse(&text);
        assert!(p.documents.is_empty());
        assert!(
            p.issues.iter().any(|i| i.kind == YamlIssueKind::Limit),
            "{:?}",
            p.issues
        );
    }
    let block: String = (0..300)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect();
    let p = parse(&block);
    assert!(p.documents.is_empty());
    assert!(
        p.issues.iter().any(|i| i.kind == YamlIssueKind::Limit),
        "{:?}",
        p.issues
    );
}

#[test]
fn merge_keys_and_aliases_resolve() {
    let p = parse("base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n");
    let d = p.documents[0].root.get("derived").unwrap();
    assert_eq!(d.get("x").unwrap().as_i64(), Some(1));
    assert_eq!(d.get("y").unwrap().as_i64(), Some(3));
}

#[test]
fn quoted_numbers_stay_strings() {
    let p = parse("a: \"80\"\nb: 80\nc: !!str 80\n");
    let r = &p.documents[0].root;
    assert_eq!(r.get("a").unwrap().as_i64(), None);
    assert_eq!(r.get("b").unwrap().as_i64(), Some(80));
    assert_eq!(r.get("c").unwrap().as_i64(), None);
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn never_panics_on_arbitrary_text(text in "\\PC{0,200}") {
            let _ = parse(&text);
        }

        #[test]
        fn never_panics_on_yamlish_text(text in "([ \\t]{0,4}(-|[a-z]{1,3}:|&a|\\*a|\\{|\\}|\\[|\\]|\"|'|---|\\||>|#)[ a-z0-9]{0,6}\n){0,30}") {
            let _ = parse(&text);
        }

        /// Spans are byte ranges of the text on character boundaries, and a one-line plain
        /// scalar's span covers exactly its text, multi-byte characters and CRLF included.
        #[test]
        fn spans_are_byte_ranges_of_the_text(text in "([ ]{0,4}(- |[a-zé😀]{1,3}: |---\r?\n)[a-zé😀0-9]{0,6}\r?\n){0,20}") {
            let p = parse(&text);
            let mut nodes = Vec::new();
            for doc in &p.documents {
                all_nodes(&doc.root, &mut nodes);
            }
            let spans = nodes.iter().map(|n| n.span).chain(p.issues.iter().map(|i| i.span));
            for span in spans {
                prop_assert!(span.start <= span.end && span.end as usize <= text.len());
                prop_assert!(text.is_char_boundary(span.start as usize));
                prop_assert!(text.is_char_boundary(span.end as usize));
            }
            for node in nodes {
                if let Value::Scalar(value) = &node.value {
                    let source = &text[node.span.bytes()];
                    if !source.contains('\n') && !value.is_empty() {
                        prop_assert_eq!(source, value.as_str());
                    }
                }
            }
        }
    }

    fn all_nodes<'a>(node: &'a Node, out: &mut Vec<&'a Node>) {
        out.push(node);
        match &node.value {
            Value::Scalar(_) | Value::Styled(_) => {}
            Value::Seq(items) => items.iter().for_each(|n| all_nodes(n, out)),
            Value::Map(entries) => entries.iter().for_each(|e| {
                all_nodes(&e.key, out);
                all_nodes(&e.value, out);
            }),
        }
    }
}

#[test]
fn duplicate_keys_found_in_large_mappings() {
    let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
    text.push_str("k3: again\nk39: again\n");
    let p = parse(&text);
    let lines: Vec<u32> = p.issues.iter().map(|i| at(&text, i.span.start).0).collect();
    assert_eq!(lines, [41, 42]);
    assert_eq!(p.documents[0].root.get("k3").unwrap().as_i64(), Some(3));
}

#[test]
fn collection_spans_end_at_their_last_child_or_closing_bracket() {
    let text = "a:\n  b: 1\n  c: two   # comment\n\n# trailing\nd: {x: 1}  \ne: [1, 2]\n";
    let p = parse(text);
    let root = &p.documents[0].root;
    let a = root.get("a").unwrap();
    assert_eq!(at(text, a.span.start), (2, 3, 5));
    assert_eq!(at(text, a.span.end), (3, 9, 18));
    assert_eq!(at(text, root.get("d").unwrap().span.end), (6, 10, 52));
    assert_eq!(at(text, root.get("e").unwrap().span.end), (7, 10, 64));
}

/// The source text of every scalar node and key under `node`, with the node's own text.
fn scalars<'a>(node: &'a Node, out: &mut Vec<(&'a str, Span)>) {
    match &node.value {
        Value::Scalar(_) | Value::Styled(_) => {
            out.push((node.scalar().map_or("", |(text, _)| text), node.span));
        }
        Value::Seq(items) => items.iter().for_each(|n| scalars(n, out)),
        Value::Map(entries) => entries.iter().for_each(|e| {
            scalars(&e.key, out);
            scalars(&e.value, out);
        }),
    }
}

#[test]
fn spans_carry_byte_offsets_of_the_node_text() {
    // Multi-byte characters before and inside nodes, CRLF, a second document after a broken
    // one (parsed from an offset into the text), flow collections.
    let text = "a: é\r\nbé: \"ünï\"\r\n---\nx: \"unclosed\n---\nc: [ζ, {d: 😀e}]\nf: plain\n";
    let p = parse(text);
    assert_eq!(p.issues.len(), 1);
    let mut found = Vec::new();
    for doc in &p.documents {
        scalars(&doc.root, &mut found);
    }
    let sliced: Vec<&str> = found.iter().map(|(_, s)| &text[s.bytes()]).collect();
    assert_eq!(
        sliced,
        [
            "a",
            "é",
            "bé",
            "\"ünï\"",
            "c",
            "ζ",
            "d",
            "😀e",
            "f",
            "plain"
        ]
    );
    let e = p.documents[1].root.get("c").unwrap();
    assert_eq!(&text[e.span.bytes()], "[ζ, {d: 😀e}]");
    let bracket = u32::try_from(text.find('[').unwrap()).unwrap();
    assert_eq!(at(text, e.span.start), (6, 4, bracket));
}

#[test]
fn closing_brackets_indented_less_than_their_block_are_accepted_as_kubectl_does() {
    // libyaml (kubectl, the API server) reads these; a comment before the bracket too.
    let text = "a:\n  b: [x,\n    y\n  ]\nc:\n  d: {\n    k: 1  # one\n\n}\ne: 3\n";
    let p = parse(text);
    assert!(p.issues.is_empty(), "{:?}", p.issues);
    let root = &p.documents[0].root;
    let b = root.at(&["a", "b"]).unwrap();
    let items: Vec<&str> = b
        .as_seq()
        .unwrap()
        .iter()
        .filter_map(Node::as_str)
        .collect();
    assert_eq!(items, ["x", "y"]);
    // Spans are those of the text as written: the sequence ends at its real bracket.
    assert_eq!(&text[b.span.bytes()], "[x,\n    y\n  ]");
    let d = root.at(&["c", "d"]).unwrap();
    assert_eq!(d.get("k").unwrap().as_i64(), Some(1));
    assert_eq!(&text[d.span.bytes()], "{\n    k: 1  # one\n\n}");
    assert_eq!(root.get("e").unwrap().as_i64(), Some(3));
    // A bracket that closes nothing is still an error, once.
    let p = parse("a: 1\n]\n");
    assert_eq!(p.issues.len(), 1);
    // A quoted scalar over several lines: what looks like a comment is its text, and the
    // bracket is not moved into it; the error stays where saphyr found it.
    let text = "spec:\n  ports: [ 80,\n    \"x\n    # not a comment\"\n]\n";
    let p = parse(text);
    assert_eq!(p.issues.len(), 1);
    assert_eq!(at(text, p.issues[0].span.start).0, 5);
}

#[test]
fn integers_are_read_as_kubernetes_reads_them() {
    use super::parse_int;
    for (text, value) in [
        ("8080", Some(8080)),
        ("+80", Some(80)),
        ("-3", Some(-3)),
        ("0", Some(0)),
        ("0x1F90", Some(8080)),
        ("0X1f90", Some(8080)),
        ("0o17", Some(15)),
        ("017", Some(15)),
        ("0b101", Some(5)),
        ("1_000", Some(1000)),
        ("-0x10", Some(-16)),
        ("9223372036854775807", Some(i64::MAX)),
        ("9223372036854775808", None),
        ("08", None),
        ("0x", None),
        ("+-1", None),
        ("1.5", None),
        ("http", None),
        ("", None),
    ] {
        assert_eq!(parse_int(text), value, "{text}");
    }
    let doc = parse("a: 0x1F90\nb: \"0x1F90\"\n");
    let root = &doc.documents[0].root;
    assert_eq!(root.get("a").and_then(|n| n.as_i64()), Some(8080));
    assert_eq!(
        root.get("a").and_then(|n| n.typed()),
        Some(super::Typed::Int(8080))
    );
    assert_eq!(root.get("b").and_then(|n| n.as_i64()), None);
}

#[test]
fn an_over_deep_document_is_one_limit_issue() {
    for text in [
        format!("a: {}1{}\n", "{a: ".repeat(300), "}".repeat(300)),
        format!("a: {}1{}\n", "[".repeat(2000), "]".repeat(2000)),
        format!("a: {}1{}\n", "[".repeat(200), "]".repeat(200)),
    ] {
        let parsed = parse(&text);
        assert_eq!(parsed.issues.len(), 1, "{:?}", parsed.issues);
        assert!(parsed.issues[0]
            .message
            .starts_with("nesting deeper than 128 levels"));
    }
}

#[test]
fn spans_stay_true_after_a_directive_with_non_ascii_text() {
    // saphyr counts the bytes of `%é` as characters: every later span moved by one byte
    // (found by the `selectors` fuzz target, with U+FFFD; then again with the directive
    // after a lone carriage return, which ends a line as `\n` does).
    for text in [
        "%é\n---\n{a: 1}\n",
        "%TAG ! tag:é,2000:\n--- {a: 1}\n",
        "%\u{FFFD} é\n---\n{a: 1}",
        "\r%\u{FFFD}\u{FFFD}\n---\n{a: 1}\n",
        "# c\r\n%é\r\n---\r\n{a: 1}\r\n",
    ] {
        let p = parse(text);
        let root = &p.documents[0].root;
        assert_eq!(&text[root.span.bytes()], "{a: 1}", "{text:?}");
        let a = root.get("a").unwrap();
        assert_eq!(&text[a.span.bytes()], "1", "{text:?}");
    }
}

#[test]
fn documents_after_a_broken_one_are_found_in_text_with_carriage_return_line_breaks() {
    // A lone `\r` ends a line for saphyr, whose error line says where to resume: counted by
    // `\n` alone, the next `---` was never reached and the rest of the file was lost.
    for text in [
        "a: [\r---\rb: 1\r",
        "a: [\r\n---\r\nb: 1\r\n",
        "a: [\n---\nb: 1\n",
        "x: 1\r\tc: [\r---\rb: 1\r",
    ] {
        let p = parse(text);
        assert_eq!(p.issues.len(), 1, "{text:?}: {:?}", p.issues);
        let root = &p.documents.last().expect("the second document").root;
        assert_eq!(&text[root.get("b").unwrap().span.bytes()], "1", "{text:?}");
    }
}

/// Trees are kept for the run: a node of a large repository's millions costs every byte
/// added here (a span, and a value whose style and collection lengths share its words).
#[test]
fn nodes_stay_small() {
    use std::mem::size_of;
    assert_eq!(size_of::<Value>(), 24);
    assert_eq!(size_of::<Node>(), 32);
    assert_eq!(size_of::<crate::yaml::Entry>(), 64);
}

#[test]
fn scalars_keep_their_style() {
    let text = "a: x\nb: \"x\"\nc: |\n  x\nd: null\ne: 'null'\n";
    let root = &parse(text).documents[0].root;
    let styles: Vec<_> = ["a", "b", "c", "d", "e"]
        .iter()
        .map(|k| root.get(k).and_then(Node::scalar))
        .collect();
    assert_eq!(
        styles,
        [
            Some(("x", Style::Plain)),
            Some(("x", Style::Quoted)),
            Some(("x\n", Style::Block)),
            Some(("null", Style::Plain)),
            Some(("null", Style::Quoted)),
        ]
    );
    assert_eq!(root.get("d").and_then(Node::as_str), None);
    assert_eq!(root.get("e").and_then(Node::as_str), Some("null"));
}
