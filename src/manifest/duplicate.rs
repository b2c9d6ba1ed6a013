//! Objects defined more than once in one scope: references resolve to the first definition,
//! and every later one is reported (KR006) and kept, so that it can be checked too.

use std::collections::{HashMap, HashSet};

use super::kustomize::is_generated;
use super::load::{LoadIssue, LoadIssueKind};
use super::object::{Object, ObjectId, ObjectKey};
use crate::source::{FileId, SourceMap};

/// The objects of a scope, one definition each.
#[derive(Debug, Default)]
pub struct Definitions {
    /// The first definition of every object, in input order, numbered by position.
    pub objects: Vec<Object>,
    /// One issue per later definition, in input order; each holds that definition.
    pub issues: Vec<LoadIssue>,
}

/// Files that a tool builds into one stream (the files of a kustomization root): an object
/// defined in two of them is as certain a mistake as one defined twice in a file.
#[derive(Clone, Copy, Debug)]
pub struct Stream<'a> {
    /// What builds them, for messages (`kustomization overlays/prod/kustomization.yaml`).
    pub name: &'a str,
    pub files: &'a HashSet<FileId>,
}

/// Splits `objects` into first definitions and duplicates. A generated name
/// (`generateName`) is never a duplicate, and neither is what a kustomize generator makes
/// when something else defines the object (generators merge into their base's).
pub fn first_definitions(
    objects: Vec<Object>,
    sources: &SourceMap,
    stream: Option<Stream<'_>>,
) -> Definitions {
    let mut out = Definitions::default();
    // Sized once: the objects live for the whole run, and doubling would leave up to half
    // of this vector as slack.
    out.objects.reserve_exact(objects.len());
    // The first definition of each object, and the files of its later ones.
    let mut seen: HashMap<ObjectKey, (ObjectId, HashSet<FileId>)> = HashMap::new();
    for mut object in objects {
        let id = ObjectId(u32::try_from(out.objects.len()).unwrap_or(u32::MAX));
        if !object.generated_name {
            if let Some((first, files)) = seen.get_mut(&object.key()) {
                if !is_generated(&object) {
                    let first = &out.objects[first.0 as usize];
                    let again = !files.insert(object.file);
                    let together = stream.filter(|s| {
                        s.files.contains(&first.file) && s.files.contains(&object.file)
                    });
                    out.issues
                        .push(duplicate(first, object, (again, together), sources));
                }
                continue;
            }
            seen.insert(object.key(), (id, HashSet::new()));
        }
        object.id = id;
        out.objects.push(object);
    }
    out
}

/// The issue for `object`, a later definition of `first`; `again` when another later one
/// is in the same file, `together` the stream both are built into, if any.
fn duplicate(
    first: &Object,
    object: Object,
    (again, together): (bool, Option<Stream<'_>>),
    sources: &SourceMap,
) -> LoadIssue {
    let (this, other) = (sources.path(object.file), sources.path(first.file));
    let what = object.display();
    let message = match together {
        _ if first.file == object.file => format!("{what} is defined more than once"),
        Some(stream) => format!(
            "{what} is defined in both `{other}` and `{this}`, which {} builds together",
            stream.name
        ),
        None if again => format!("{what} is defined more than once in `{this}`, and in `{other}`"),
        None => format!("{what} is defined in both `{other}` and `{this}`"),
    };
    let same_stream = first.file == object.file || again || together.is_some();
    LoadIssue {
        kind: LoadIssueKind::DuplicateObject {
            first: first.id,
            same_stream,
        },
        file: object.file,
        span: object.name_span(),
        message,
        object: Some(Box::new(object)),
    }
}
