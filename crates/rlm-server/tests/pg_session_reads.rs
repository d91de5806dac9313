//! Reads of sessions grouped on PostgreSQL (issue #80): reads made at once
//! share one statement, and each still gets its own answer: its session,
//! `None` for an id nothing holds, or the error of its own record alone
//! when that record does not decode. A read made after a write sees it.

#[cfg(feature = "postgres")]
mod postgres {
    use rlm_server::store::StoreError;
    use rlm_server::store::prelude::*;
    use uuid::Uuid;

    use crate::common::pg::{admin, with_store};
    use crate::store_contract::{T0, session};

    rlm_testenv::needs_postgres! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn reads_made_at_once_each_get_their_own_session_none_or_error() {
            with_store(|store| async move {
                let mut stored = Vec::new();
                for i in 0..24 {
                    let mut s = session(if i % 2 == 0 { "ann" } else { "bob" }, T0 + i);
                    s.name = Some(format!("session {i}"));
                    store.put_session(&s).await.unwrap();
                    stored.push(s);
                }
                let damaged = stored.pop().unwrap().id;
                let table = format!("{}.sessions", store.schema());
                admin()
                    .await
                    .execute(&format!("UPDATE {table} SET record = $1 WHERE id = $2"), &[
                        &"{\"id\": 7}",
                        &damaged,
                    ])
                    .await
                    .unwrap();
                let missing: Vec<Uuid> = (0..8).map(|_| Uuid::new_v4()).collect();
                // Each id asked for three times at once, the damaged and
                // the missing ones among them.
                let mut ids: Vec<Uuid> = stored.iter().map(|s| s.id).collect();
                ids.extend(&missing);
                ids.push(damaged);
                let asked: Vec<Uuid> = ids.iter().chain(&ids).chain(&ids).copied().collect();
                let reads = asked.iter().map(|&id| {
                    let store = store.clone();
                    tokio::spawn(async move { (id, store.get_session(id).await) })
                });
                let answers = futures::future::join_all(reads).await;
                for answer in answers {
                    let (id, read) = answer.unwrap();
                    if id == damaged {
                        assert!(matches!(read, Err(StoreError::Corrupt { .. })), "{read:?}");
                    } else if missing.contains(&id) {
                        assert!(read.unwrap().is_none());
                    } else {
                        let s = stored.iter().find(|s| s.id == id).unwrap();
                        let read = read.unwrap().unwrap();
                        assert_eq!((read.id, &read.owner, &read.name), (s.id, &s.owner, &s.name));
                    }
                }
            })
            .await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_read_after_a_write_sees_it_while_other_reads_run() {
            with_store(|store| async move {
                let mut s = session("ann", T0);
                store.put_session(&s).await.unwrap();
                let others: Vec<Uuid> = (0..16).map(|_| Uuid::new_v4()).collect();
                for round in 0..20 {
                    // Reads of other ids keep a batch in flight meanwhile.
                    let busy: Vec<_> = others
                        .iter()
                        .map(|&id| {
                            let store = store.clone();
                            tokio::spawn(async move { store.get_session(id).await })
                        })
                        .collect();
                    s.name = Some(format!("round {round}"));
                    store.put_session(&s).await.unwrap();
                    let read = store.get_session(s.id).await.unwrap().unwrap();
                    assert_eq!(read.name, s.name, "round {round}");
                    for b in busy {
                        assert!(b.await.unwrap().unwrap().is_none());
                    }
                }
            })
            .await;
        }
    }
}
