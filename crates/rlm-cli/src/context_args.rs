//! Loading the context of every command from `--context` arguments: files,
//! folders (one document per file; binary files skipped with a one-line
//! notice on stderr, as ripgrep does), glob patterns, or stdin (spooled to a
//! temporary file and mapped). One source is loaded as it is; several files
//! are read into one buffer (the text held once, as a folder's is); other
//! mixes are merged, keeping every document. `--lossy` decodes text in other
//! encodings with U+FFFD for invalid bytes.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use rlm_context::{ContextError, Decoding, LoadOptions};

use crate::exit::CliError;

/// How invalid UTF-8 is treated: `--lossy` or strict.
pub fn decoding(lossy: bool) -> Decoding {
    if lossy { Decoding::Lossy } else { Decoding::Strict }
}

/// `rlm run`'s context: the sources, or stdin when none is given and stdin
/// is piped (see [`load_sources`]).
pub fn load_contexts(specs: &[String], lossy: bool) -> Result<rlm_context::Context, CliError> {
    if !specs.is_empty() {
        return load_sources(specs, lossy);
    }
    if std::io::stdin().is_terminal() {
        return Err(CliError::Config(
            "no context: pass --context PATH (a file, folder or glob; `-` for stdin) or pipe text in".into(),
        ));
    }
    load_sources(&["-".to_string()], lossy)
}

/// Loads paths, folders, glob patterns, or stdin (`-`). One source is loaded
/// as it is (a folder keeps one document per file); several are merged,
/// keeping every document. No source: an empty context.
pub fn load_sources(specs: &[String], lossy: bool) -> Result<rlm_context::Context, CliError> {
    load_sources_within(specs, lossy, LoadOptions::default().max_total_bytes)
}

/// [`load_sources`] refusing, before any file is read, sources whose files
/// add up to more than `max_bytes` (a server's context cap).
pub fn load_sources_within(
    specs: &[String],
    lossy: bool,
    max_bytes: u64,
) -> Result<rlm_context::Context, CliError> {
    let options = LoadOptions {
        decoding: decoding(lossy),
        max_total_bytes: max_bytes,
        ..LoadOptions::default()
    };
    if specs.len() > 1 && specs.iter().all(|s| s != "-" && Path::new(s).is_file()) {
        return load_files(specs, &options);
    }
    let mut sources = Vec::with_capacity(specs.len());
    for spec in specs {
        let loaded = load_one(spec, &options)?;
        for path in &loaded.skipped_binary {
            eprintln!("rlm: {}: binary file skipped", path.display());
        }
        sources.push(loaded.context);
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

/// Several named files: read into one buffer, one document each (the text
/// held once, as a folder's is); a binary one is an error, as it is alone.
fn load_files(specs: &[String], options: &LoadOptions) -> Result<rlm_context::Context, CliError> {
    let files: Vec<(String, PathBuf)> = specs
        .iter()
        .map(|s| {
            let path = PathBuf::from(s);
            let name = path.file_name().map_or_else(|| s.clone(), |n| n.to_string_lossy().into());
            (name, path)
        })
        .collect();
    let loaded = rlm_context::Context::load_files(&files, options)
        .map_err(|e| context_error(&specs.join(" "), &e))?;
    if let Some(path) = loaded.skipped_binary.first() {
        let error = ContextError::BinaryFile { path: path.clone(), byte_offset: 0 };
        return Err(context_error(&path.display().to_string(), &error));
    }
    Ok(loaded.context)
}

/// One source: `-` (stdin), a glob (the files under its fixed prefix whose
/// relative path matches the rest, via rlm-context's directory loader), or a
/// file or folder.
fn load_one(spec: &str, options: &LoadOptions) -> Result<rlm_context::Loaded, CliError> {
    if spec == "-" {
        let context =
            rlm_context::Context::from_stdin(options).map_err(|e| context_error("<stdin>", &e))?;
        return Ok(rlm_context::Loaded { context, skipped_binary: Vec::new() });
    }
    let path = Path::new(spec);
    if path.exists() || !spec.contains(['*', '?', '[', '{']) {
        return load_path(path, options);
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
    let options = LoadOptions { include: vec![rest.join("/")], ..options.clone() };
    let loaded =
        rlm_context::Context::load_dir(&root, &options).map_err(|e| context_error(spec, &e))?;
    if loaded.context.num_documents() == 0 {
        return Err(CliError::Context {
            path: spec.to_string(),
            reason: "the pattern matches no file".into(),
        });
    }
    Ok(loaded)
}

/// A file or folder, loaded by `rlm-context` (memory-mapped when large).
fn load_path(path: &Path, options: &LoadOptions) -> Result<rlm_context::Loaded, CliError> {
    if !path.exists() {
        return Err(CliError::Context {
            path: path.display().to_string(),
            reason: "no such file or folder".into(),
        });
    }
    rlm_context::Context::load_path(path, options)
        .map_err(|e| context_error(&path.display().to_string(), &e))
}

/// A loading error worded with the flags that exist: invalid UTF-8 names
/// `--lossy`; a binary file says that only text is read.
fn context_error(spec: &str, error: &ContextError) -> CliError {
    let reason = match error {
        ContextError::InvalidUtf8 { path, byte_offset } => format!(
            "{} is not valid UTF-8 at byte offset {byte_offset}; pass --lossy to replace invalid \
             bytes with U+FFFD",
            path.as_ref().map_or_else(|| "the input".to_string(), |p| p.display().to_string())
        ),
        ContextError::BinaryFile { path, .. } => format!(
            "{} is a binary file; --context reads text (folders skip binary files)",
            path.display()
        ),
        other => other.to_string(),
    };
    CliError::Context { path: spec.to_string(), reason }
}
