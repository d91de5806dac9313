//! The store contract of the job queue's protocol (issues #55, #75),
//! written against the [`Store`] trait only and run on sled and on
//! PostgreSQL: a job, a session or an execution commits with its outbox
//! entry and its idempotency key's response (one write); the relay
//! publishes in order and deletes only what it published; the sweeps'
//! reads; idempotency keys claimed once, replayed, refused for another
//! request, taken over once stale or once their process is gone, answered
//! only by the request holding the claim, swept; the deployment's protocol
//! settings.

use crate::common;

use std::sync::{Arc, Mutex};

use rlm_server::store::{
    Created, Creation, ExecutionRecord, IdempotencyKey, JobRecord, JobStatus, KeyClaim,
    KeyedAnswer, OutboxEntry, ProtocolSettings, Publish, SessionRecord, SledStore, Store,
    StoreError, StoredResponse, new_session_state,
};
use uuid::Uuid;

const T0: i64 = 1_800_000_000_000_000;
const SECOND: i64 = 1_000_000;

fn job(owner: &str, created_at: i64) -> JobRecord {
    JobRecord::pending(owner, Uuid::new_v4(), "q", created_at)
}

/// A request's claim on `key`, made in process `process-test`.
fn key(owner: &str, key: &str, fingerprint: &str) -> IdempotencyKey {
    IdempotencyKey {
        owner: owner.into(),
        key: key.into(),
        fingerprint: fingerprint.into(),
        holder: "process-test".into(),
        claim: format!("{owner}/{key}/{fingerprint}"),
    }
}

/// The same key as another request (a retry) in process `holder` makes it.
fn retried(k: &IdempotencyKey, holder: &str) -> IdempotencyKey {
    IdempotencyKey { holder: holder.into(), claim: format!("{}-retry", k.claim), ..k.clone() }
}

fn session(owner: &str) -> SessionRecord {
    let id = Uuid::new_v4();
    SessionRecord {
        id,
        owner: owner.into(),
        name: Some("keyed".into()),
        context: None,
        context_metadata: Default::default(),
        settings: Default::default(),
        state: new_session_state(id),
        history_len: 0,
        created_at: T0,
        updated_at: T0,
    }
}

fn execution(owner: &str) -> ExecutionRecord {
    ExecutionRecord {
        context_size: 1,
        ..ExecutionRecord::pending(Uuid::new_v4(), owner, "q", "m", T0)
    }
}

/// A publisher that records what it was given and fails once `fail_from` were published.
fn recorder(fail_from: usize) -> (Arc<Mutex<Vec<String>>>, Box<Publish>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let publish: Box<Publish> = Box::new(move |entry: OutboxEntry| {
        let log = Arc::clone(&log);
        futures::FutureExt::boxed(async move {
            let mut log = log.lock().unwrap();
            if log.len() >= fail_from {
                return false;
            }
            log.push(entry.message_id);
            true
        })
    });
    (seen, publish)
}

async fn submit(store: &dyn Store, j: &JobRecord, with: Option<(&IdempotencyKey, &str)>) {
    let entry = OutboxEntry::first(j.id, serde_json::json!({}), j.created_at);
    let response = with.map(|(_, body)| StoredResponse { status: 200, body: body.into() });
    let key = with.zip(response.as_ref()).map(|((key, _), response)| KeyedAnswer { key, response });
    let creation = Creation { created: Created::Job(j), outbox: Some(entry), key };
    store.create(&creation).await.unwrap();
}

/// A job and its outbox entry commit together; the relay publishes them
/// oldest first under the job id, stops at the first failure, and deletes
/// only what was published.
async fn contract_the_outbox_is_relayed_in_order(store: &dyn Store) {
    let jobs: Vec<JobRecord> = (0..3).map(|n| job("ann", T0 + n)).collect();
    for j in &jobs {
        submit(store, j, None).await;
    }
    assert_eq!(store.get_job(jobs[0].id).await.unwrap().unwrap().status, JobStatus::Pending);
    let depth = store.outbox_depth().await.unwrap();
    assert_eq!((depth.entries, depth.oldest), (3, Some(T0)));
    let (seen, publish) = recorder(2);
    let round = store.relay_outbox(10, &*publish).await.unwrap();
    assert!(round.leader);
    assert_eq!((round.published, round.failed), (2, 1));
    let ids: Vec<String> = jobs.iter().map(|j| j.id.to_string()).collect();
    assert_eq!(*seen.lock().unwrap(), ids[..2].to_vec());
    let depth = store.outbox_depth().await.unwrap();
    assert_eq!((depth.entries, depth.oldest), (1, Some(T0 + 2)));
    let (seen, publish) = recorder(usize::MAX);
    assert_eq!(store.relay_outbox(10, &*publish).await.unwrap().published, 1);
    assert_eq!(*seen.lock().unwrap(), ids[2..].to_vec());
    assert_eq!(store.outbox_depth().await.unwrap().entries, 0);
}

