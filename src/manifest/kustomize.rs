//! Reads kustomizations: the manifest files each one includes as resources, the
//! kustomizations it builds on, the files it reads that are not objects (patches, generator
//! input, transformer configuration), and the ConfigMaps and Secrets its generators make.
//! The pipeline checks each kustomization root as its own scope.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::Read;
use std::path::{Path, PathBuf};

use compact_str::CompactString;

use super::object::{Object, ObjectData};
use super::Labels;
use crate::source::{decode, FileId};
use crate::yaml::{parse_stream, Entry, Limits, Node, Style, Value};

/// The names kustomize reads a kustomization from, in the order it tries them.
pub const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Annotation kroute puts on the objects a kustomize generator makes: their real name has a
/// hash suffix, so a reference to the rendered name also finds them.
pub const GENERATED_BY: &str = "kroute.dev/generated-by";

/// One kustomization file and what it names. Paths are canonical.
#[derive(Debug, Clone)]
pub struct Kustomization {
    /// The kustomization file.
    pub file: PathBuf,
    /// Its `namespace:`, which kustomize gives every object it builds.
    pub namespace: Option<String>,
    /// Manifest files it includes (`resources`).
    pub resources: Vec<PathBuf>,
    /// The kustomizations it includes (directories in `resources`, `bases`, `components`), by
    /// index in [`Kustomizations::all`].
    pub includes: Vec<usize>,
    /// Files it reads that are not objects: patches, generator input, replacements,
    /// transformer and generator configuration, CRD schemas.
    pub reads: Vec<PathBuf>,
    /// The ConfigMaps and Secrets its generators make.
    pub generators: Vec<Generator>,
}

/// A `configMapGenerator` or `secretGenerator` entry.
#[derive(Debug, Clone)]
pub struct Generator {
    /// `ConfigMap` or `Secret`.
    pub kind: &'static str,
    pub name: Node,
    /// The entry's own `namespace`, if it sets one.
    pub namespace: Option<String>,
    /// The entry as written, whose spans are in the kustomization's text.
    pub entry: Node,
}

/// The kustomizations found from a set of directories, and every one they include.
#[derive(Debug, Default)]
pub struct Kustomizations {
    pub all: Vec<Kustomization>,
    /// Directory → its kustomization, if it has one.
    by_dir: HashMap<PathBuf, Option<usize>>,
}

impl Kustomizations {
    /// Reads the kustomization of each of `dirs` that has one and, transitively, of every
    /// directory those include. Each file is read once; what cannot be read or parsed is a
    /// kustomization that includes nothing (kustomize itself reports it).
    pub fn discover(dirs: impl IntoIterator<Item = PathBuf>, limits: &Limits) -> Kustomizations {
        let mut found = Kustomizations::default();
        let mut queue: VecDeque<usize> =
            dirs.into_iter().filter_map(|dir| found.at(&dir)).collect();
        let mut read = HashSet::new();
        while let Some(index) = queue.pop_front() {
            if !read.insert(index) {
                continue;
            }
            let file = found.all[index].file.clone();
            let Some(root) = read_yaml(&file, limits) else {
                continue;
            };
            let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
            found.fill(index, &dir, &root);
            queue.extend(found.all[index].includes.iter().copied());
        }
        found
    }

    /// The kustomization of directory `dir` (registered, not yet read), if it has one.
    fn at(&mut self, dir: &Path) -> Option<usize> {
        if let Some(known) = self.by_dir.get(dir) {
            return *known;
        }
        let index = FILE_NAMES
            .iter()
            .map(|name| dir.join(name))
            .find(|path| path.is_file())
            .map(|file| {
                self.all.push(Kustomization {
                    file,
                    namespace: None,
                    resources: Vec::new(),
                    includes: Vec::new(),
                    reads: Vec::new(),
                    generators: Vec::new(),
                });
                self.all.len() - 1
            });
        self.by_dir.insert(dir.to_path_buf(), index);
        index
    }

    /// Fills kustomization `index`, in `dir`, from its parsed `root`.
    fn fill(&mut self, index: usize, dir: &Path, root: &Node) {
        let mut resources = Vec::new();
        let mut includes = Vec::new();
        for entry in ["resources", "bases", "components"]
            .iter()
            .flat_map(|key| root.seq_at(key))
            .filter_map(Node::as_str)
            .filter(|entry| !is_remote(entry))
        {
            let Some(path) = local(dir, entry) else {
                continue;
            };
            if path.is_dir() {
                includes.extend(self.at(&path));
            } else {
                resources.push(path);
            }
        }
        let k = &mut self.all[index];
        k.namespace = root.str_at("namespace").map(str::to_string);
        k.resources = resources;
        k.includes = includes;
        k.reads = reads(root)
            .into_iter()
            .filter_map(|entry| local(dir, entry))
            .collect();
        k.generators = generators(root);
    }

