//! Records compressed with lz4 on PostgreSQL (issue #80, migration 13): a
//! session's record and a trace batch big enough to be compressed are
//! stored with lz4 where the server has it; a version-12 store's pglz
//! values are read as they were after the upgrade, and written again
//! with lz4.

#[cfg(feature = "postgres")]
mod postgres {
    use rlm_server::store::prelude::*;
    use rlm_server::store::{PgStore, SessionRecord, StreamedEvent};
    use uuid::Uuid;

    use crate::common::pg::{admin, database_url, with_store};
    use crate::store_contract::{T0, execution, session};

    /// Whether the test database's server was built with lz4.
    async fn server_has_lz4() -> bool {
        let sql = "SELECT 'lz4' = ANY(enumvals) FROM pg_settings
                   WHERE name = 'default_toast_compression'";
        admin().await.query_one(sql, &[]).await.unwrap().get(0)
    }

    /// The method `column` of `table`'s row `id` is stored with (`None`:
    /// stored as it is).
    async fn method(store: &PgStore, table: &str, column: &str, id: Uuid) -> Option<String> {
        let key = if table == "trace_batches" { "execution_id" } else { "id" };
        let sql = format!(
            "SELECT pg_column_compression({column}) FROM {}.{table} WHERE {key} = $1",
            store.schema()
        );
        admin().await.query_one(&sql, &[&id]).await.unwrap().get(0)
    }

    /// A session whose record is big enough to be compressed (about 6 KB
    /// of JSON, as varied as a conversation's).
    fn big_session(owner: &str) -> SessionRecord {
        let mut s = session(owner, T0);
        let notes: Vec<String> =
            (0..300).map(|i| format!("turn {i}: {}", i * 7919 % 1000)).collect();
        s.context_metadata.insert("notes".into(), notes.join("; ").into());
        s
    }

    fn expected(has_lz4: bool) -> Option<String> {
        Some(if has_lz4 { "lz4" } else { "pglz" }.to_string())
    }

    rlm_testenv::needs_postgres! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn big_records_and_trace_batches_are_stored_with_lz4() {
            with_store(|store| async move {
                let has_lz4 = server_has_lz4().await;
                let s = big_session("ann");
                store.put_session(&s).await.unwrap();
                assert_eq!(method(&store, "sessions", "record", s.id).await, expected(has_lz4));
                assert_eq!(store.get_session(s.id).await.unwrap(), Some(s));
                let e = execution("ann", None, T0);
                store.put_execution(&e).await.unwrap();
                let rec = rlm_trace::TraceRecorder::new();
                let run = rec.start_run(None, rlm_trace::RunStarted::default());
                for i in 1..40 {
                    let message = format!("note {i}: {}", "what the step found ".repeat(4));
                    rec.error(run, rlm_trace::ErrorEvent { message, fatal: false });
                }
                let events: Vec<StreamedEvent> = rec
                    .events()
                    .into_iter()
                    .enumerate()
                    .map(|(n, event)| StreamedEvent { position: n as u64, event })
                    .collect();
                store.append_trace(e.id, &events).await.unwrap();
                let method = method(&store, "trace_batches", "events", e.id).await;
                assert_eq!(method, expected(has_lz4));
                let read = store.trace(e.id).await.unwrap();
                assert_eq!(read, events);
            })
            .await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_version_12_stores_pglz_records_are_read_and_written_again_with_lz4() {
            with_store(|store| async move {
                let has_lz4 = server_has_lz4().await;
                let schema = store.schema().to_string();
                // Back to version 12: the column as it was, a record written then.
                admin()
                    .await
                    .batch_execute(&format!(
                        "ALTER TABLE {schema}.sessions ALTER COLUMN record SET COMPRESSION pglz;
                         DELETE FROM {schema}.rlm_migrations WHERE version = 13;"
                    ))
                    .await
                    .unwrap();
                let mut s = big_session("ann");
                store.put_session(&s).await.unwrap();
                assert_eq!(method(&store, "sessions", "record", s.id).await, expected(false));
                let again = PgStore::connect(&database_url(), &schema).await.unwrap();
                let versions: Vec<i32> = admin()
                    .await
                    .query(&format!("SELECT version FROM {schema}.rlm_migrations"), &[])
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| r.get(0))
                    .collect();
                assert!(versions.contains(&13), "the upgrade is recorded: {versions:?}");
                assert_eq!(again.get_session(s.id).await.unwrap().as_ref(), Some(&s));
                s.name = Some("written again".into());
                again.put_session(&s).await.unwrap();
                assert_eq!(method(&again, "sessions", "record", s.id).await, expected(has_lz4));
                assert_eq!(again.get_session(s.id).await.unwrap(), Some(s));
            })
            .await;
        }
    }
}
