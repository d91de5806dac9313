//! Loading the context of every command from `--context` arguments: files,
//! folders (one document per file), glob patterns, or stdin. One source is
//! loaded as it is; several are merged, keeping every document.

use std::io::{IsTerminal as _, Read as _};
use std::path::{Path, PathBuf};

use crate::exit::CliError;

/// `rlm run`'s context: the sources, or stdin when none is given and stdin
/// is piped (see [`load_sources`]).
pub fn load_contexts(specs: &[String]) -> Result<rlm_context::Context, CliError> {
    if !specs.is_empty() {
        return load_sources(specs);
    }
    if std::io::stdin().is_terminal() {
        return Err(CliError::Config(
            "no context: pass --context PATH (a file, folder or glob; `-` for stdin) or pipe text in".into(),
        ));
    }
    load_sources(&["-".to_string()])
}

/// Loads paths, folders, glob patterns, or stdin (`-`). One source is loaded
/// as it is (a folder keeps one document per file); several are merged,
/// keeping every document. No source: an empty context.
pub fn load_sources(specs: &[String]) -> Result<rlm_context::Context, CliError> {
    let mut sources = Vec::with_capacity(specs.len());
    for spec in specs {
        sources.push(load_one(spec)?);
    }
    if sources.len() <= 1 {
        return Ok(sources.pop().unwrap_or_else(|| rlm_context::Context::from_text("")));
    }
    let mut docs = Vec::new();
    for (spec, ctx) in specs.iter().zip(&sources) {
        for (i, info) in ctx.documents().iter().enumerate() {
            let text =
                ctx.get_document(i as i64).map(|v| v.as_str().to_string()).unwrap_or_default();
            let name = match &info.name {
                Some(n) if ctx.num_documents() > 1 => format!("{spec}/{n}"),
                Some(n) => n.clone(),
                None => spec.clone(),
            };
            docs.push(rlm_context::Document::named(name, text));
        }
    }
    Ok(rlm_context::Context::from_documents(docs))
}

/// One source: `-` (stdin), a glob (the files under its fixed prefix whose
/// relative path matches the rest, via rlm-context's directory loader), or a
/// file or folder.
fn load_one(spec: &str) -> Result<rlm_context::Context, CliError> {
    if spec == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CliError::Context { path: "<stdin>".into(), reason: e.to_string() })?;
        return Ok(rlm_context::Context::from_text(text));
    }
    let path = Path::new(spec);
    if path.exists() || !spec.contains(['*', '?', '[', '{']) {
        return load_path(path);
    }
    // The directory part without wildcards is the root; the rest is the glob.
    let mut root = PathBuf::new();
    let mut rest = Vec::new();
    for comp in path.components() {
        let part = comp.as_os_str().to_string_lossy().into_owned();
        if rest.is_empty() && !part.contains(['*', '?', '[', '{']) {
            root.push(comp);
        } else {
            rest.push(part);
        }
    }
    if root.as_os_str().is_empty() {
        root = PathBuf::from(".");
    }
    let options = rlm_context::LoadOptions { include: vec![rest.join("/")], ..Default::default() };
    let ctx = rlm_context::Context::from_dir(&root, &options)
        .map_err(|e| CliError::Context { path: spec.to_string(), reason: e.to_string() })?;
    if ctx.num_documents() == 0 {
        return Err(CliError::Context {
            path: spec.to_string(),
            reason: "the pattern matches no file".into(),
        });
    }
    Ok(ctx)
}

/// A file or folder, loaded by `rlm-context` (memory-mapped when large).
fn load_path(path: &Path) -> Result<rlm_context::Context, CliError> {
    if !path.exists() {
        return Err(CliError::Context {
            path: path.display().to_string(),
            reason: "no such file or folder".into(),
        });
    }
    rlm_context::Context::from_path(path, &rlm_context::LoadOptions::default())
        .map_err(|e| CliError::Context { path: path.display().to_string(), reason: e.to_string() })
}
