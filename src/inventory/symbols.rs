//! The strings an inventory's indexes are keyed by, each stored once.
//!
//! Index keys are names, namespaces, kinds and label pairs, repeated across tens of
//! thousands of objects: keyed by owned strings, every entry paid for its own copies (and
//! every lookup allocated its key). Interned, a key is a few `u32`s and a lookup of a
//! string the inventory never saw fails before touching the index.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

/// A string of an inventory's symbol table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(u32);

/// Interned strings: a string's symbol and a symbol's string, the text held once.
#[derive(Debug, Default)]
pub struct Symbols {
    texts: Vec<Box<str>>,
    table: HashTable<Sym>,
    hasher: DefaultHashBuilder,
}

impl Symbols {
    /// The symbol of `text`, stored on first sight.
    pub fn intern(&mut self, text: &str) -> Sym {
        let hash = self.hasher.hash_one(text);
        let texts = &self.texts;
        if let Some(&sym) = self.table.find(hash, |s| &*texts[s.0 as usize] == text) {
            return sym;
        }
        let sym = Sym(u32::try_from(self.texts.len()).unwrap_or(u32::MAX));
        self.texts.push(text.into());
        let (texts, hasher) = (&self.texts, &self.hasher);
        self.table
            .insert_unique(hash, sym, |s| hasher.hash_one(&*texts[s.0 as usize]));
        sym
    }

    /// The symbol of `text`, if it was interned.
    pub fn get(&self, text: &str) -> Option<Sym> {
        let hash = self.hasher.hash_one(text);
        self.table
            .find(hash, |s| &*self.texts[s.0 as usize] == text)
            .copied()
    }

    /// The symbols of `texts`, if every one was interned.
    pub fn get_all<const N: usize>(&self, texts: [&str; N]) -> Option<[Sym; N]> {
        let mut syms = [Sym::default(); N];
        for (sym, text) in syms.iter_mut().zip(texts) {
            *sym = self.get(text)?;
        }
        Some(syms)
    }

    /// The string of `sym`.
    pub fn text(&self, sym: Sym) -> &str {
        &self.texts[sym.0 as usize]
    }

    /// How many distinct strings are stored.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// Drops the texts' growth slack once the inventory is built (a copy: mimalloc keeps a
    /// block that shrinks by less than half where it is).
    pub fn shrink(&mut self) {
        if self.texts.capacity() > self.texts.len() {
            let mut exact = Vec::with_capacity(self.texts.len());
            exact.append(&mut self.texts);
            self.texts = exact;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_string_is_stored_once_and_resolves_back() {
        let mut symbols = Symbols::default();
        let a = symbols.intern("shop");
        let b = symbols.intern("app-1");
        assert_eq!(symbols.intern("shop"), a);
        assert_ne!(a, b);
        assert_eq!(symbols.len(), 2);
        assert_eq!(symbols.text(a), "shop");
        assert_eq!(symbols.get("app-1"), Some(b));
        assert_eq!(symbols.get("app-2"), None);
    }

    #[test]
    fn many_strings_survive_table_growth() {
        let mut symbols = Symbols::default();
        let syms: Vec<Sym> = (0..5000)
            .map(|i| symbols.intern(&format!("s{i}")))
            .collect();
        symbols.shrink();
        for (i, sym) in syms.iter().enumerate() {
            assert_eq!(symbols.get(&format!("s{i}")), Some(*sym));
            assert_eq!(symbols.text(*sym), format!("s{i}"));
        }
        assert_eq!(symbols.len(), 5000);
    }
}
