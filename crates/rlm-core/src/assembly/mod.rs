//! The one place settings become an engine: [`EngineParts`] holds a resolved
//! [`RlmConfig`] with what every engine built from it shares (the provider
//! environment, the subcall cache opened once, the script the `scripted`
//! model plays), and [`Rlm::from_config`] turns it into an [`RlmBuilder`]
//! with every setting applied: the models (the adapter factory, or the
//! scripted model), budgets, interpreter limits, scheduler, cache, prompt
//! profile and helps, guards and fallback program, retrieval and the smart
//! router, the MCP servers' tools (connected once, `mcp.rs`); every model wrapped in a [`Recorder`] (`record`) or answered by a
//! [`Replayer`] (`replay`), so every front end records and replays alike.
//! `rlm run`, `rlm mcp`, `rlm exec`/`repl`, `rlm serve`, `rlm
//! stress` and the Python bindings all build their engines here; each adds
//! only what it alone owns on the returned builder (the server its sandbox
//! host and cluster-wide rate limiter, Python its flavour and listeners).

mod helps;
mod mcp;
mod overrides;
mod retrieval;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rlm_adapters::{
    EnvVars, FakeAdapter, ModelAdapter, Recorder, RecordingWriter, ReplayBook, Replayer,
    adapter_from_model_string,
};
use rlm_config::{RlmConfig, SCRIPTED_MODEL};
use rlm_prompts::Prompts;
use rlm_types::CompletionCache;

use crate::error::RlmError;
use crate::rlm::{Rlm, RlmBuilder};

pub use helps::{parse_helps, profile_and_helps};
pub use overrides::{BudgetOverrides, EngineModels, LoopOverrides, RunOverrides};
pub use retrieval::{embedder, retrieval_settings};

/// A root model and a sub-model.
pub type ModelPair = (Arc<dyn ModelAdapter>, Arc<dyn ModelAdapter>);

/// What wraps an engine's model (a recorder or a replayer).
type AdapterWrap<'a> = dyn Fn(&Arc<dyn ModelAdapter>) -> Arc<dyn ModelAdapter> + 'a;

/// A resolved configuration and what every engine built from it shares.
pub struct EngineParts {
    config: RlmConfig,
    env: EnvVars,
    /// The subcall cache, opened once (sled allows one opener per process).
    cache: Option<Arc<dyn CompletionCache>>,
    /// What the `scripted` model plays, compiled once; each engine plays a
    /// copy from its start. `None`: the adapters' own `fake:scripted`.
    script: Option<FakeAdapter>,
    /// A pause before each token of the `scripted` model's replies (the
    /// server's `--scripted-token-delay-ms`; zero: none).
    script_pace: std::time::Duration,
    /// Where a single source's retrieval index goes when
    /// `retrieval.index_dir` is not set (`None`: beside the source).
    index_home: Option<PathBuf>,
    /// `record`: the one writer every model of every engine writes to.
    record: Option<RecordingWriter>,
    /// `replay`: the recording every engine's models answer from (each
    /// engine from its start).
    replay: Option<Arc<ReplayBook>>,
    /// `telemetry.*`: the OpenTelemetry export every engine's runs go to.
    telemetry: Option<rlm_telemetry::Telemetry>,
    /// `mcp_servers`: their allowed tools, connected once for every engine.
    mcp_tools: Vec<rlm_functions::Tool>,
}

impl EngineParts {
    /// The parts of `config`; opens its subcall cache folder, if any.
    pub fn new(config: RlmConfig, env: EnvVars) -> Result<EngineParts, RlmError> {
        let cache = match &config.cache {
            Some(path) => Some(Arc::new(rlm_cache::SledCache::open(path).map_err(|e| {
                RlmError::Config(format!("cannot open the subcall cache {}: {e}", path.display()))
            })?) as Arc<dyn CompletionCache>),
            None => None,
        };
        let (record, replay) = recording_of(&config)?;
        let telemetry = telemetry_of(&config)?;
        let mcp_tools = mcp::mcp_tools_of(&config, &env)?;
        Ok(EngineParts {
            config,
            env,
            cache,
            script: None,
            script_pace: std::time::Duration::ZERO,
            index_home: None,
            record,
            replay,
            telemetry,
            mcp_tools,
        })
    }

