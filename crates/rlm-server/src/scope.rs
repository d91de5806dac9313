//! The tenant scope: every stored object a request or a queued run names by
//! id (a session, an execution, a job) is looked up through [`Scope`], which
//! answers the tenant's own and `NotFound` for everyone else's, the same
//! answer as for an id that does not exist (so another tenant's ids cannot
//! even be told from made-up ones). The lists are the store's per-owner
//! queries, which take [`Scope::owner`]; what is live in this process (an
//! execution's event bus, its cancel) is found by the same owner.
//!
//! The HTTP handlers get their scope from the request (an axum extractor
//! over the tenant the door named, `auth::require_tenant`, in
//! `api/extract.rs`); nothing else in the API reads a record by id. A route
//! mounted outside the door has no tenant and gets no scope: the extractor
//! refuses it (401), never a default owner.

use std::sync::Arc;

use rlm_listen::Tenant;
use uuid::Uuid;

use crate::error::ServerError;
use crate::store::{ExecutionRecord, JobRecord, SessionRecord, Store};

/// See the module docs.
#[derive(Clone)]
pub struct Scope {
    tenant: Tenant,
    store: Arc<dyn Store>,
}

impl Scope {
    /// `tenant`'s view of `store`.
    pub fn new(tenant: Tenant, store: Arc<dyn Store>) -> Scope {
        Scope { tenant, store }
    }

    /// The view of whoever owns `owner`'s records (a queued run acting for
    /// the owner its record names).
    pub fn of_owner(owner: &str, store: Arc<dyn Store>) -> Scope {
        Scope::new(Tenant::of_key(owner), store)
    }

    /// The owner id every record of this tenant carries.
    pub fn owner(&self) -> &str {
        self.tenant.id()
    }

    /// One of the tenant's sessions.
    pub async fn session(&self, id: Uuid) -> Result<SessionRecord, ServerError> {
        match self.store.get_session(id).await? {
            Some(s) if s.owner == self.owner() => Ok(s),
            _ => Err(ServerError::not_found("session", id)),
        }
    }

    /// One of the tenant's executions.
    pub async fn execution(&self, id: Uuid) -> Result<ExecutionRecord, ServerError> {
        match self.store.get_execution(id).await? {
            Some(e) if e.owner == self.owner() => Ok(e),
            _ => Err(ServerError::not_found("execution", id)),
        }
    }

    /// One of the tenant's jobs.
    pub async fn job(&self, id: Uuid) -> Result<JobRecord, ServerError> {
        match self.store.get_job(id).await? {
            Some(j) if j.owner == self.owner() => Ok(j),
            _ => Err(ServerError::not_found("job", id)),
        }
    }
}
