//! The JetStream work queue against the machine's NATS (a stream per test,
//! deleted at the end) and, for the restart, a private nats-server.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Doubler, Hangs, PrivateNats, SHARED_URL, config, job, results};
use futures::future::BoxFuture;
use rlm_queue::{
    Handled, Job, JobHandler, JobQueue, JobResult, JobWorker, QueueConfig, QueuedJobEnd, Recorded,
};
use tokio_util::sync::CancellationToken;

fn spawn_worker(
    queue: &JobQueue,
    handler: Arc<dyn JobHandler>,
    name: &str,
    stop: &CancellationToken,
) -> tokio::task::JoinHandle<()> {
    let worker = JobWorker::new(queue.clone(), handler, name);
    let stop = stop.clone();
    tokio::spawn(async move { worker.run(stop).await })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_record_one_result_per_job() {
    let queue = JobQueue::connect(config(SHARED_URL, "two")).await.unwrap();
    let ids: Vec<String> = (0..20).map(|i| format!("job-{i}")).collect();
    for (i, id) in ids.iter().enumerate() {
        queue.enqueue(&job(id, i as i64)).await.unwrap();
    }
    // the same id again is queued once
    queue.enqueue(&job(&ids[0], 0)).await.unwrap();
    assert_eq!(queue.pending().await.unwrap(), 20);
    let stop = CancellationToken::new();
    let handler: Arc<dyn JobHandler> = Arc::new(Doubler { delay: Duration::from_millis(5) });
    let a = spawn_worker(&queue, Arc::clone(&handler), "a", &stop);
    let b = spawn_worker(&queue, handler, "b", &stop);
    let got = results(&queue, &ids, Duration::from_secs(20)).await;
    for (i, r) in got.iter().enumerate() {
        assert_eq!(r.outcome, QueuedJobEnd::Done { value: serde_json::json!(2 * i as i64) });
        assert_eq!(r.attempt, 1);
    }
    stop.cancel();
    a.await.unwrap();
    b.await.unwrap();
    assert_eq!(queue.pending().await.unwrap(), 0, "every job acked");
    assert!(queue.is_connected());
    // recording again: the same attempt is the same result, another attempt loses
    let again = JobResult { worker: "x".into(), ..got[3].clone() };
    assert_eq!(queue.record(&again).await.unwrap(), Recorded::Again);
    let late = JobResult { attempt: 2, ..again };
    assert_eq!(queue.record(&late).await.unwrap(), Recorded::Lost { winner_attempt: 1 });
    assert!(queue.enqueue(&job("no spaces allowed", 1)).await.is_err());
    queue.destroy().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_workers_job_is_redelivered_to_another() {
    let queue = JobQueue::connect(config(SHARED_URL, "dead")).await.unwrap();
    queue.enqueue(&job("lonely", 21)).await.unwrap();
    let stop = CancellationToken::new();
    let started = Arc::new(tokio::sync::Notify::new());
    let dying =
        spawn_worker(&queue, Arc::new(Hangs { started: Arc::clone(&started) }), "dying", &stop);
    started.notified().await;
    // the worker dies mid-job: its task (and with it its heartbeats) is gone
    dying.abort();
    let _ = dying.await;
    let survivor =
        spawn_worker(&queue, Arc::new(Doubler { delay: Duration::ZERO }), "survivor", &stop);
    let got = results(&queue, &["lonely".to_string()], Duration::from_secs(15)).await;
    assert_eq!(got[0].attempt, 2);
    assert_eq!(got[0].worker, "survivor");
    assert_eq!(got[0].outcome, QueuedJobEnd::Done { value: serde_json::json!(42) });
    stop.cancel();
    survivor.await.unwrap();
    queue.destroy().await.unwrap();
}

/// Waits (when given a queue) until the job has a result recorded by someone
/// else, then answers with its own name.
struct Slow {
    gate: Option<JobQueue>,
    name: &'static str,
    started: Arc<tokio::sync::Notify>,
    finished: Arc<tokio::sync::Notify>,
}

impl JobHandler for Slow {
    fn handle(&self, job: Job, _attempt: u32) -> BoxFuture<'_, Handled> {
        Box::pin(async move {
            self.started.notify_one();
            if let Some(queue) = &self.gate {
                while !matches!(queue.result(&job.id).await, Ok(Some(_))) {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            self.finished.notify_one();
            Handled::Finished(QueuedJobEnd::Done { value: serde_json::json!(self.name) })
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_worker_finishing_after_redelivery_records_nothing() {
    let queue = JobQueue::connect(config(SHARED_URL, "slow")).await.unwrap();
    queue.enqueue(&job("contested", 1)).await.unwrap();
    let stop = CancellationToken::new();
    let slow_started = Arc::new(tokio::sync::Notify::new());
    let slow_finished = Arc::new(tokio::sync::Notify::new());
    // the slow one finishes only once the fast one recorded its result
    let slow = Slow {
        gate: Some(queue.clone()),
        name: "slow",
        started: Arc::clone(&slow_started),
        finished: Arc::clone(&slow_finished),
    };
    // its heartbeats come too late (every 10 s against a 1 s ack wait): NATS redelivers
    let slow_worker = JobWorker::new(queue.clone(), Arc::new(slow), "slow")
        .with_heartbeat(Duration::from_secs(10));
    let slow_task = {
        let stop = stop.clone();
        tokio::spawn(async move { slow_worker.run(stop).await })
    };
    slow_started.notified().await;
    let fast = Slow {
        gate: None,
        name: "fast",
        started: Arc::new(tokio::sync::Notify::new()),
        finished: Arc::new(tokio::sync::Notify::new()),
    };
    let fast_task = spawn_worker(&queue, Arc::new(fast), "fast", &stop);
    let got = results(&queue, &["contested".to_string()], Duration::from_secs(15)).await;
    assert_eq!(got[0].worker, "fast");
    // the second delivery that reached a worker (the workers count them, so a
    // delivery NATS lost in transit is not an attempt)
    assert_eq!(got[0].attempt, 2, "{:?}", got[0]);
    // the slow one finishes later and tries to record attempt 1: refused
    slow_finished.notified().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = queue.result("contested").await.unwrap().unwrap();
    assert_eq!(after, got[0]);
    assert_eq!(after.outcome, QueuedJobEnd::Done { value: serde_json::json!("fast") });
    stop.cancel();
    slow_task.await.unwrap();
    fast_task.await.unwrap();
    assert_eq!(queue.pending().await.unwrap(), 0);
    queue.destroy().await.unwrap();
}

/// Always gives the job back.
struct Busy;

impl JobHandler for Busy {
    fn handle(&self, _job: Job, _attempt: u32) -> BoxFuture<'_, Handled> {
        Box::pin(async { Handled::GiveBack("the worker is busy".into()) })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_are_bounded_then_failed_with_the_reason() {
    let queue = JobQueue::connect(config(SHARED_URL, "bounded")).await.unwrap();
    queue.enqueue(&job("unlucky", 1)).await.unwrap();
    let stop = CancellationToken::new();
    let worker = spawn_worker(&queue, Arc::new(Busy), "busy", &stop);
    let got = results(&queue, &["unlucky".to_string()], Duration::from_secs(15)).await;
    assert_eq!(got[0].attempt, 3);
    assert_eq!(
        got[0].outcome,
        QueuedJobEnd::Failed {
            reason: "given back on each of 3 deliveries; the last: the worker is busy".into()
        }
    );
    stop.cancel();
    worker.await.unwrap();
    assert_eq!(queue.pending().await.unwrap(), 0);
    queue.destroy().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_dying_on_the_last_attempt_leaves_the_job_failed() {
    let queue = JobQueue::connect(QueueConfig { max_attempts: 1, ..config(SHARED_URL, "last") })
        .await
        .unwrap();
    queue.enqueue(&job("doomed", 1)).await.unwrap();
    let stop = CancellationToken::new();
    let started = Arc::new(tokio::sync::Notify::new());
    let dying =
        spawn_worker(&queue, Arc::new(Hangs { started: Arc::clone(&started) }), "dying", &stop);
    started.notified().await;
    dying.abort();
    let _ = dying.await;
    let next = spawn_worker(&queue, Arc::new(Doubler { delay: Duration::ZERO }), "next", &stop);
    let got = results(&queue, &["doomed".to_string()], Duration::from_secs(15)).await;
    assert_eq!(got[0].attempt, 2, "{:?}", got[0]);
    match &got[0].outcome {
        QueuedJobEnd::Failed { reason } => {
            assert!(reason.starts_with("no worker finished the job in 1 deliveries"), "{reason}")
        }
        other => panic!("expected FAILED, got {other:?}"),
    }
    stop.cancel();
    next.await.unwrap();
    queue.destroy().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nats_restart_mid_run_loses_no_job_and_doubles_none() {
    let mut nats = PrivateNats::start();
    let queue = JobQueue::connect(config(&nats.url(), "restart")).await.unwrap();
    let ids: Vec<String> = (0..30).map(|i| format!("r{i}")).collect();
    for (i, id) in ids.iter().enumerate() {
        queue.enqueue(&job(id, i as i64)).await.unwrap();
    }
    let stop = CancellationToken::new();
    let handler: Arc<dyn JobHandler> = Arc::new(Doubler { delay: Duration::from_millis(40) });
    let a = spawn_worker(&queue, Arc::clone(&handler), "a", &stop);
    let b = spawn_worker(&queue, handler, "b", &stop);
    // let some finish, then kill NATS and bring it back on the same store
    let _ = results(&queue, &ids[..5], Duration::from_secs(15)).await;
    nats.kill();
    tokio::time::sleep(Duration::from_millis(500)).await;
    nats.restart();
    let got = results(&queue, &ids, Duration::from_secs(60)).await;
    for (i, r) in got.iter().enumerate() {
        assert_eq!(r.outcome, QueuedJobEnd::Done { value: serde_json::json!(2 * i as i64) });
    }
    // a job recorded just before the kill whose ack was lost comes back after the
    // ack wait: the worker sees its result, acks it and runs nothing again
    let until = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let pending = queue.pending().await.unwrap();
        if pending == 0 {
            break;
        }
        assert!(std::time::Instant::now() < until, "{pending} jobs still queued");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let after: Vec<_> = results(&queue, &ids, Duration::from_secs(1)).await;
    assert_eq!(after, got, "no result changed");
    stop.cancel();
    a.await.unwrap();
    b.await.unwrap();
}

/// Processes connecting at the same moment to a queue no one made yet (an
/// api and a worker started together) all connect: one makes the results
/// bucket, the others use it (NATS refused the second creation, and the
/// guide's cluster page saw a worker exit at start-up).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_starting_together_share_one_results_bucket() {
    let config = config(SHARED_URL, "together");
    let connects = (0..8).map(|_| JobQueue::connect(config.clone()));
    let mut queues: Vec<JobQueue> = futures::future::join_all(connects)
        .await
        .into_iter()
        .map(|q| q.expect("each process connects"))
        .collect();
    queues[0].enqueue(&job("shared", 2)).await.unwrap();
    assert_eq!(queues[7].pending().await.unwrap(), 1);
    queues.swap_remove(0).destroy().await.unwrap();
}