    /// A recording the front end read itself (a replay given inline, not as
    /// a path): every engine's models answer from it.
    pub fn with_replay(mut self, book: Arc<ReplayBook>) -> EngineParts {
        self.replay = Some(book);
        self
    }

    /// A recording the front end opened itself: every engine's models
    /// write their exchanges to it.
    pub fn with_recording(mut self, writer: RecordingWriter) -> EngineParts {
        self.record = Some(writer);
        self
    }

    /// The script the `scripted` model plays.
    pub fn with_script(mut self, script: FakeAdapter) -> EngineParts {
        self.script = Some(script);
        self
    }

    /// A pause before each token of the `scripted` model's replies, so a
    /// reply can be watched as it arrives.
    pub fn with_script_pace(mut self, token_delay: std::time::Duration) -> EngineParts {
        self.script_pace = token_delay;
        self
    }

    /// A subcall cache the front end opened itself (the server's Redis
    /// cache, shared by a cluster), instead of the `cache` folder.
    pub fn with_cache(mut self, cache: Arc<dyn CompletionCache>) -> EngineParts {
        self.cache = Some(cache);
        self
    }

    /// Keep a single source's retrieval index under `home` (keyed by the
    /// source's path) instead of beside it: `rlm mcp` never writes into the
    /// user's folders.
    pub fn with_index_home(mut self, home: PathBuf) -> EngineParts {
        self.index_home = Some(home);
        self
    }

    pub fn config(&self) -> &RlmConfig {
        &self.config
    }

