//! No stuck jobs (issue #55): a server with a NATS queue on PostgreSQL
//! (role `all`: it relays and runs) finds, by its sweeps, a job left
//! RUNNING under a dead worker's expired lease with its queue message gone,
//! and a PENDING job whose message was lost, queues a copy of each, and
//! runs each once to COMPLETE; a RUNNING job whose delivery recorded its
//! result in the queue but died before settling it is settled by the sweep
//! (FAILED with the reason: it has no execution), without a copy.

use crate::common;

#[cfg(feature = "postgres")]
mod sweeps {
    use std::time::Duration;

    use rlm_server::store::prelude::*;
    use rlm_server::store::{JobRecord, PgStore, now_micros};
    use rlm_server::{ClusterConfig, DatabaseConfig, QueueConfig, ServerRole};
    use uuid::Uuid;

    use super::common::{self, TestServer, config, demo_script};

    fn job(owner: &str, session: Uuid, created_at: i64) -> JobRecord {
        JobRecord::pending(owner, session, "what does it say?", created_at)
    }

    rlm_testenv::needs_postgres! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn the_sweeps_run_a_job_left_running_and_one_whose_message_was_lost() {
            let schema = common::pg::fresh_schema();
            let mut queue = QueueConfig::new("nats://127.0.0.1:4222");
            queue.stream = format!("rlmtest_sweeps_{}", Uuid::new_v4().simple());
            queue.ack_wait = Duration::from_secs(2);
            queue.heartbeat = Duration::from_millis(500);
            let dir = tempfile::tempdir().unwrap();
            let mut c = config(&dir, demo_script());
            c.database =
                DatabaseConfig::Postgres { url: common::pg::database_url(), schema: schema.clone() };
            c.cluster = ClusterConfig { role: ServerRole::All, queue: Some(queue.clone()) };
            c.jobs.lease = Duration::from_secs(2);
            c.jobs.sweep_every = Duration::from_millis(500);
            c.jobs.pending_republish = Duration::from_secs(60);
            let server = TestServer::start_config(dir, c).await;
            let sid = server.create_session("sweeps", "a small context").await;
            let sid = Uuid::parse_str(&sid).unwrap();
            // Written behind the server's back: no outbox entry, no message.
            let store = PgStore::connect(&common::pg::database_url(), &schema).await.unwrap();
            let now = now_micros();
            let running = job("local", sid, now);
            store.enqueue_job(&running).await.unwrap();
            // Its worker died long ago: the lease ended, and NATS has no message.
            store.take_job(running.id, "dead-worker#1", now - 10_000_000).await.unwrap();
            let lost = job("local", sid, now - 120_000_000);
            store.enqueue_job(&lost).await.unwrap();
            // Its delivery recorded a result in the queue, and its worker died
            // before settling it in the store: settled by the sweep, no copy.
            // (The result first: a sweep in between would queue a copy.)
            let recorded = job("local", sid, now);
            let queue_handle = rlm_queue::JobQueue::connect(queue.clone()).await.unwrap();
            let result = rlm_queue::JobResult {
                job_id: recorded.id.to_string(),
                attempt: 1,
                worker: "dead-worker".into(),
                outcome: rlm_queue::QueuedJobEnd::Done { value: serde_json::json!("COMPLETE") },
            };
            queue_handle.record(&result).await.unwrap();
            store.enqueue_job(&recorded).await.unwrap();
            store.take_job(recorded.id, "dead-worker#1", now - 10_000_000).await.unwrap();
            let orphan = server.wait_job(&recorded.id.to_string(), |s| s != "RUNNING").await;
            assert_eq!(orphan["status"], "FAILED", "{orphan}");
            let why = orphan["error"].as_str().unwrap_or_default();
            assert!(why.contains("ended without settling the job"), "{orphan}");
            for id in [running.id, lost.id] {
                let done = server.wait_job(&id.to_string(), |s| s == "COMPLETE" || s == "FAILED").await;
                assert_eq!(done["status"], "COMPLETE", "{done}");
            }
            // Each ran once: one execution per job.
            let (_, listed) = server.get(&format!("/api/executions?session_id={sid}&limit=100")).await;
            assert_eq!(listed["executions"].as_array().map(Vec::len), Some(2), "{listed}");
            // Both were copies queued by the sweeps.
            let metrics = reqwest::get(server.url("/metrics")).await.unwrap().text().await.unwrap();
            let copies = metrics
                .lines()
                .find_map(|l| l.strip_prefix("rlm_sweep_republished_total "))
                .and_then(|v| v.parse::<f64>().ok());
            assert_eq!(copies, Some(2.0), "{metrics}");
            server.stop().await;
            let config = QueueConfig { stream: queue.stream.clone(), ..QueueConfig::new("nats://127.0.0.1:4222") };
            if let Ok(q) = rlm_queue::JobQueue::connect(config).await {
                let _ = q.destroy().await;
            }
            common::pg::drop_schema(&schema).await;
        }
    }
}
