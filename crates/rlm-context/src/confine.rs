//! [`AllowedRoots`]: the one path guard of every surface that loads files a
//! remote client names (`rlm serve`'s session `paths`, `rlm mcp`'s tool
//! arguments). A path is allowed only when it stays inside one of the roots
//! after every symbolic link is resolved, names no `..`, leads to no
//! `/proc`, `/sys` or `/dev` entry, and is a regular file or a folder; a
//! folder's and a glob's files are listed without following links, each one
//! checked the same way.

use std::path::{Component, Path, PathBuf};

use crate::error::{ContextError, Result};

/// Kernel file systems and devices: never context, whatever the roots.
const NEVER: [&str; 3] = ["/proc", "/sys", "/dev"];

/// The folders remote clients may read under (canonical paths).
#[derive(Debug, Clone)]
pub struct AllowedRoots {
    roots: Vec<PathBuf>,
}

fn refused(path: &str, reason: impl Into<String>) -> ContextError {
    ContextError::PathRefused { path: path.to_string(), reason: reason.into() }
}

impl AllowedRoots {
    /// The roots, which must exist (each is resolved once, here).
    pub fn new(roots: &[PathBuf]) -> Result<AllowedRoots> {
        let mut canonical = Vec::with_capacity(roots.len());
        for root in roots {
            let c = root
                .canonicalize()
                .map_err(|source| ContextError::Io { path: root.clone(), source })?;
            if !c.is_dir() {
                return Err(ContextError::NotAFileOrDirectory(c));
            }
            canonical.push(c);
        }
        Ok(AllowedRoots { roots: canonical })
    }

    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// The file or folder `spec` names (relative: to the first root), resolved
    /// and checked.
    pub fn resolve(&self, spec: &str) -> Result<PathBuf> {
        let given = Path::new(spec);
        if spec.is_empty() {
            return Err(refused(spec, "an empty path"));
        }
        if given.components().any(|c| matches!(c, Component::ParentDir | Component::Prefix(_))) {
            return Err(refused(spec, "`..` is not allowed"));
        }
        let Some(first) = self.roots.first() else {
            return Err(refused(
                spec,
                "this server reads no files (start it with --allow-path DIR)",
            ));
        };
        let joined = if given.is_absolute() { given.to_path_buf() } else { first.join(given) };
        let full = joined
            .canonicalize()
            .map_err(|_| refused(spec, "it does not exist under the allowed folders"))?;
        self.check(spec, &full)?;
        Ok(full)
    }

    /// Inside a root, not a kernel file system, a regular file or a folder.
    fn check(&self, spec: &str, full: &Path) -> Result<()> {
        if NEVER.iter().any(|n| full.starts_with(n)) {
            return Err(refused(spec, "kernel and device files are never read"));
        }
        if !self.roots.iter().any(|r| full.starts_with(r)) {
            return Err(refused(spec, "it leads outside the allowed folders"));
        }
        let kind = std::fs::metadata(full)
            .map_err(|source| ContextError::Io { path: full.to_path_buf(), source })?
            .file_type();
        if !(kind.is_file() || kind.is_dir()) {
            return Err(refused(spec, "not a regular file or a folder"));
        }
        Ok(())
    }

    /// The files `spec` names: a file, a folder's files (hidden ones and
    /// links skipped), or a glob's matches (`*`, `?`, `[`, `{` in its last
    /// components), each checked; in path order.
    pub fn files(&self, spec: &str) -> Result<Vec<PathBuf>> {
        let Some(glob_at) = spec.find(['*', '?', '[', '{']) else {
            let full = self.resolve(spec)?;
            return if full.is_dir() { self.walk(spec, &full, None) } else { Ok(vec![full]) };
        };
        // The literal folder before the first glob character is the walk's root.
        let base = spec[..glob_at].rfind('/').map_or("", |slash| &spec[..=slash]);
        let base_dir = if base.is_empty() { "." } else { base };
        let root = self.resolve(base_dir)?;
        if !root.is_dir() {
            return Err(refused(spec, "a glob's folder must be a folder"));
        }
        // `*` stays within one folder, as a shell's does; `**` crosses them.
        let pattern = globset::GlobBuilder::new(&spec[base.len()..])
            .literal_separator(true)
            .build()
            .map_err(|e| ContextError::InvalidGlob { glob: spec.into(), message: e.to_string() })?
            .compile_matcher();
        self.walk(spec, &root, Some(&pattern))
    }

    fn walk(
        &self,
        spec: &str,
        dir: &Path,
        pattern: Option<&globset::GlobMatcher>,
    ) -> Result<Vec<PathBuf>> {
        let mut files = Vec::new();
        let walker = walkdir::WalkDir::new(dir).follow_links(false).sort_by_file_name();
        let entries = walker
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
        for entry in entries {
            let entry = entry.map_err(|e| refused(spec, e.to_string()))?;
            if !entry.file_type().is_file() {
                continue;
            }
            let relative = entry.path().strip_prefix(dir).unwrap_or(entry.path());
            if pattern.is_some_and(|p| !p.is_match(relative)) {
                continue;
            }
            self.check(spec, entry.path())?;
            files.push(entry.path().to_path_buf());
        }
        if files.is_empty() {
            return Err(refused(spec, "it holds no files"));
        }
        Ok(files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_inside_the_roots() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("a.txt"), "a").unwrap();
        std::fs::write(root.join("sub/b.txt"), "b").unwrap();
        std::fs::write(dir.path().join("secret"), "s").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path(), root.join("out")).unwrap();
            std::os::unix::fs::symlink(dir.path().join("secret"), root.join("sub/leak")).unwrap();
        }
        let roots = AllowedRoots::new(std::slice::from_ref(&root)).unwrap();
        let canonical = root.canonicalize().unwrap();
        assert_eq!(roots.files("a.txt").unwrap(), vec![canonical.join("a.txt")]);
        assert_eq!(roots.files("sub").unwrap(), vec![canonical.join("sub/b.txt")], "links skipped");
        assert_eq!(roots.files("*.txt").unwrap(), vec![canonical.join("a.txt")]);
        assert_eq!(roots.files("**/*.txt").unwrap().len(), 2);
        let abs = canonical.join("a.txt");
        assert!(roots.files(abs.to_str().unwrap()).is_ok());
        for bad in [
            "/etc/passwd",
            "../secret",
            "../../../../etc/passwd",
            "/etc/pass*",
            "/proc/self/environ",
            "out/secret",
            "sub/leak",
            "",
        ] {
            let e = roots.files(bad).unwrap_err();
            assert!(matches!(e, ContextError::PathRefused { .. }), "{bad}: {e}");
        }
        let none = AllowedRoots::new(&[]).unwrap();
        assert!(none.files("a.txt").unwrap_err().to_string().contains("--allow-path"));
    }
}
