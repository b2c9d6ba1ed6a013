//! The compressed bundle kroute embeds (`schemas/embedded.bin`), read by
//! `src/schema/embedded.rs`. Each document is deflated on its own, so kroute inflates only
//! the kinds a run meets:
//!
//! ```text
//! kroute-schemas 1
//! kubernetes <release>
//! <name> TAB <dependencies, comma-separated> TAB <offset> TAB <length>   (one per document)
//! <empty line>
//! <the deflated documents, each compact JSON, at offset/length after the empty line>
//! ```

use kroute::schema::embedded::HEADER;
use miniz_oxide::deflate::compress_to_vec;

use crate::documents::{dependencies, Documents};

/// miniz's best ratio: the bundle is built once and read on every run.
const LEVEL: u8 = 9;

pub fn bundle(documents: &Documents, kubernetes_release: &str) -> Vec<u8> {
    let mut index = format!("{HEADER}\nkubernetes {kubernetes_release}\n");
    let mut data = Vec::new();
    for (name, schema) in documents.iter() {
        let compressed = compress_to_vec(schema.to_string().as_bytes(), LEVEL);
        let deps = dependencies(schema)
            .into_iter()
            .filter(|dep| dep != name)
            .collect::<Vec<_>>()
            .join(",");
        index.push_str(&format!(
            "{name}\t{deps}\t{}\t{}\n",
            data.len(),
            compressed.len()
        ));
        data.extend_from_slice(&compressed);
    }
    index.push('\n');
    let mut out = index.into_bytes();
    out.extend_from_slice(&data);
    out
}
