//! A later delivery of a job fences its execution from its first write
//! (issue #75's long run): the record it stores when it takes the execution
//! over carries its own attempt, so no write of it can be refused as an
//! earlier attempt's (the store's marks it read may be stale by then), and
//! every write of the earlier delivery is refused from that moment on, even
//! while the later one still waits for the session. Found by a job that
//! ended FAILED ("attempt 1 … was superseded by attempt 2") while its
//! execution completed: a delivery had stored the execution with the marks
//! it read before an earlier delivery's mark landed.

use crate::common;

#[cfg(feature = "postgres")]
mod deliveries {
    use std::time::Duration;

    use rlm_server::store::prelude::*;
    use rlm_server::store::{ExecutionRecord, ExecutionStatus, JobRecord, PgStore, now_micros};
    use rlm_server::{ClusterConfig, DatabaseConfig, QueueConfig, ServerRole};
    use uuid::Uuid;

    use super::common::{self, TestServer, config, demo_script};

    fn job(session: Uuid) -> JobRecord {
        JobRecord::pending("local", session, "what does it say?", now_micros())
    }

    /// The job's execution as stored, once it has one.
    async fn execution_of(store: &PgStore, job: Uuid) -> Option<ExecutionRecord> {
        let id = store.get_job(job).await.unwrap()?.execution_id?;
        store.get_execution(id).await.unwrap()
    }

    rlm_testenv::needs_postgres! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_later_delivery_fences_the_execution_from_its_first_write() {
            let schema = common::pg::fresh_schema();
            let mut queue = QueueConfig::new("nats://127.0.0.1:4222");
            queue.stream = format!("rlmtest_deliveries_{}", Uuid::new_v4().simple());
            queue.ack_wait = Duration::from_secs(30);
            queue.heartbeat = Duration::from_millis(500);
            let dir = tempfile::tempdir().unwrap();
            let mut c = config(&dir, demo_script());
            c.database =
                DatabaseConfig::Postgres { url: common::pg::database_url(), schema: schema.clone() };
            c.cluster = ClusterConfig { role: ServerRole::All, queue: Some(queue.clone()) };
            c.jobs.workers = 2;
            c.jobs.lease = Duration::from_secs(2);
            c.jobs.pending_republish = Duration::from_secs(600);
            let server = TestServer::start_config(dir, c).await;
            let sid = server.create_session("deliveries", "a small context").await;
            let sid = Uuid::parse_str(&sid).unwrap();
            let store = PgStore::connect(&common::pg::database_url(), &schema).await.unwrap();
            // Another process runs the session for a while: every delivery waits for it.
            let held_until = now_micros() + 4_000_000;
            assert!(store.take_session_lease(sid, "elsewhere", now_micros(), held_until).await.unwrap());
            let queued = job(sid);
            store.enqueue_job(&queued).await.unwrap();
            let handle = rlm_queue::JobQueue::connect(queue.clone()).await.unwrap();
            let message = rlm_queue::Job { id: queued.id.to_string(), payload: serde_json::json!({}) };
            handle.enqueue_as(&message, &format!("{}-first", queued.id)).await.unwrap();
            // Delivery 1 stores the execution (attempt 1) and waits for the session.
            let mut first = None;
            for _ in 0..200 {
                first = execution_of(&store, queued.id).await;
                if first.is_some() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let first = first.expect("the first delivery stored the job's execution");
            assert_eq!(first.attempt(), 1, "{first:?}");
            // A second message of the same job (a redelivery): delivery 2 takes the job over.
            handle.enqueue_as(&message, &format!("{}-again", queued.id)).await.unwrap();
            let mut fenced = None;
            while now_micros() < held_until {
                let now = execution_of(&store, queued.id).await.expect("still stored");
                if now.attempt() == 2 {
                    fenced = Some(now);
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let fenced = fenced.expect("delivery 2's attempt is stored before the session is free");
            assert_eq!(fenced.id, first.id, "the same execution goes on");
            // Once the session is free, the job and its execution end together, answered.
            let done =
                server.wait_job(&queued.id.to_string(), |s| s == "COMPLETE" || s == "FAILED").await;
            assert_eq!(done["status"], "COMPLETE", "{done}");
            let ended = store.get_execution(first.id).await.unwrap().unwrap();
            assert_eq!(ended.status, ExecutionStatus::Completed, "{ended:?}");
            assert_eq!(ended.attempt(), 2, "{ended:?}");
            let (_, listed) = server.get(&format!("/api/executions?session_id={sid}&limit=10")).await;
            assert_eq!(listed["executions"].as_array().map(Vec::len), Some(1), "{listed}");
            server.stop().await;
            let _ = handle.destroy().await;
            common::pg::drop_schema(&schema).await;
        }
    }
}