/// One waiting entry per job: a copy is refused while the first waits,
/// and carries its own message id once the first was published.
async fn contract_a_copy_has_its_own_message_id(store: &dyn Store) {
    let j = job("bea", T0);
    submit(store, &j, None).await;
    let copy = OutboxEntry::copy(j.id, serde_json::json!({}), T0 + SECOND);
    assert!(!store.add_outbox(&copy).await.unwrap(), "the first publication still waits");
    let (_, publish) = recorder(usize::MAX);
    store.relay_outbox(10, &*publish).await.unwrap();
    assert!(store.add_outbox(&copy).await.unwrap());
    let (seen, publish) = recorder(usize::MAX);
    store.relay_outbox(10, &*publish).await.unwrap();
    assert_eq!(*seen.lock().unwrap(), vec![format!("{}-r{}", j.id, T0 + SECOND)]);
}

/// The sweeps' reads: PENDING jobs past the bound without an outbox
/// entry; RUNNING jobs whose lease ended; the counts.
async fn contract_the_sweeps_find_lost_jobs(store: &dyn Store) {
    let old = job("cy", T0);
    let young = job("cy", T0 + 100 * SECOND);
    let waiting = job("cy", T0 + SECOND);
    for j in [&old, &young] {
        submit(store, j, None).await;
    }
    let (_, publish) = recorder(usize::MAX);
    store.relay_outbox(10, &*publish).await.unwrap();
    submit(store, &waiting, None).await;
    let found = store.unannounced_pending_jobs(T0 + 50 * SECOND, 10).await.unwrap();
    assert_eq!(found.iter().map(|j| j.id).collect::<Vec<_>>(), vec![old.id]);
    let counts = store.job_counts().await.unwrap();
    assert_eq!((counts.pending, counts.running), (3, 0));
    store.take_job(old.id, "w#1", T0 + 10 * SECOND).await.unwrap();
    store.take_job(young.id, "w#1", T0 + 200 * SECOND).await.unwrap();
    let lapsed = store.lapsed_running_jobs(T0 + 20 * SECOND, 10).await.unwrap();
    assert_eq!(lapsed.iter().map(|j| j.id).collect::<Vec<_>>(), vec![old.id]);
    let counts = store.job_counts().await.unwrap();
    assert_eq!((counts.pending, counts.running), (1, 2));
}

/// A key is claimed once; its request's response is replayed; another
/// request with it is refused; an unanswered claim is in flight until
/// stale, then taken over; a released claim is free; the sweep deletes old keys.
async fn contract_idempotency_keys_are_claimed_once(store: &dyn Store) {
    let k = key("dee", "k1", "body-a");
    assert_eq!(
        store.claim_idempotency_key(&k, T0, T0 - SECOND, None).await.unwrap(),
        KeyClaim::Fresh
    );
    assert_eq!(
        store.claim_idempotency_key(&k, T0 + 1, T0 - SECOND, None).await.unwrap(),
        KeyClaim::InFlight
    );
    let other = key("dee", "k1", "body-b");
    assert_eq!(
        store.claim_idempotency_key(&other, T0 + 1, T0 - SECOND, None).await.unwrap(),
        KeyClaim::Mismatch
    );
    // Another owner's key of the same name is its own.
    let elsewhere = key("eve", "k1", "body-b");
    assert_eq!(
        store.claim_idempotency_key(&elsewhere, T0, T0 - SECOND, None).await.unwrap(),
        KeyClaim::Fresh
    );
    // Stale: taken over.
    assert_eq!(
        store.claim_idempotency_key(&k, T0 + 10 * SECOND, T0 + SECOND, None).await.unwrap(),
        KeyClaim::Fresh
    );
    let response = StoredResponse { status: 201, body: "{\"id\":1}".into() };
    store.complete_idempotency_key(&k, &response).await.unwrap();
    assert_eq!(
        store.claim_idempotency_key(&k, T0 + 11 * SECOND, T0, None).await.unwrap(),
        KeyClaim::Replay(response)
    );
    // A released claim is free; an answered one is not released.
    store.release_idempotency_key(&elsewhere).await.unwrap();
    assert_eq!(
        store.claim_idempotency_key(&elsewhere, T0, T0 - SECOND, None).await.unwrap(),
        KeyClaim::Fresh
    );
    store.release_idempotency_key(&k).await.unwrap();
    assert!(matches!(
        store.claim_idempotency_key(&k, T0 + 12 * SECOND, T0, None).await.unwrap(),
        KeyClaim::Replay(_)
    ));
    assert_eq!(store.sweep_idempotency_keys(T0 + 5 * SECOND).await.unwrap(), 1);
    assert_eq!(
        store.claim_idempotency_key(&k, T0, T0, None).await.unwrap(),
        KeyClaim::Replay(StoredResponse { status: 201, body: "{\"id\":1}".into() })
    );
}

