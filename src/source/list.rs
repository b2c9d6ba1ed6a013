//! Lists in messages, bounded: a selector of 900,000 labels must not make a 10 MB message.

use std::fmt::Display;

/// Most items a message lists before it says how many more there are.
pub const MAX_LISTED: usize = 20;

/// `items` joined with `, `; past [`MAX_LISTED`] items, the first ones and `and K more`.
pub fn listed<T: Display>(items: impl IntoIterator<Item = T>) -> String {
    let mut out = String::new();
    let mut more = 0usize;
    for (i, item) in items.into_iter().enumerate() {
        if i >= MAX_LISTED {
            more += 1;
            continue;
        }
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&item.to_string());
    }
    if more > 0 {
        out.push_str(&format!(" and {more} more"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_are_cut_with_a_count() {
        assert_eq!(listed(["a", "b"]), "a, b");
        assert_eq!(listed(Vec::<String>::new()), "");
        let long = listed(0..MAX_LISTED + 5);
        assert!(long.starts_with("0, 1, 2"), "{long}");
        assert!(long.ends_with(", 19 and 5 more"), "{long}");
    }
}
