//! Bearer-key authentication, shared by `rlm serve` and `rlm mcp`: the keys
//! (`id:token`, from flags, `RLM_API_KEY`/`RLM_API_KEYS` and a key file), and
//! which key a request carries. Keys are compared by their blake3 hashes,
//! every key each time (constant time whichever matched); the token itself is
//! never stored in records, logged or echoed: callers are known by the id.

use axum::http::{HeaderMap, header};

use crate::error::{ListenError, Refusal};
use crate::tenant::Tenant;

/// Tokens shorter than this are refused (they could be guessed).
pub const MIN_TOKEN_CHARS: usize = 16;

/// A token: printed as `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyToken(String);

impl KeyToken {
    pub fn new(token: impl Into<String>) -> KeyToken {
        KeyToken(token.into())
    }

    /// The token itself (to hash it, or to send it as a client).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for KeyToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// One API key: the id callers are known by, and its token.
#[derive(Debug, Clone)]
pub struct ApiKey {
    pub id: String,
    pub token: KeyToken,
}

impl ApiKey {
    /// Parses `id:token` or a bare `token` (whose id is then `key-N`, N its
    /// position), separated by commas or lines; `#` starts a comment line.
    pub fn parse_list(text: &str) -> Result<Vec<ApiKey>, ListenError> {
        ApiKey::parse_labelled(text, &|i| format!("#{}", i + 1))
    }

    /// [`ApiKey::parse_list`], an unusable key named by `origin_of` its
    /// index among the items.
    fn parse_labelled(
        text: &str,
        origin_of: &dyn Fn(usize) -> String,
    ) -> Result<Vec<ApiKey>, ListenError> {
        let mut keys = Vec::new();
        for (i, item) in text.split([',', '\n']).map(str::trim).enumerate() {
            if item.is_empty() || item.starts_with('#') {
                continue;
            }
            let (id, token) = match item.split_once(':') {
                Some((id, token)) => (id.trim().to_string(), token.trim()),
                None => (format!("key-{}", i + 1), item),
            };
            if id.is_empty() || token.len() < MIN_TOKEN_CHARS {
                return Err(ListenError::UnusableKey { origin: origin_of(i) });
            }
            keys.push(ApiKey { id, token: KeyToken::new(token) });
        }
        Ok(keys)
    }

    /// Every key a front end is given: `--api-key` flags, the environment's
    /// values (`RLM_API_KEY`, `RLM_API_KEYS`: each with its variable's name),
    /// and a key file (one a line). A bare token's id is `key-N`, N its
    /// place in all of them joined (as it always was: a tenant's data is
    /// kept under its key's id). An unusable key is named by where it came
    /// from.
    pub fn gather(
        flags: &[String],
        env: &[(&str, Option<&str>)],
        file: Option<&std::path::Path>,
    ) -> Result<Vec<ApiKey>, ListenError> {
        let items = |text: &str| text.split([',', '\n']).count();
        let mut text = flags.join(",");
        let mut origins: Vec<String> = Vec::new();
        for (k, flag) in flags.iter().enumerate() {
            let which = if flags.len() > 1 { format!(" #{}", k + 1) } else { String::new() };
            origins.extend((0..items(flag)).map(|_| format!("given by --api-key{which}")));
        }
        if flags.is_empty() {
            origins.push(String::new());
        }
        for (name, value) in env {
            let Some(value) = value else { continue };
            text.push(',');
            text.push_str(value);
            let n = items(value);
            origins.extend((0..n).map(|j| match n {
                1 => format!("in {name}"),
                _ => format!("#{} of {name}", j + 1),
            }));
        }
        if let Some(path) = file {
            let read = std::fs::read_to_string(path).map_err(|source| ListenError::KeyFile {
                path: path.display().to_string(),
                source,
            })?;
            text.push('\n');
            text.push_str(&read);
            for (line, l) in read.split('\n').enumerate() {
                let place = format!("on line {} of {}", line + 1, path.display());
                origins.extend((0..items(l)).map(|_| place.clone()));
            }
        }
        let origin_of = |i: usize| origins.get(i).cloned().unwrap_or_else(|| format!("#{}", i + 1));
        let keys = ApiKey::parse_labelled(&text, &origin_of)?;
        let mut ids: Vec<&str> = keys.iter().map(|k| k.id.as_str()).collect();
        ids.sort_unstable();
        if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
            return Err(ListenError::DuplicateKeyId(w[0].to_string()));
        }
        Ok(keys)
    }
}

