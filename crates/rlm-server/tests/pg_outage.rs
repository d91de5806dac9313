//! The server on PostgreSQL losing its database connections
//! (`pg_terminate_backend`): a request cut mid-transaction is retried on a
//! fresh connection and answered once it went through (stored once), the
//! pool reconnects, and everything acknowledged before is still there. (A
//! database down for longer is a 503: `pg_faults.rs`.)

use crate::common;

#[cfg(feature = "postgres")]
mod outage {
    use std::time::Duration;

    use rlm_server::DatabaseConfig;
    use serde_json::json;

    use super::common::{self, TestServer, pg};

    /// Terminates every connection the server's store holds; how many.
    async fn terminate(admin: &tokio_postgres::Client, application: &str) -> i64 {
        let row = admin
            .query_one(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                 WHERE application_name = $1",
                &[&application],
            )
            .await
            .unwrap();
        row.get(0)
    }

    /// A database that does not answer at all is the typed, retryable error.
    #[tokio::test]
    async fn a_database_that_does_not_answer_is_unavailable() {
        // Port 1 on loopback: nothing listens there.
        let url = "postgresql://postgres@127.0.0.1:1/test";
        let error = rlm_server::store::PgStore::connect(url, "rlm").await.unwrap_err();
        assert!(matches!(error, rlm_server::store::StoreError::Unavailable(_)), "{error:?}");
        assert!(error.to_string().contains("the database is unavailable"), "{error}");
    }

    rlm_testenv::needs_postgres! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn a_dropped_connection_is_retried_then_the_pool_reconnects_and_nothing_is_lost() {
            let schema = pg::fresh_schema();
            let application = format!("rlm-server:{schema}");
            let database = DatabaseConfig::Postgres { url: pg::database_url(), schema: schema.clone() };
            let s = TestServer::start_with(common::demo_script(), |c| c.database = database).await;
            let outcome = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(async {
                // Acknowledged before the outage: sessions and one finished execution.
                let mut acknowledged = Vec::new();
                for _ in 0..4 {
                    acknowledged.push(s.create_session_without_context().await);
                }
                let sid = s.create_session("doc", &common::corpus_text()).await;
                acknowledged.push(sid.clone());
                let (status, started) = s
                    .post("/api/execute", json!({"session_id": sid, "user_query": common::DEMO_QUESTION}))
                    .await;
                assert_eq!(status, 200, "{started}");
                let execution = started["id"].as_str().unwrap().to_string();
                let before = s.wait_execution(&execution).await;
                assert_eq!(before["status"], "completed", "{before}");

                // A request in flight: its transaction waits on a lock the
                // test holds, and its connection is terminated meanwhile.
                let mut locker = pg::admin().await;
                let lock = locker.transaction().await.unwrap();
                lock.batch_execute(&format!("LOCK TABLE {schema}.sessions IN ACCESS EXCLUSIVE MODE"))
                    .await
                    .unwrap();
                let in_flight = {
                    let client = s.client.clone();
                    let url = s.url("/api/sessions");
                    tokio::spawn(async move {
                        let r = client.post(url).json(&json!({"name": "cut"})).send().await.unwrap();
                        let status = r.status().as_u16();
                        (status, r.json::<serde_json::Value>().await.unwrap())
                    })
                };
                let admin = pg::admin().await;
                let mut waiting = false;
                for _ in 0..200 {
                    let row = admin
                        .query_one(
                            "SELECT count(*) FROM pg_stat_activity
                             WHERE application_name = $1 AND wait_event_type = 'Lock'",
                            &[&application],
                        )
                        .await
                        .unwrap();
                    if row.get::<_, i64>(0) > 0 {
                        waiting = true;
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
                assert!(waiting, "the request never reached the locked table");
                assert!(terminate(&admin, &application).await > 0);
                // Retried on a fresh connection, it waits for the lock again
                // and goes through once the lock is given up.
                lock.rollback().await.unwrap();
                let (status, body) = in_flight.await.unwrap();
                assert_eq!(status, 200, "{body}");
                let cut = body["id"].as_str().unwrap().to_string();

                // The next requests succeed on new connections.
                let after = s.create_session_without_context().await;
                let (status, listed) = s.get("/api/sessions?limit=100").await;
                assert_eq!(status, 200, "{listed}");
                let listed: Vec<&str> =
                    listed["sessions"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
                for id in acknowledged.iter().chain([&after, &cut]) {
                    assert!(listed.contains(&id.as_str()), "session {id} was lost: {listed:?}");
                }
                // The cut request is stored once.
                assert_eq!(listed.len(), acknowledged.len() + 2, "{listed:?}");
                let (status, again) = s.get(&format!("/api/executions/{execution}")).await;
                assert_eq!((status, &again["status"]), (200, &before["status"]), "{again}");
                let (status, trace) = s.get(&format!("/api/executions/{execution}/trace")).await;
                assert_eq!(status, 200, "{trace}");

                // And a second outage, with every connection idle, costs nothing.
                assert!(terminate(&admin, &application).await > 0);
                tokio::time::sleep(Duration::from_millis(100)).await;
                let (status, body) = s.get("/api/sessions").await;
                assert_eq!(status, 200, "{body}");
            }))
            .await;
            s.stop().await;
            pg::drop_schema(&schema).await;
            if let Err(panic) = outcome {
                std::panic::resume_unwind(panic);
            }
        }
    }
}
