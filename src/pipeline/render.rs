//! `--kustomize`: each kustomization root is rendered by `kustomize build` (or `kubectl
//! kustomize`) and its scope checks the rendering instead of the files. A finding on a
//! rendered object that some file of the root defines unchanged (same kind, namespace,
//! name and content) is shown in that file; the others are shown in the rendered stream,
//! named after the command (`<kustomize build overlays/prod>`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use rayon::prelude::*;

use super::scope::{Layout, Scope};
use crate::diagnostic::Diagnostic;
use crate::manifest::{self, LoadOptions, Loaded, Object};
use crate::source::{FileId, SourceMap};
use crate::yaml::{Entry, Node, Span, Value};

/// A program that renders kustomizations.
#[derive(Clone, Debug)]
pub struct Renderer {
    program: PathBuf,
    /// The subcommand, before the directory: `build` or `kustomize`.
    subcommand: &'static str,
}

impl Renderer {
    /// `kustomize`, else `kubectl`, from `PATH`.
    pub fn find() -> Option<Renderer> {
        [("kustomize", "build"), ("kubectl", "kustomize")]
            .into_iter()
            .find_map(|(name, subcommand)| {
                Some(Renderer {
                    program: on_path(name)?,
                    subcommand,
                })
            })
    }

    /// How findings name a rendering of `dir`: `<kustomize build DIR>`.
    fn label(&self, dir: &Path) -> String {
        let name = self
            .program
            .file_name()
            .unwrap_or_default()
            .to_string_lossy();
        let shown = std::env::current_dir()
            .ok()
            .and_then(|cwd| dir.strip_prefix(cwd).ok().map(Path::to_path_buf))
            .filter(|rel| !rel.as_os_str().is_empty())
            .unwrap_or_else(|| dir.to_path_buf());
        format!("<{name} {} {}>", self.subcommand, shown.display())
    }

    /// The rendering of the kustomization in `dir`, or what the program said when it failed.
    fn render(&self, dir: &Path) -> Result<String, String> {
        let output = Command::new(&self.program)
            .arg(self.subcommand)
            .arg(dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        if output.status.success() {
            String::from_utf8(output.stdout).map_err(|_| "its output is not UTF-8".to_string())
        } else {
            Err(complaint(&String::from_utf8_lossy(&output.stderr)))
        }
    }
}

/// What a renderer said on failure, on one line: kubectl's log prefix
/// (`E1130 19:37:43.665113 450 run.go:72] "command failed" err=<`) and the quoting of its
/// error removed.
fn complaint(stderr: &str) -> String {
    let words: Vec<&str> = stderr
        .lines()
        .map(|line| match line.split_once("] ") {
            Some((head, rest)) if head.starts_with(['E', 'W', 'I', 'F']) => rest,
            _ => line,
        })
        .map(|line| {
            let line = line.trim().trim_start_matches("\"command failed\" err=");
            line.trim_matches(['<', '>', '"']).trim()
        })
        .filter(|line| !line.is_empty())
        .collect();
    if words.is_empty() {
        "it failed without a word".to_string()
    } else {
        words.join(" ")
    }
}

/// The executable `name` in a directory of `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// The renderings added to the sources, and what could not be rendered.
#[derive(Debug, Default)]
pub(super) struct Rendered {
    pub files: Vec<FileId>,
    pub warnings: Vec<String>,
}

/// Renders the root of each kustomization scope, adds each rendering to `loaded` as a file
/// and makes the scope check it; a root that cannot be rendered is checked file by file,
/// with a warning.
pub(super) fn render(
    renderer: &Renderer,
    layout: &Layout,
    scopes: &mut [Scope],
    loaded: &mut Loaded,
    opts: &LoadOptions,
) -> Rendered {
    let dirs: Vec<(usize, PathBuf)> = scopes
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let file = &layout.kustomizations.all[s.root?].file;
            Some((i, file.parent()?.to_path_buf()))
        })
        .collect();
    let results: Vec<_> = dirs
        .par_iter()
        .map(|(i, dir)| (*i, renderer.label(dir), renderer.render(dir)))
        .collect();
    let mut rendered = Rendered {
        files: Vec::new(),
        warnings: Vec::new(),
    };
    for (i, label, result) in results {
        match result {
            Ok(text) => {
                let file = loaded.next_file();
                let found = manifest::read_text(file, &text, opts);
                let (issues, objects) = loaded.add_file(label, text, found);
                let scope = &mut scopes[i];
                let raw = std::mem::replace(&mut scope.own_loaded, objects.collect());
                scope.generated.clear();
                scope.issues.extend(issues);
                scope.rendering = Some(Rendering { file, raw });
                rendered.files.push(file);
            }
            Err(e) => rendered.warnings.push(format!(
                "`{}` failed, so its files were checked as they are: {e}",
                label.trim_matches(['<', '>'])
            )),
        }
    }
    rendered
}