/// A job's key commits with the job: its retry replays the job's response.
async fn contract_a_job_commits_with_its_key(store: &dyn Store) {
    let k = key("fay", "job-1", "body");
    assert_eq!(
        store.claim_idempotency_key(&k, T0, T0 - SECOND, None).await.unwrap(),
        KeyClaim::Fresh
    );
    let j = job("fay", T0);
    submit(store, &j, Some((&k, "{\"job\":1}"))).await;
    let replay = store.claim_idempotency_key(&k, T0 + SECOND, T0, None).await.unwrap();
    assert_eq!(
        replay,
        KeyClaim::Replay(StoredResponse { status: 200, body: "{\"job\":1}".into() })
    );
    assert!(store.get_job(j.id).await.unwrap().is_some());
}

/// A session and an execution each commit with their key's response (the
/// one idempotent write of a creating request), the execution with its
/// outbox entry too; a request whose claim a retry took over writes
/// nothing (`KeyTakenOver`), and the retry's own creation stands.
async fn contract_a_creation_commits_with_its_key(store: &dyn Store) {
    let response = |body: &str| StoredResponse { status: 200, body: body.into() };
    let k = key("gus", "session-1", "body");
    assert_eq!(
        store.claim_idempotency_key(&k, T0, T0 - SECOND, None).await.unwrap(),
        KeyClaim::Fresh
    );
    let s = session("gus");
    let answer = response("{\"session\":1}");
    let answered = Some(KeyedAnswer { key: &k, response: &answer });
    store
        .create(&Creation { created: Created::Session(&s), outbox: None, key: answered })
        .await
        .unwrap();
    assert!(store.get_session(s.id).await.unwrap().is_some());
    let replayed = store.claim_idempotency_key(&k, T0 + SECOND, T0, None).await.unwrap();
    assert_eq!(replayed, KeyClaim::Replay(answer));

    let k = key("gus", "execute-1", "body");
    assert_eq!(
        store.claim_idempotency_key(&k, T0, T0 - SECOND, None).await.unwrap(),
        KeyClaim::Fresh
    );
    let e = execution("gus");
    let answer = response("{\"execution\":1}");
    let entry = OutboxEntry::first(e.id, serde_json::json!({"kind": "execution"}), T0);
    let answered = Some(KeyedAnswer { key: &k, response: &answer });
    let created = Created::Execution(&e);
    store.create(&Creation { created, outbox: Some(entry), key: answered }).await.unwrap();
    assert!(store.get_execution(e.id).await.unwrap().is_some());
    assert_eq!(store.outbox_depth().await.unwrap().entries, 1);
    let replayed = store.claim_idempotency_key(&k, T0 + SECOND, T0, None).await.unwrap();
    assert_eq!(replayed, KeyClaim::Replay(answer));

    // Taken over (stale) by a retry: the first request's creation writes nothing.
    let first = key("gus", "session-2", "body");
    assert_eq!(
        store.claim_idempotency_key(&first, T0, T0 - SECOND, None).await.unwrap(),
        KeyClaim::Fresh
    );
    let retry = retried(&first, "process-test");
    let claim = store.claim_idempotency_key(&retry, T0 + 100 * SECOND, T0 + SECOND, None);
    assert_eq!(claim.await.unwrap(), KeyClaim::Fresh);
    let late = session("gus");
    let answer = response("{\"session\":\"late\"}");
    let answered = Some(KeyedAnswer { key: &first, response: &answer });
    let creation = Creation { created: Created::Session(&late), outbox: None, key: answered };
    assert!(matches!(store.create(&creation).await, Err(StoreError::KeyTakenOver)));
    assert!(store.get_session(late.id).await.unwrap().is_none(), "nothing written");
    let own = session("gus");
    let answer = response("{\"session\":\"retry\"}");
    let answered = Some(KeyedAnswer { key: &retry, response: &answer });
    store
        .create(&Creation { created: Created::Session(&own), outbox: None, key: answered })
        .await
        .unwrap();
    assert!(store.get_session(own.id).await.unwrap().is_some());
    // The first request's release leaves the retry's answered claim alone.
    store.release_idempotency_key(&first).await.unwrap();
    let replayed = store.claim_idempotency_key(&first, T0 + 101 * SECOND, T0, None).await.unwrap();
    assert_eq!(replayed, KeyClaim::Replay(answer));
}