    /// The kustomizations no other one includes: each is built, and checked, on its own.
    pub fn roots(&self) -> Vec<usize> {
        let included: HashSet<usize> = self
            .all
            .iter()
            .flat_map(|k| k.includes.iter().copied())
            .collect();
        (0..self.all.len())
            .filter(|i| !included.contains(i))
            .collect()
    }

    /// Every kustomization `root` builds on, itself first, each once.
    pub fn closure(&self, root: usize) -> Vec<usize> {
        let mut seen = HashSet::from([root]);
        let mut order = vec![root];
        let mut next = 0;
        while let Some(&k) = order.get(next) {
            next += 1;
            for &i in &self.all[k].includes {
                if seen.insert(i) {
                    order.push(i);
                }
            }
        }
        order
    }
}

/// Whether a resource entry names something kustomize fetches (a Git repository, a URL):
/// nothing on this disk to read.
fn is_remote(entry: &str) -> bool {
    entry.contains("://")
        || entry.contains("?ref=")
        || entry.starts_with("github.com/")
        || entry.starts_with("git@")
}

/// The canonical path `entry` names relative to `dir`, if it exists.
fn local(dir: &Path, entry: &str) -> Option<PathBuf> {
    std::fs::canonicalize(dir.join(entry.trim())).ok()
}

/// The first document of the YAML file at `path`, read as kroute reads inputs.
fn read_yaml(path: &Path, limits: &Limits) -> Option<Node> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(limits.max_file_bytes).read_to_end(&mut bytes))
        .ok()?;
    let text = decode(bytes).ok()?;
    let parsed = parse_stream(&text, limits);
    parsed.documents.into_iter().next().map(|d| d.root)
}

/// The files a kustomization reads that are not resources: patches (a `patchesStrategicMerge`
/// entry may also be an inline patch, which is no file), generator input (`files` entries
/// are `path` or `key=path`), replacements, configuration of transformers, generators and
/// validators, and CRD schemas.
fn reads(root: &Node) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    let strings = |key: &str| root.seq_at(key).iter().filter_map(Node::as_str);
    out.extend(strings("patchesStrategicMerge").filter(|p| !p.contains('\n')));
    for key in [
        "configurations",
        "crds",
        "transformers",
        "generators",
        "validators",
    ] {
        out.extend(strings(key).filter(|p| !p.contains('\n')));
    }
    for key in ["patches", "patchesJson6902", "replacements"] {
        out.extend(root.seq_at(key).iter().filter_map(|p| p.str_at("path")));
    }
    out.extend(root.get("openapi").and_then(|o| o.str_at("path")));
    for entry in ["configMapGenerator", "secretGenerator"]
        .iter()
        .flat_map(|key| root.seq_at(key))
    {
        let files = entry.seq_at("files").iter().filter_map(Node::as_str);
        out.extend(files.map(|f| f.split_once('=').map_or(f, |(_, path)| path)));
        out.extend(entry.seq_at("envs").iter().filter_map(Node::as_str));
        out.extend(entry.str_at("env"));
    }
    out
}

fn generators(root: &Node) -> Vec<Generator> {
    [
        ("configMapGenerator", "ConfigMap"),
        ("secretGenerator", "Secret"),
    ]
    .iter()
    .flat_map(|(key, kind)| {
        root.seq_at(key).iter().filter_map(|entry| {
            let name = entry.get("name").filter(|n| n.as_str().is_some())?;
            Some(Generator {
                kind,
                name: name.clone(),
                namespace: entry.str_at("namespace").map(str::to_string),
                entry: entry.clone(),
            })
        })
    })
    .collect()
}

impl Generator {
    /// The object this generator makes in `namespace`, read from file `file`: the entry as
    /// written, under a `metadata.name` that is the entry's `name`, so that locations point
    /// at it.
    pub fn object(&self, file: FileId, namespace: &str) -> Object {
        let name = self.name.as_str().unwrap_or_default().to_string();
        let scalar = |text: &str| Node {
            span: self.name.span,
            value: Value::scalar(text, Style::Plain),
        };
        let metadata = Node {
            span: self.name.span,
            value: Value::Map(Box::new([Entry {
                key: scalar("name"),
                value: self.name.clone(),
            }])),
        };
        let mut entries = vec![Entry {
            key: scalar("metadata"),
            value: metadata,
        }];
        entries.extend(self.entry.as_map().unwrap_or(&[]).iter().cloned());
        let generator = if self.kind == "Secret" {
            "secretGenerator"
        } else {
            "configMapGenerator"
        };
        let data = ObjectData {
            doc: 0,
            api_version: "v1".into(),
            group: CompactString::default(),
            kind: self.kind.into(),
            name: name.into(),
            generated_name: false,
            namespace: namespace.into(),
            labels: Labels::default(),
            annotations: [(GENERATED_BY, generator)].into_iter().collect(),
            root: Node {
                span: self.entry.span,
                value: Value::Map(entries.into_boxed_slice()),
            },
        };
        Object::new(file, data)
    }
}