/// A scope's rendering: the file it was read as, and the objects of the root's files (by
/// index among the loaded objects).
#[derive(Debug)]
pub(super) struct Rendering {
    file: FileId,
    raw: Vec<usize>,
}

impl Rendering {
    /// Moves the locations in rendered objects that a file defines unchanged into that
    /// file. `objects` are the scope's, the rendered ones among them; `loaded` the objects
    /// of the files.
    pub fn map_back(
        &self,
        loaded: &[Object],
        objects: &[Object],
        diagnostics: &mut [Diagnostic],
        sources: &SourceMap,
    ) {
        let origins = self.origins(loaded, objects);
        if origins.is_empty() {
            return;
        }
        let place = |file: &mut FileId, span: &mut Span| {
            if *file == self.file {
                if let Some((f, s)) = locate(&origins, *span, sources) {
                    (*file, *span) = (f, s);
                }
            }
        };
        for d in diagnostics {
            place(&mut d.file, &mut d.span);
            for related in &mut d.related {
                place(&mut related.file, &mut related.span);
            }
        }
    }

    /// Each rendered object that a file of the root defines unchanged, with that definition,
    /// in the order of the rendering.
    fn origins<'a>(
        &self,
        loaded: &'a [Object],
        objects: &'a [Object],
    ) -> Vec<(&'a Object, &'a Object)> {
        let mut raw: HashMap<(&str, &str), Vec<&Object>> = HashMap::new();
        for object in self.raw.iter().map(|&i| &loaded[i]) {
            raw.entry((&object.kind, &object.name))
                .or_default()
                .push(object);
        }
        let mut origins: Vec<(&Object, &Object)> = objects
            .iter()
            .filter(|o| o.file == self.file)
            .filter_map(|o| {
                let candidates = raw.get(&(o.kind.as_str(), o.name.as_str()))?;
                let source = candidates
                    .iter()
                    .find(|r| r.key() == o.key() && same_object(r, o))?;
                Some((o, *source))
            })
            .collect();
        origins.sort_by_key(|(o, _)| o.span().start);
        origins
    }
}

/// Where `span` of the rendering is in the file an object came from, if it is in such an
/// object: the same node, or the same bytes of a scalar written alike.
fn locate(
    origins: &[(&Object, &Object)],
    span: Span,
    sources: &SourceMap,
) -> Option<(FileId, Span)> {
    let at = origins.partition_point(|(o, _)| o.span().start <= span.start);
    let (rendered, raw) = origins.get(at.checked_sub(1)?)?;
    if !rendered.span().contains(span) {
        return None;
    }
    let (from, to) = counterpart(&rendered.root, &raw.root, span);
    let text = |file: FileId, s: Span| sources.get(file).text()?.get(s.bytes());
    let mapped = if from.span == span {
        to.span
    } else if text(rendered.file, from.span) == text(raw.file, to.span) {
        let start = to.span.start + (span.start - from.span.start);
        Span {
            start,
            end: start + (span.end - span.start),
        }
    } else {
        to.span
    };
    Some((raw.file, mapped))
}

/// The deepest node of `from` that holds `span`, with the node at the same place in `to`,
/// a tree of the same content.
fn counterpart<'a, 'b>(from: &'a Node, to: &'b Node, span: Span) -> (&'a Node, &'b Node) {
    if from.span == span {
        return (from, to);
    }
    let inner = match (&from.value, &to.value) {
        (Value::Seq(a), Value::Seq(b)) => a.iter().zip(b).find(|(x, _)| x.span.contains(span)),
        (Value::Map(a), Value::Map(_)) => a.iter().find_map(|e| {
            let other = to.entry(e.key.as_str()?)?;
            [(&e.key, &other.key), (&e.value, &other.value)]
                .into_iter()
                .find(|(x, _)| x.span.contains(span))
        }),
        _ => None,
    };
    match inner {
        Some((x, y)) => counterpart(x, y, span),
        None => (from, to),
    }
}

