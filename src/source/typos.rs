//! Finding the words a misspelt word may stand for among very many, without comparing it
//! with each: a hint for one broken selector among 10,000 label values must not cost
//! 10,000 edit distances, or a repository with thousands of them takes minutes.
//!
//! Each word is filed under what deleting up to two of its characters leaves (the idea
//! behind SymSpell). Two words within two edits of each other (insertions, deletions,
//! substitutions, transpositions) leave a common string after at most two deletions from
//! each, so looking up the deletions of the wanted word finds every such word, and some
//! more that [`nearest`](super::nearest) then rules out.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

/// Words longer than this are not filed by their deletions (a 40-character word has 780
/// of them) but kept in a list compared in full: long label values are few.
const LONGEST_FILED: usize = 24;

/// The words of a list, filed for [`Typos::near`].
#[derive(Debug, Default)]
pub struct Typos {
    /// Hash of a deletion → the words that leave it. A collision only adds a candidate.
    filed: HashMap<u64, Vec<u32>>,
    /// Words too long to file.
    long: Vec<u32>,
}

impl Typos {
    pub fn new<'a>(words: impl IntoIterator<Item = &'a str>) -> Typos {
        let mut typos = Typos::default();
        for (i, word) in words.into_iter().enumerate() {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            let chars: Vec<char> = word.chars().collect();
            if chars.len() > LONGEST_FILED {
                typos.long.push(i);
                continue;
            }
            deletions(&chars, |hash| typos.filed.entry(hash).or_default().push(i));
        }
        for ids in typos.filed.values_mut() {
            ids.dedup();
            ids.shrink_to_fit();
        }
        typos
    }

    /// The positions in the list of the words that may be within two edits of `wanted`
    /// (all of those, and some that are not), in order, each once.
    pub fn near(&self, wanted: &str) -> Vec<u32> {
        let chars: Vec<char> = wanted.chars().collect();
        let mut out = self.long.clone();
        deletions(&chars, |hash| {
            out.extend(self.filed.get(&hash).into_iter().flatten());
        });
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Calls `each` with the hash of `word` and of every string left by deleting one or two
/// of its characters (some more than once).
fn deletions(word: &[char], mut each: impl FnMut(u64)) {
    let mut left = Vec::with_capacity(word.len());
    let mut visit = |skip: &[usize]| {
        left.clear();
        let kept = word.iter().enumerate().filter(|(i, _)| !skip.contains(i));
        left.extend(kept.map(|(_, c)| *c));
        let mut hasher = DefaultHasher::new();
        left.hash(&mut hasher);
        each(hasher.finish());
    };
    visit(&[]);
    for i in 0..word.len() {
        visit(&[i]);
        for j in i + 1..word.len() {
            visit(&[i, j]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn near<'a>(words: &[&'a str], wanted: &str) -> Vec<&'a str> {
        let typos = Typos::new(words.iter().copied());
        typos
            .near(wanted)
            .into_iter()
            .map(|i| words[i as usize])
            .collect()
    }

    #[test]
    fn finds_every_word_within_two_edits() {
        let words = [
            "web", "wbe", "webs", "we", "wxyz", "api", "frontend", "frnotend", "fronted", "backend",
        ];
        let found = near(&words, "web");
        for within in ["web", "wbe", "webs", "we"] {
            assert!(found.contains(&within), "{within}: {found:?}");
        }
        assert!(!found.contains(&"frontend"));
        let found = near(&words, "frontend");
        for within in ["frontend", "frnotend", "fronted"] {
            assert!(found.contains(&within), "{within}: {found:?}");
        }
        assert!(!found.contains(&"backend"), "{found:?}");
    }

    #[test]
    fn agrees_with_edit_distance_on_every_pair_within_two() {
        let words: Vec<String> = [
            "cart", "carts", "crat", "cat", "chart", "art", "kart", "cartel",
        ]
        .iter()
        .map(|w| w.to_string())
        .collect();
        let typos = Typos::new(words.iter().map(String::as_str));
        for wanted in &words {
            let found = typos.near(wanted);
            for (i, word) in words.iter().enumerate() {
                if strsim::osa_distance(wanted, word) <= 2 {
                    assert!(found.contains(&(i as u32)), "{wanted} ~ {word}");
                }
            }
        }
    }

    #[test]
    fn long_words_are_always_candidates() {
        let long = "a-label-value-longer-than-twenty-four";
        assert_eq!(near(&[long, "short"], "xyz"), [long]);
    }
}