/// The configured keys, by hash.
#[derive(Clone, Default)]
pub struct KeyRing {
    keys: Vec<(String, blake3::Hash)>,
}

impl KeyRing {
    pub fn new(keys: &[ApiKey]) -> KeyRing {
        KeyRing {
            keys: keys
                .iter()
                .map(|k| (k.id.clone(), blake3::hash(k.token.expose().as_bytes())))
                .collect(),
        }
    }

    /// Whether any key is configured (no key: loopback only, every caller local).
    pub fn enabled(&self) -> bool {
        !self.keys.is_empty()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The tenant of the key `headers` carry ([`Tenant::local`] when no
    /// key is configured).
    pub fn identify(&self, headers: &HeaderMap) -> Result<Tenant, Refusal> {
        if self.keys.is_empty() {
            return Ok(Tenant::local());
        }
        let value = headers.get(header::AUTHORIZATION).ok_or(Refusal::MissingKey)?;
        // The scheme's name is case-insensitive (RFC 9110, 11.1).
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.trim_start().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .ok_or(Refusal::MissingKey)?;
        let hash = blake3::hash(token.as_bytes());
        // Check every key (no early exit), so timing does not depend on which matched.
        let mut found = None;
        for (id, key) in &self.keys {
            if *key == hash {
                found = Some(id.as_str());
            }
        }
        found.map(Tenant::of_key).ok_or(Refusal::WrongKey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(auth: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, auth.parse().unwrap());
        h
    }

    #[test]
    fn keys_parse_and_identify_case_insensitively() {
        let keys = ApiKey::parse_list("alice:aaaaaaaaaaaaaaaa\n# c\nbbbbbbbbbbbbbbbb").unwrap();
        assert_eq!(keys[1].id, "key-3");
        assert_eq!(format!("{:?}", keys[0].token), "***");
        let ring = KeyRing::new(&keys);
        assert_eq!(ring.identify(&headers("bEaReR aaaaaaaaaaaaaaaa")), Ok(Tenant::of_key("alice")));
        assert_eq!(ring.identify(&headers("Bearer nope")), Err(Refusal::WrongKey));
        assert_eq!(ring.identify(&headers("Basic aaaaaaaaaaaaaaaa")), Err(Refusal::MissingKey));
        assert_eq!(ring.identify(&HeaderMap::new()), Err(Refusal::MissingKey));
        assert_eq!(KeyRing::default().identify(&HeaderMap::new()), Ok(Tenant::local()));
        assert!(ApiKey::parse_list("a:short").is_err());
        let dup = ApiKey::gather(
            &["a:aaaaaaaaaaaaaaaa".into()],
            &[("RLM_API_KEY", Some("a:bbbbbbbbbbbbbbbb"))],
            None,
        );
        assert!(matches!(dup, Err(ListenError::DuplicateKeyId(id)) if id == "a"));
    }

    /// An unusable key is named by where it was given, whatever came before
    /// it; a bare token's id is its place in all the sources joined.
    #[test]
    fn an_unusable_key_is_named_by_its_source() {
        let err = |flags: &[&str], env: &[(&str, Option<&str>)]| {
            let flags: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
            ApiKey::gather(&flags, env, None).unwrap_err().to_string()
        };
        let lone = err(&[], &[("RLM_API_KEY", Some("short")), ("RLM_API_KEYS", None)]);
        assert!(lone.starts_with("the API key in RLM_API_KEY is unusable"), "{lone}");
        let listed = err(&[], &[("RLM_API_KEYS", Some("a:aaaaaaaaaaaaaaaa,b:short"))]);
        assert!(listed.starts_with("the API key #2 of RLM_API_KEYS is unusable"), "{listed}");
        let flag = err(&["x:aaaaaaaaaaaaaaaa", "y:no"], &[]);
        assert!(flag.starts_with("the API key given by --api-key #2 is unusable"), "{flag}");
        let file = std::env::temp_dir().join(format!("rlm-keys-{}", std::process::id()));
        std::fs::write(&file, "# ops\nops:aaaaaaaaaaaaaaaa\nbad\n").unwrap();
        let e = ApiKey::gather(&[], &[], Some(&file)).unwrap_err().to_string();
        let _ = std::fs::remove_file(&file);
        assert!(e.contains(&format!("on line 3 of {}", file.display())), "{e}");
        let keys = ApiKey::gather(&[], &[("RLM_API_KEY", Some("bbbbbbbbbbbbbbbb"))], None).unwrap();
        assert_eq!(keys[0].id, "key-2", "a bare token's id is unchanged");
    }
}