/// Whether `object` was made by a kustomize generator.
pub fn is_generated(object: &Object) -> bool {
    object.annotations.contains_key(GENERATED_BY)
}

/// The data keys a generated object shows: the keys of its `literals` and `files` (`key=path`,
/// or the file's name). `None` when an `envs`/`env` file adds keys kroute does not read.
pub fn generated_keys(object: &Object) -> Option<Vec<String>> {
    let root = &object.root;
    if !root.seq_at("envs").is_empty() || root.get("env").is_some() {
        return None;
    }
    let literals = root
        .seq_at("literals")
        .iter()
        .filter_map(Node::as_str)
        .filter_map(|l| l.split_once('=').map(|(k, _)| k));
    let files = root
        .seq_at("files")
        .iter()
        .filter_map(Node::as_str)
        .map(|f| {
            f.split_once('=')
                .map_or_else(|| f.rsplit('/').next().unwrap_or(f), |(key, _)| key)
        });
    Some(
        literals
            .chain(files)
            .map(|k| k.trim().to_string())
            .collect(),
    )
}

/// `name` without the hash suffix kustomize gives generated objects (`app-config-5f7k9h2c6t`
/// → `app-config`): a dash and ten characters of kustomize's hash alphabet.
pub fn without_hash_suffix(name: &str) -> Option<&str> {
    const ALPHABET: &str = "2456789bcdfghkmt";
    let (base, hash) = name.rsplit_once('-')?;
    (!base.is_empty() && hash.len() == 10 && hash.chars().all(|c| ALPHABET.contains(c)))
        .then_some(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_suffixes_are_kustomizes() {
        assert_eq!(
            without_hash_suffix("app-config-5f7k9h2c6t"),
            Some("app-config")
        );
        assert_eq!(without_hash_suffix("app-4h2mbtbbt6"), Some("app"));
        // `a`, `e`, `0`, `1` and `3` are not in kustomize's alphabet.
        assert_eq!(without_hash_suffix("app-config-5f7k9h2c6a"), None);
        assert_eq!(without_hash_suffix("app-config-5f7k9h2c6"), None);
        assert_eq!(without_hash_suffix("-5f7k9h2c6t"), None);
        assert_eq!(without_hash_suffix("app-config"), None);
    }

    #[test]
    fn reads_name_patches_and_generator_input_not_resources() {
        let yaml = "resources: [a.yaml]\npatchesStrategicMerge:\n- p1.yaml\n- |\n  kind: X\npatches:\n- path: p2.yaml\n- patch: inline\nconfigMapGenerator:\n- name: c\n  files: [app.properties, key=conf/x.json]\n  envs: [.env]\nsecretGenerator:\n- name: s\n  env: s.env\n";
        let parsed = parse_stream(yaml, &Limits::default());
        let root = &parsed.documents[0].root;
        assert_eq!(
            reads(root),
            [
                "p1.yaml",
                "p2.yaml",
                "app.properties",
                "conf/x.json",
                ".env",
                "s.env"
            ]
        );
        let names: Vec<_> = generators(root)
            .iter()
            .map(|g| (g.kind, g.name.as_str().unwrap_or_default().to_string()))
            .collect();
        assert_eq!(
            names,
            [("ConfigMap", "c".to_string()), ("Secret", "s".to_string())]
        );
    }

    #[test]
    fn generated_objects_point_at_their_name_and_show_their_keys() {
        let yaml = "secretGenerator:\n- name: tls\n  files: [tls.crt, tls.key=certs/key.pem]\n  literals: [user=admin]\n";
        let parsed = parse_stream(yaml, &Limits::default());
        let generator = &generators(&parsed.documents[0].root)[0];
        let object = generator.object(FileId(3), "shop");
        assert_eq!(
            (object.kind.as_str(), object.name.as_str()),
            ("Secret", "tls")
        );
        assert_eq!(
            &yaml[object.name_span().start as usize..object.name_span().end as usize],
            "tls"
        );
        assert!(is_generated(&object));
        assert_eq!(
            generated_keys(&object),
            Some(vec![
                "user".to_string(),
                "tls.crt".to_string(),
                "tls.key".to_string()
            ])
        );
    }

    #[test]
    fn remote_resources_are_not_read() {
        for remote in [
            "https://github.com/org/repo//deploy?ref=v1",
            "github.com/org/repo/deploy",
            "git@github.com:org/repo.git",
        ] {
            assert!(is_remote(remote), "{remote}");
        }
        assert!(!is_remote("../base"));
    }
}
