//! The engine of a run, built from the one `RlmConfig`: the root and sub
//! models (the scripted demo for `--model scripted`), the budgets, the loop's
//! options with the prompt profile and helps, the interpreter's limits, the
//! scheduler, retrieval, the smart router and the subcall cache. `rlm run`
//! builds its engine here, and `rlm mcp` builds one per tool call here too,
//! so both run under the same settings.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rlm_adapters::{EnvVars, FakeAdapter, FakeScript, ModelAdapter};
use rlm_core::{Prompts, RlmBuilder};

use crate::config::{RlmConfig, SCRIPTED_MODEL};
use crate::exit::CliError;
use crate::helps_args::profile_and_helps;
use crate::retrieval_args::retrieval_settings;

/// The offline demo script (the README's first command; `rlm serve`'s default model too).
pub(crate) const DEMO_SCRIPT: &str = include_str!("../scripted/demo.toml");

/// A resolved configuration and what every engine built from it shares (the
/// subcall cache is opened once: one process per cache database).
pub struct EngineConfig {
    pub config: RlmConfig,
    pub env: EnvVars,
    /// `--script`: the script the `scripted` model plays (default: the demo).
    pub script: Option<PathBuf>,
    /// Where a single source's retrieval index goes when `retrieval.index_dir`
    /// is not set (`None`: beside the source, as `rlm index` keeps it;
    /// `rlm mcp`: its cache folder, never the user's folders).
    pub index_home: Option<PathBuf>,
    cache: Option<Arc<rlm_cache::SledCache>>,
}

impl EngineConfig {
    /// Opens the configured subcall cache, if any.
    pub fn new(
        config: RlmConfig,
        env: EnvVars,
        script: Option<PathBuf>,
    ) -> Result<EngineConfig, CliError> {
        let cache = match &config.cache {
            Some(path) => Some(Arc::new(rlm_cache::SledCache::open(path).map_err(|e| {
                CliError::Config(format!("cannot open the subcall cache {}: {e}", path.display()))
            })?)),
            None => None,
        };
        Ok(EngineConfig { config, env, script, index_home: None, cache })
    }

    /// The root model is the offline script.
    pub fn scripted(&self) -> bool {
        self.config.model == SCRIPTED_MODEL
    }

    /// A builder with every setting of the configuration, for a run over the
    /// context `contexts` name (retrieval keeps its index beside a single
    /// source). Fresh models each time: a script replays from its start.
    pub fn builder(&self, contexts: &[String]) -> Result<RlmBuilder, CliError> {
        let cfg = &self.config;
        let script = self.script.as_deref();
        let root: Arc<dyn ModelAdapter> = if self.scripted() {
            scripted_adapter(script, &self.env)?
        } else {
            crate::config::root_adapter(cfg, &self.env)?
        };
        let sub: Arc<dyn ModelAdapter> = if cfg.sub_model.is_none() {
            Arc::clone(&root)
        } else if cfg.sub_model() == SCRIPTED_MODEL {
            scripted_adapter(script, &self.env)?
        } else {
            crate::config::sub_adapter(cfg, &self.env)?
        };
        let (profile, helps) = profile_and_helps(
            cfg.prompt_profile.as_deref(),
            cfg.helps.as_deref(),
            &root.model_id().to_string(),
        )?;
        let default_first_step = helps.retrieval_first_step;
        let mut builder = rlm_core::Rlm::builder()
            .root(root)
            .sub_model(sub)
            .budget(cfg.budgets.to_limits())
            .prompts(Prompts::for_profile(profile))
            .options(crate::config::loop_options(cfg, helps)?)
            .interpreter_limits(cfg.limits.clone())
            .scheduler(cfg.scheduler_config()?);
        let keyed;
        let retrieval = match (&self.index_home, &cfg.retrieval.index_dir, contexts) {
            (Some(home), None, [one]) if Path::new(one).exists() => {
                let dir = rlm_retrieval::index_dir_keyed(home, Path::new(one));
                keyed = rlm_config::Retrieval { index_dir: Some(dir), ..cfg.retrieval.clone() };
                &keyed
            }
            _ => &cfg.retrieval,
        };
        if let Some(r) = retrieval_settings(retrieval, contexts, &self.env, default_first_step)? {
            builder = builder.retrieval(r);
        }
        if let Some(chars) = cfg.router.smart_threshold_chars {
            builder = builder.smart_router(chars);
        }
        if let Some(cache) = &self.cache {
            builder = builder.cache(Arc::clone(cache) as Arc<dyn rlm_types::CompletionCache>);
        }
        Ok(builder)
    }
}

/// The scripted model: `--script`, else `RLM_FAKE_SCRIPT`, else the bundled demo.
pub fn scripted_adapter(
    script: Option<&Path>,
    env: &EnvVars,
) -> Result<Arc<dyn ModelAdapter>, CliError> {
    let from_file = |p: &Path| {
        FakeAdapter::from_file(p)
            .map(|a| Arc::new(a.with_model_name(SCRIPTED_MODEL)) as Arc<dyn ModelAdapter>)
            .map_err(|e| CliError::Config(format!("scripted model {}: {e}", p.display())))
    };
    if let Some(p) = script {
        return from_file(p);
    }
    if let Some(p) = env.first(&["RLM_FAKE_SCRIPT"]) {
        return from_file(Path::new(p));
    }
    let script: FakeScript = toml::from_str(DEMO_SCRIPT)
        .map_err(|e| CliError::Internal(format!("the bundled demo script does not parse: {e}")))?;
    let adapter = FakeAdapter::scripted(script)
        .map_err(|e| CliError::Internal(format!("the bundled demo script is invalid: {e}")))?;
    Ok(Arc::new(adapter.with_model_name("scripted-demo")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_demo_script_parses() {
        let a = scripted_adapter(None, &EnvVars::default()).unwrap();
        assert_eq!(a.model_id().to_string(), "fake:scripted-demo");
    }
}
