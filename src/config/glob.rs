//! Path globs of a config file: matched against paths relative to the config's directory,
//! the way `.gitignore` patterns are (a pattern without `/` matches at any depth, one that
//! names a directory matches everything under it).

use std::path::{Path, PathBuf};

use globset::{Glob, GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};

/// Patterns with the directory they are relative to.
#[derive(Clone, Debug, Default)]
pub struct PathGlobs {
    set: GlobSet,
    base: PathBuf,
    patterns: usize,
}

impl PathGlobs {
    /// Compiles `patterns`, relative to `base`; an invalid pattern's error names it.
    pub fn new(patterns: &[&str], base: &Path) -> Result<Self, String> {
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            for glob in path_globs(pattern)? {
                builder.add(glob);
            }
        }
        Ok(PathGlobs {
            set: builder.build().map_err(|e| e.to_string())?,
            base: base.to_path_buf(),
            patterns: patterns.len(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.patterns == 0
    }

    /// Whether `path` (relative to the current directory, or absolute) is under the base
    /// and matches a pattern.
    pub fn matches(&self, path: &Path) -> bool {
        !self.is_empty() && relative_to(path, &self.base).is_some_and(|p| self.set.is_match(p))
    }
}

/// One path pattern, for a single `ignore:` entry.
#[derive(Clone, Debug)]
pub struct PathGlob(PathGlobs);

impl PathGlob {
    pub fn new(pattern: &str, base: &Path) -> Result<Self, String> {
        PathGlobs::new(&[pattern], base).map(PathGlob)
    }

    pub fn matches(&self, path: &Path) -> bool {
        self.0.matches(path)
    }
}

/// The globs a path pattern stands for: itself (anchored at the base when it has a `/`,
/// else at any depth) and everything under it.
fn path_globs(pattern: &str) -> Result<Vec<Glob>, String> {
    let trimmed = pattern.trim_start_matches("./");
    let body = trimmed.trim_start_matches('/').trim_end_matches('/');
    let at = if trimmed.starts_with('/') || body.contains('/') {
        body.to_string()
    } else {
        format!("**/{body}")
    };
    [at.clone(), format!("{at}/**")]
        .iter()
        .map(|p| literal_separator(p).map(|g| g.glob().clone()))
        .collect()
}

/// A glob in which `*` does not cross `/`.
fn literal_separator(pattern: &str) -> Result<GlobMatcher, String> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| format!("invalid glob `{pattern}`: {}", e.kind()))
}

/// A glob over names (kind, namespace, name): `*` matches anything.
pub fn name_glob(pattern: &str) -> Result<GlobMatcher, String> {
    Glob::new(pattern)
        .map(|g| g.compile_matcher())
        .map_err(|e| format!("invalid glob `{pattern}`: {}", e.kind()))
}

/// `path` relative to `base`, both made absolute against the current directory (and
/// resolved through links when they exist, so `./k8s` and a symlinked checkout agree).
fn relative_to(path: &Path, base: &Path) -> Option<PathBuf> {
    let absolute = |p: &Path| {
        std::fs::canonicalize(p)
            .or_else(|_| std::path::absolute(p))
            .ok()
    };
    let (path, base) = (absolute(path)?, absolute(base)?);
    path.strip_prefix(&base).ok().map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_like_gitignore() {
        let base = std::env::temp_dir().join("kroute-glob-test");
        let globs = PathGlobs::new(&["charts/", "*.tpl.yaml", "/vendor/**/crds"], &base).unwrap();
        let yes = [
            "charts/a.yaml",
            "charts/x/b.yaml",
            "k8s/app.tpl.yaml",
            "vendor/a/b/crds/c.yaml",
        ];
        let no = ["k8s/charts.yaml", "k8s/app.yaml", "x/vendor/a/crds/c.yaml"];
        for p in yes {
            assert!(globs.matches(&base.join(p)), "{p}");
        }
        for p in no {
            assert!(!globs.matches(&base.join(p)), "{p}");
        }
        assert!(!globs.matches(Path::new("/elsewhere/charts/a.yaml")));
        assert!(PathGlobs::new(&["a[b"], &base).is_err());
    }
}