/// A claim whose process is gone is taken over at once: on a shared store,
/// once that process's lease lapsed (and never while no lease may lapse
/// yet: `lapsed` is `None`); on a store one process holds, any other
/// process's claim.
async fn contract_a_gone_process_s_claim_is_taken_over(store: &dyn Store) {
    let k = key("hal", "k", "body");
    store.renew_process_lease("process-test", T0 + 10 * SECOND).await.unwrap();
    assert_eq!(
        store.claim_idempotency_key(&k, T0, T0 - SECOND, None).await.unwrap(),
        KeyClaim::Fresh
    );
    let retry = retried(&k, "process-other");
    store.renew_process_lease("process-other", T0 + 10 * SECOND).await.unwrap();
    let in_flight =
        store.claim_idempotency_key(&retry, T0 + SECOND, T0 - SECOND, Some(T0 + SECOND));
    let expected = if store.shared() { KeyClaim::InFlight } else { KeyClaim::Fresh };
    assert_eq!(
        in_flight.await.unwrap(),
        expected,
        "its process lives (shared), or is another (one process)"
    );
    if store.shared() {
        // Its lease has not lapsed by the rule while leases cannot lapse yet.
        let no_verdict = store.claim_idempotency_key(&retry, T0 + 20 * SECOND, T0 - SECOND, None);
        assert_eq!(no_verdict.await.unwrap(), KeyClaim::InFlight);
        let gone = store.claim_idempotency_key(
            &retry,
            T0 + 20 * SECOND,
            T0 - SECOND,
            Some(T0 + 20 * SECOND),
        );
        assert_eq!(gone.await.unwrap(), KeyClaim::Fresh);
    }
}

/// An api's settings are the deployment's; a worker's only when none are.
async fn contract_the_deployment_s_settings_are_the_api_s(store: &dyn Store) {
    let api =
        ProtocolSettings { stream: "S".into(), ack_wait_ms: 6000, lease_ms: 6000, max_attempts: 3 };
    let worker = ProtocolSettings { ack_wait_ms: 30_000, ..api.clone() };
    // A worker first: its settings stand until an api records its own.
    assert_eq!(store.record_protocol("w1", "worker", &worker, false).await.unwrap(), worker);
    assert_eq!(store.record_protocol("a1", "api", &api, true).await.unwrap(), api);
    let found = store.record_protocol("w1", "worker", &worker, false).await.unwrap();
    assert_eq!(found, api);
    assert_eq!(
        worker.differences(&found),
        vec!["the ack wait (ms) is 30000 here, 6000 in the deployment"]
    );
}

fn sled() -> (tempfile::TempDir, SledStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(&dir.path().join("db")).unwrap();
    (dir, store)
}

macro_rules! on_sled {
    ($($name:ident),* $(,)?) => {
        mod sled_store {
            $(
                #[tokio::test]
                async fn $name() {
                    let (_dir, store) = super::sled();
                    super::$name(&store).await;
                }
            )*
        }
    };
}

on_sled!(
    contract_the_outbox_is_relayed_in_order,
    contract_a_copy_has_its_own_message_id,
    contract_the_sweeps_find_lost_jobs,
    contract_idempotency_keys_are_claimed_once,
    contract_a_job_commits_with_its_key,
    contract_a_creation_commits_with_its_key,
    contract_a_gone_process_s_claim_is_taken_over,
    contract_the_deployment_s_settings_are_the_api_s,
);

/// The contract on PostgreSQL: one test per `contract_*` function.
#[cfg(feature = "postgres")]
mod postgres {
    use super::*;
    use common::pg::with_store;

    macro_rules! on_postgres {
        ($($name:ident),* $(,)?) => {$(
            rlm_testenv::needs_postgres! {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    with_store(|store| async move { super::$name(&store).await }).await;
                }
            }
        )*};
    }

    on_postgres!(
        contract_the_outbox_is_relayed_in_order,
        contract_a_copy_has_its_own_message_id,
        contract_the_sweeps_find_lost_jobs,
        contract_idempotency_keys_are_claimed_once,
        contract_a_job_commits_with_its_key,
        contract_a_creation_commits_with_its_key,
        contract_a_gone_process_s_claim_is_taken_over,
        contract_the_deployment_s_settings_are_the_api_s,
    );
}
