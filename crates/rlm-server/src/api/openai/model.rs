//! What a chat-completions `model` names: `rlm` (the server's default
//! models), `rlm:<provider>:<model>` (that root model, if the server offers
//! it: `rlm serve --model/--allow-model`), or `rlm:session/<id>` (a stored
//! session of the caller's, over its context, with its settings and history).

use uuid::Uuid;

use super::error::OpenAiError;
use crate::api::state::AppState;
use crate::error::{ServerError, echo};
use crate::scope::Scope;

/// The prefix of every model name this endpoint answers to.
pub const PREFIX: &str = "rlm";

/// A resolved `model`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RlmModel {
    /// The server's default root and sub-models.
    Default,
    /// This root model (a model string of the server's).
    Root(String),
    /// A stored session.
    Session(Uuid),
}

impl RlmModel {
    /// Reads a name, without checking that what it names exists.
    pub fn parse(name: &str) -> Result<RlmModel, OpenAiError> {
        if name == PREFIX {
            return Ok(RlmModel::Default);
        }
        let unknown = || {
            OpenAiError::model_not_found(format!(
                "the model {} does not exist: use `rlm`, `rlm:<provider>:<model>` or \
                 `rlm:session/<id>` (GET /v1/models lists them)",
                echo(name)
            ))
        };
        let rest = name.strip_prefix("rlm:").ok_or_else(unknown)?;
        if let Some(id) = rest.strip_prefix("session/") {
            return Uuid::parse_str(id).map(RlmModel::Session).map_err(|_| unknown());
        }
        if rest.is_empty() { Err(unknown()) } else { Ok(RlmModel::Root(rest.to_string())) }
    }

    /// Reads a name and checks it: the root model is offered, the session is the tenant's.
    pub async fn resolve(
        state: &AppState,
        scope: &Scope,
        name: &str,
    ) -> Result<RlmModel, OpenAiError> {
        let model = RlmModel::parse(name)?;
        match &model {
            RlmModel::Default => {}
            RlmModel::Root(m) => {
                if state.executions.check_model(m).is_err() {
                    return Err(OpenAiError::model_not_found(format!(
                        "the model {} does not exist here: this server offers {}",
                        echo(name),
                        offered_names(state).join(", ")
                    )));
                }
            }
            RlmModel::Session(id) => match scope.session(*id).await {
                Ok(_) => {}
                Err(ServerError::NotFound { .. }) => {
                    return Err(OpenAiError::model_not_found(format!(
                        "the model {} does not exist: no session {id}",
                        echo(name)
                    )));
                }
                Err(e) => return Err(e.into()),
            },
        }
        Ok(model)
    }
}

/// `rlm` and `rlm:<model>` for every root model the server offers.
pub fn offered_names(state: &AppState) -> Vec<String> {
    let mut names = vec![PREFIX.to_string()];
    names.extend(state.executions.offered_models().into_iter().map(|m| format!("{PREFIX}:{m}")));
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_to_what_they_run() {
        assert_eq!(RlmModel::parse("rlm").unwrap(), RlmModel::Default);
        assert_eq!(
            RlmModel::parse("rlm:openai:gpt-5-mini").unwrap(),
            RlmModel::Root("openai:gpt-5-mini".into())
        );
        let id = Uuid::new_v4();
        assert_eq!(RlmModel::parse(&format!("rlm:session/{id}")).unwrap(), RlmModel::Session(id));
        for bad in ["gpt-4o", "rlm:", "rlm:session/nope", "rlmx"] {
            let e = RlmModel::parse(bad).unwrap_err();
            assert_eq!((e.status.as_u16(), e.param), (404, Some("model")), "{bad}");
        }
    }
}