    /// The OpenTelemetry export, when `telemetry.otlp_endpoint` (or
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`) turned it on: a short-lived front end
    /// flushes it before it exits.
    pub fn telemetry(&self) -> Option<&rlm_telemetry::Telemetry> {
        self.telemetry.as_ref()
    }

    /// The provider environment (`OPENAI_API_KEY`, ...).
    pub fn env(&self) -> &EnvVars {
        &self.env
    }

    /// The prompts the configured root model reads: its profile's (chosen
    /// by `prompt_profile`, else by the model's name), with `prompts_dir`'s
    /// files over them, as [`Rlm::from_config`] gives its engines.
    pub fn prompts(&self) -> Result<Prompts, RlmError> {
        let root = self.adapter_or_stand_in(&self.config.model)?;
        let (profile, _) = profile_and_helps(
            self.config.prompt_profile.as_deref(),
            self.config.helps.as_deref(),
            &root.model_id().to_string(),
        )?;
        prompts_of(&self.config, profile)
    }

    /// The adapter `model` names (no network access): the scripted model
    /// played from its start (paced, when asked), or the adapter factory's.
    pub fn adapter(&self, model: &str) -> Result<Arc<dyn ModelAdapter>, RlmError> {
        if model == SCRIPTED_MODEL {
            let script: Arc<dyn ModelAdapter> = match &self.script {
                Some(script) => Arc::new(script.from_start()),
                None => self.factory("fake:scripted", model)?,
            };
            if self.script_pace.is_zero() {
                return Ok(script);
            }
            return Ok(Arc::new(rlm_adapters::Paced::new(script, self.script_pace)));
        }
        self.factory(model, model)
    }

    fn factory(&self, spec: &str, model: &str) -> Result<Arc<dyn ModelAdapter>, RlmError> {
        adapter_from_model_string(spec, &self.env)
            .map_err(|e| RlmError::Model(format!("model {model:?} cannot be used: {e}")))
    }

    /// The root model and the sub-model `models` name; the sub-model is the
    /// very root adapter when it names none (a script is played once). With
    /// `record` both write their exchanges; with `replay` both answer from
    /// the recording (a fresh replay of it per call).
    pub fn models(&self, models: EngineModels) -> Result<ModelPair, RlmError> {
        self.run_models(&RunOverrides::models(models))
    }

    /// The models of runs under `overrides`: [`EngineParts::models`], with
    /// its recording or replay in place of the configuration's. A front end
    /// that keeps a built engine ([`Rlm::with_models`]) takes its models here.
    pub fn run_models(&self, overrides: &RunOverrides) -> Result<ModelPair, RlmError> {
        let (root, sub) = match &overrides.models {
            EngineModels::Given { root, sub } => (Arc::clone(root), Arc::clone(sub)),
            EngineModels::Configured => {
                self.named(&self.config.model, self.config.sub_model.as_deref())?
            }
            EngineModels::Named { root, sub } => self.named(root, sub.as_deref())?,
        };
        let record = overrides.record.as_ref().or(self.record.as_ref());
        let replay = overrides.replay.as_ref().or(self.replay.as_ref());
        Ok(record_or_replay((root, sub), record, replay))
    }

    fn named(&self, root: &str, sub: Option<&str>) -> Result<ModelPair, RlmError> {
        let root_adapter = self.adapter_or_stand_in(root)?;
        let sub_adapter = match sub {
            Some(s) if s != root => self.adapter_or_stand_in(s)?,
            _ => Arc::clone(&root_adapter),
        };
        Ok((root_adapter, sub_adapter))
    }

    /// [`EngineParts::adapter`]; when replaying, a model that cannot be set
    /// up here (no key: the replay needs none) stands in by its name.
    fn adapter_or_stand_in(&self, model: &str) -> Result<Arc<dyn ModelAdapter>, RlmError> {
        match (self.adapter(model), &self.replay) {
            (Err(_), Some(book)) => {
                let id = model.parse().map_err(|e| {
                    RlmError::Model(format!("model {model:?} cannot be replayed: {e}"))
                })?;
                Ok(Arc::new(Replayer::new(book.session(), id, None, false)))
            }
            (built, _) => built,
        }
    }

    /// The retrieval section for a run over `contexts`: with an index home,
    /// a single existing source's index is kept there.
    fn retrieval_for(&self, contexts: &[String]) -> rlm_config::Retrieval {
        let configured = &self.config.retrieval;
        match (&self.index_home, &configured.index_dir, contexts) {
            (Some(home), None, [one]) if Path::new(one).exists() => rlm_config::Retrieval {
                index_dir: Some(rlm_retrieval::index_dir_keyed(home, Path::new(one))),
                ..configured.clone()
            },
            _ => configured.clone(),
        }
    }
}

/// A model pair recording its exchanges to `record`, or answered from
/// `replay` (one fresh replay shared by both; it wins over `record`), or as
/// it is: what every front end's engine models go through, the server's
/// per-execution recordings included ([`RunOverrides::record`]).
fn record_or_replay(
    (root, sub): ModelPair,
    record: Option<&RecordingWriter>,
    replay: Option<&Arc<ReplayBook>>,
) -> ModelPair {
    let same = Arc::ptr_eq(&root, &sub);
    let wrap: Box<AdapterWrap<'_>> = match (replay, record) {
        (Some(book), _) => {
            let session = book.session();
            Box::new(move |a| {
                let (id, window) = (a.model_id(), a.context_window());
                let streams = a.supports_streaming();
                let replayer = Replayer::new(Arc::clone(&session), id, window, streams);
                Arc::new(replayer.decoding_grammar(a.decodes_grammar()))
            })
        }
        (None, Some(writer)) => {
            Box::new(|a| Arc::new(Recorder::new(Arc::clone(a), writer.clone())))
        }
        (None, None) => return (root, sub),
    };
    let root = wrap(&root);
    let sub = if same { Arc::clone(&root) } else { wrap(&sub) };
    (root, sub)
}

/// The export `telemetry.*` (and the OTEL_* variables) ask for, if any.
fn telemetry_of(config: &RlmConfig) -> Result<Option<rlm_telemetry::Telemetry>, RlmError> {
    let settings = rlm_telemetry::TelemetrySettings {
        endpoint: config.telemetry.otlp_endpoint.clone(),
        capture_content: config.telemetry.capture_content,
    };
    rlm_telemetry::Telemetry::from_settings(&settings)
        .map_err(|e| RlmError::Config(format!("telemetry.otlp_endpoint: {e}")))
}

/// The configuration's `record` writer (the file created empty) and
/// `replay` recording (read whole); both at once is an error.
fn recording_of(
    config: &RlmConfig,
) -> Result<(Option<RecordingWriter>, Option<Arc<ReplayBook>>), RlmError> {
    let config_error = |e: rlm_adapters::AdapterError| RlmError::Config(e.to_string());
    match (&config.record, &config.replay) {
        (Some(_), Some(_)) => Err(RlmError::Config(
            "record and replay cannot both be set: a replay makes no model call to record".into(),
        )),
        (Some(path), None) => {
            Ok((Some(RecordingWriter::create(path).map_err(config_error)?), None))
        }
        (None, Some(path)) => {
            Ok((None, Some(Arc::new(ReplayBook::load(path).map_err(config_error)?))))
        }
        (None, None) => Ok((None, None)),
    }
}

impl Rlm {
    /// A builder with every setting of `parts`' configuration applied, with
    /// the front end's `overrides` over them (merged here and nowhere else:
    /// [`overrides::merge`]), for runs over the context `contexts` name (the
    /// paths it was loaded from: retrieval keeps a single source's index
    /// beside it, or under the index home). Fresh models each call: a script
    /// replays from its start.
    pub fn from_config(
        parts: &EngineParts,
        overrides: RunOverrides,
        contexts: &[String],
    ) -> Result<RlmBuilder, RlmError> {
        let config = &parts.config;
        let (root, sub) = parts.run_models(&overrides)?;
        let (profile, helps) = profile_and_helps(
            config.prompt_profile.as_deref(),
            config.helps.as_deref(),
            &root.model_id().to_string(),
        )?;
        let first_step = helps.retrieval_first_step;
        let output_schema =
            config.output.compiled().map_err(|e| RlmError::Config(e.to_string()))?;
        let merged = overrides::merge(config, &overrides, helps, prompts_of(config, profile)?)?;
        let mut builder = Rlm::builder()
            .root(root)
            .sub_model(sub)
            .budget(merged.budget)
            .prompts(merged.prompts)
            .options(merged.options)
            .interpreter_limits(merged.interpreter_limits)
            .scheduler(merged.scheduler)
            .output_schema(output_schema)
            .telemetry(parts.telemetry.clone());
        let retrieval = parts.retrieval_for(contexts);
        if let Some(r) = retrieval_settings(&retrieval, contexts, &parts.env, first_step)? {
            builder = builder.retrieval(r);
        }
        if let Some(chars) = config.router.smart_threshold_chars {
            builder = builder.smart_router(chars);
        }
        if let Some(cache) = &parts.cache {
            builder = builder.cache(Arc::clone(cache));
        }
        for tool in &parts.mcp_tools {
            builder = builder.tool(tool.clone());
        }
        Ok(builder)
    }
}

/// The prompts of `profile`, with `prompts_dir`'s files replacing theirs.
fn prompts_of(
    config: &RlmConfig,
    profile: rlm_prompts::PromptProfile,
) -> Result<Prompts, RlmError> {
    let prompts = Prompts::for_profile(profile);
    match &config.prompts_dir {
        None => Ok(prompts),
        Some(dir) if !dir.is_dir() => {
            Err(RlmError::Config(format!("prompts_dir {}: not a folder", dir.display())))
        }
        Some(dir) => prompts
            .overlay_dir(dir)
            .map_err(|e| RlmError::Config(format!("prompts_dir {}: {e}", dir.display()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parts of `config`, the scripted model playing one FINAL.
    fn parts(config: RlmConfig) -> EngineParts {
        let script = FakeAdapter::replies(["FINAL(done)"]);
        EngineParts::new(config, EnvVars::default()).unwrap().with_script(script)
    }

    fn scripted() -> RlmConfig {
        RlmConfig { model: SCRIPTED_MODEL.into(), ..RlmConfig::default() }
    }

    /// Each knob's effect through every front end is observed by rlm-cli's
    /// tests/knobs_reach_front_ends.rs; here, what the engine exposes.
    #[test]
    fn the_configuration_reaches_the_engine() {
        let mut config = scripted();
        config.budgets.max_subcalls = Some(7);
        config.budgets.max_depth = Some(3);
        let rlm = Rlm::from_config(&parts(config), RunOverrides::default(), &[])
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(rlm.budget_limits().max_subcalls, Some(7));
        assert_eq!(rlm.budget_limits().max_depth, Some(3));
        assert_eq!(rlm.root_model(), rlm.sub_model(), "no sub_model: the root's");
    }

    #[test]
    fn a_given_script_plays_from_its_start_and_models_are_named_per_run() {
        let script = FakeAdapter::replies(["FINAL(one)"]).with_model_name("demo");
        let parts = EngineParts::new(scripted(), EnvVars::default()).unwrap().with_script(script);
        let (root, sub) = parts.models(EngineModels::Configured).unwrap();
        assert_eq!(root.model_id().to_string(), "fake:demo");
        assert!(Arc::ptr_eq(&root, &sub));
        let named = EngineModels::Named { root: SCRIPTED_MODEL.into(), sub: Some("echo".into()) };
        assert!(matches!(parts.models(named), Err(RlmError::Model(m)) if m.contains("echo")));
    }

    #[test]
    fn record_and_replay_wrap_the_models_of_every_engine() {
        let dir = tempfile::tempdir().unwrap();
        let rec = dir.path().join("rec.jsonl");
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let ask = rlm_types::CompletionRequest::user("q");
        let mut config = scripted();
        config.record = Some(rec.clone());
        let (root, sub) = parts(config).models(EngineModels::Configured).unwrap();
        assert!(Arc::ptr_eq(&root, &sub), "one recorder for both");
        assert_eq!(rt.block_on(root.complete(&ask)).unwrap().text, "FINAL(done)");
        assert_eq!(std::fs::read_to_string(&rec).unwrap().lines().count(), 1);
        // Replayed: the recording answers, not the (different) script.
        let mut config = scripted();
        config.replay = Some(rec.clone());
        let script = FakeAdapter::replies(["FINAL(other)"]);
        let replaying = EngineParts::new(config, EnvVars::default()).unwrap().with_script(script);
        let (root, _) = replaying.models(EngineModels::Configured).unwrap();
        assert_eq!(rt.block_on(root.complete(&ask)).unwrap().text, "FINAL(done)");
        let miss = rt.block_on(root.complete(&rlm_types::CompletionRequest::user("p")));
        assert!(miss.unwrap_err().to_string().contains("message 0 (user) changed"));
        // Both at once is refused.
        let mut config = scripted();
        config.record = Some(dir.path().join("other.jsonl"));
        config.replay = Some(rec);
        assert!(matches!(EngineParts::new(config, EnvVars::default()), Err(RlmError::Config(_))));
    }

    #[test]
    fn a_bad_setting_is_a_configuration_error() {
        let mut config = scripted();
        config.prompt_profile = Some("tiny".into());
        assert!(Rlm::from_config(&parts(config), RunOverrides::default(), &[]).is_err());
        let mut config = scripted();
        config.retrieval.first_step = Some(2);
        assert!(matches!(
            Rlm::from_config(&parts(config), RunOverrides::default(), &[]),
            Err(RlmError::Config(m)) if m.contains("--retriever")
        ));
    }
}
