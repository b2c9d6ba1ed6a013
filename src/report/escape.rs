//! The one escaping of input-derived text for the text renderers (human, trace, graph,
//! messages on stderr). Manifests and file names are untrusted: a label value holding
//! `ESC ] 0 ; … BEL` would retitle the terminal, `ESC [ 31 m` recolour it, a newline in a
//! file name would forge a `file:line:col` line, and bidirectional overrides would make
//! text read other than it is. JSON and SARIF are escaped by their serializer instead.
//!
//! Every character that is escaped becomes exactly one visible character, so a source line
//! keeps its columns and the carets under it stay true: C0 controls and DEL become their
//! Unicode "control pictures" (ESC is `␛`, BEL `␇`, a newline `␊`), C1 controls and the
//! bidirectional controls become `�`. Tabs are kept: they are whitespace, not commands.

use std::borrow::Cow;

fn is_escaped(c: char) -> bool {
    (c.is_control() && c != '\t') || is_bidi_control(c)
}

/// The bidirectional formatting characters (embeddings, overrides and isolates).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn picture(c: char) -> char {
    match u32::from(c) {
        code @ 0..0x20 => char::from_u32(0x2400 + code).unwrap_or('\u{fffd}'),
        0x7f => '\u{2421}',
        _ => '\u{fffd}',
    }
}

/// `text` with every control character replaced by one visible character.
pub fn text(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_escaped) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| if is_escaped(c) { picture(c) } else { c })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::text;

    #[test]
    fn controls_become_one_visible_character_each() {
        assert_eq!(text("plain: ok\t1"), "plain: ok\t1");
        assert_eq!(text("\u{1b}]0;title\u{7}\u{1b}[31m"), "␛]0;title␇␛[31m");
        assert_eq!(text("a\nb\rc\u{7f}"), "a␊b␍c␡");
        assert_eq!(text("\u{9b}31m \u{202e}txt"), "\u{fffd}31m \u{fffd}txt");
        let line = "x: \u{1b}y";
        assert_eq!(text(line).chars().count(), line.chars().count());
    }
}
