//! What the CLI brings to rlm-core's one engine constructor
//! ([`rlm_core::Rlm::from_config`]): the script the `scripted` model plays
//! (`--script`, else `RLM_FAKE_SCRIPT`, else the demo bundled in the binary).
//! `rlm run` and `rlm mcp` build their engines from [`engine_parts`], so both
//! run under the same settings.

use std::path::Path;

use rlm_core::EngineParts;
use rlm_core::adapters::{EnvVars, FakeAdapter, FakeScript};

use crate::config::{RlmConfig, SCRIPTED_MODEL};
use crate::exit::CliError;

/// The offline demo script (the README's first command; `rlm serve`'s default model too).
pub(crate) const DEMO_SCRIPT: &str = include_str!("../scripted/demo.toml");

/// The engine parts of `config`: its subcall cache opened, the `scripted`
/// model playing [`scripted_adapter`]'s script.
pub fn engine_parts(
    config: RlmConfig,
    env: EnvVars,
    script: Option<&Path>,
) -> Result<EngineParts, CliError> {
    let scripted = scripted_adapter(script, &env)?;
    Ok(EngineParts::new(config, env)?.with_script(scripted))
}

/// The scripted model: `--script`, else `RLM_FAKE_SCRIPT`, else the bundled demo.
pub fn scripted_adapter(script: Option<&Path>, env: &EnvVars) -> Result<FakeAdapter, CliError> {
    if let Some(p) = script {
        return script_adapter(p);
    }
    if let Some(p) = env.first(&["RLM_FAKE_SCRIPT"]) {
        return script_adapter(Path::new(p));
    }
    let script = demo_script()?;
    let adapter = FakeAdapter::scripted(script)
        .map_err(|e| CliError::Internal(format!("the bundled demo script is invalid: {e}")))?;
    Ok(adapter.with_model_name("scripted-demo"))
}

/// The scripted model playing the script file at `path` (.toml/.json), as
/// every front end's `--script` reads it.
pub fn script_adapter(path: &Path) -> Result<FakeAdapter, CliError> {
    FakeAdapter::from_file(path)
        .map(|a| a.with_model_name(SCRIPTED_MODEL))
        .map_err(|e| CliError::Config(format!("scripted model {}: {e}", path.display())))
}

/// The bundled demo script.
pub fn demo_script() -> Result<FakeScript, CliError> {
    toml::from_str(DEMO_SCRIPT)
        .map_err(|e| CliError::Internal(format!("the bundled demo script does not parse: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rlm_core::adapters::ModelAdapter as _;

    #[test]
    fn the_bundled_demo_script_parses() {
        let a = scripted_adapter(None, &EnvVars::default()).unwrap();
        assert_eq!(a.model_id().to_string(), "fake:scripted-demo");
    }
}