/// Whether `raw` and `rendered` say the same, but for the namespace the rendering writes
/// out (their effective namespaces are compared with their keys).
fn same_object(raw: &Object, rendered: &Object) -> bool {
    same_map(&raw.root, &rendered.root, None, |key, a, b| match key {
        "metadata" => same_map(a, b, Some("namespace"), |_, a, b| same(a, b)),
        _ => same(a, b),
    })
}

/// Whether two mappings have the same keys (`skip` aside), and `values` holds for the
/// values of each.
fn same_map(
    a: &Node,
    b: &Node,
    skip: Option<&str>,
    values: impl Fn(&str, &Node, &Node) -> bool,
) -> bool {
    let (Some(x), Some(y)) = (a.as_map(), b.as_map()) else {
        return false;
    };
    let (x, y) = (without(x, skip), without(y, skip));
    x.len() == y.len()
        && x.iter().all(|e| {
            let key = e.key.as_str();
            key.and_then(|k| Some((k, b.get(k)?)))
                .is_some_and(|(k, other)| values(k, &e.value, other))
        })
}

/// The entries of a mapping but the one for `skip`.
fn without<'a>(entries: &'a [Entry], skip: Option<&str>) -> Vec<&'a Entry> {
    entries
        .iter()
        .filter(|e| skip.is_none() || e.key.as_str() != skip)
        .collect()
}

/// Whether two trees have the same content: equal scalar texts (however quoted), the same
/// items in order, the same keys with the same values in any order.
fn same(a: &Node, b: &Node) -> bool {
    if let (Some((x, _)), Some((y, _))) = (a.scalar(), b.scalar()) {
        return (a.is_null() && b.is_null()) || x == y;
    }
    match (&a.value, &b.value) {
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Map(_), Value::Map(_)) => same_map(a, b, None, |_, a, b| same(a, b)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::{complaint, counterpart, same_object};
    use crate::manifest::{read_text, LoadOptions, Object};
    use crate::source::FileId;

    fn object(yaml: &str) -> Object {
        let mut found = read_text(FileId(0), yaml, &LoadOptions::default());
        found.objects.remove(0)
    }

    const RAW: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports: [{port: 80, name: \"http\"}]\n";
    const RENDERED: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: default\nspec:\n  ports:\n  - name: http\n    port: 80\n  selector:\n    app: web\n";

    #[test]
    fn a_rendering_in_another_order_and_style_is_the_same_object() {
        assert!(same_object(&object(RAW), &object(RENDERED)));
        let changed = RENDERED.replace("port: 80", "port: 8080");
        assert!(!same_object(&object(RAW), &object(&changed)));
        let labelled = RENDERED.replace("  namespace: default\n", "  labels: {env: prod}\n");
        assert!(!same_object(&object(RAW), &object(&labelled)));
    }

    #[test]
    fn a_node_of_the_rendering_is_found_in_the_file() {
        let (raw, rendered) = (object(RAW), object(RENDERED));
        let at = RENDERED.find("80").unwrap();
        let port = rendered
            .root
            .at(&["spec", "ports"])
            .unwrap()
            .as_seq()
            .unwrap()[0]
            .get("port")
            .unwrap();
        assert_eq!(port.span.start as usize, at);
        let (_, found) = counterpart(&rendered.root, &raw.root, port.span);
        assert_eq!(&RAW[found.span.bytes()], "80");
        let selector = rendered.root.at(&["spec", "selector"]).unwrap();
        let (_, found) = counterpart(&rendered.root, &raw.root, selector.span);
        assert_eq!(&RAW[found.span.bytes()], "{app: web}");
    }

    #[test]
    fn complaints_lose_kubectls_log_prefix() {
        let stderr = "E1130 19:37:43.665113     450 run.go:72] \"command failed\" err=\"accumulating resources: may not add resource\"\n";
        assert_eq!(
            complaint(stderr),
            "accumulating resources: may not add resource"
        );
        let multi = "E1130 19:37:46.671690     475 run.go:72] \"command failed\" err=<\n\tno such file\n >\n";
        assert_eq!(complaint(multi), "no such file");
        assert_eq!(
            complaint("Error: missing kustomization\n"),
            "Error: missing kustomization"
        );
    }
}
