//! The repository root: what the baseline's paths and the SARIF and GitHub reports' paths
//! are relative to, so they mean the same files from any directory kroute runs in.

use std::path::{Component, Path, PathBuf};

/// The path of standard input in reports (`SourceFile::path` of `-`).
pub const STDIN: &str = "<stdin>";

/// The root directory of a run and the working directory paths are given from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepoRoot {
    dir: PathBuf,
    cwd: PathBuf,
}

impl RepoRoot {
    /// The work tree of the git repository holding the current directory (the nearest
    /// directory upwards with a `.git`), else the current directory.
    pub fn discover() -> RepoRoot {
        let cwd = std::env::current_dir()
            .and_then(std::fs::canonicalize)
            .unwrap_or_default();
        let dir = cwd
            .ancestors()
            .find(|d| d.join(".git").exists())
            .unwrap_or(&cwd)
            .to_path_buf();
        RepoRoot { dir, cwd }
    }

    /// The root `dir`, paths being given from `cwd`.
    pub fn at(dir: PathBuf, cwd: PathBuf) -> RepoRoot {
        RepoRoot { dir, cwd }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `path`, as the user named it, relative to the root with `/` between components;
    /// `None` for standard input and for paths outside the root.
    pub fn relative(&self, path: &str) -> Option<String> {
        if path == STDIN {
            return None;
        }
        let path = self.cwd.join(path);
        let path = std::fs::canonicalize(&path).unwrap_or_else(|_| lexical(&path));
        let rel = path.strip_prefix(&self.dir).ok()?;
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        Some(parts.join("/"))
    }

    /// `relative(path)`, else `path` as given with `/` between components.
    pub fn display(&self, path: &str) -> String {
        self.relative(path)
            .unwrap_or_else(|| path.replace(std::path::MAIN_SEPARATOR, "/"))
    }
}

/// `path` without `.` and with `..` applied, for a path that does not exist (any more).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_the_root_with_forward_slashes() {
        let root = RepoRoot::at("/repo".into(), "/repo/k8s".into());
        assert_eq!(
            root.relative("shop/vs.yaml").as_deref(),
            Some("k8s/shop/vs.yaml")
        );
        assert_eq!(root.relative("../x.yaml").as_deref(), Some("x.yaml"));
        assert_eq!(root.relative("/elsewhere/x.yaml"), None);
        assert_eq!(root.relative(STDIN), None);
        assert_eq!(root.display(STDIN), STDIN);
    }
}
