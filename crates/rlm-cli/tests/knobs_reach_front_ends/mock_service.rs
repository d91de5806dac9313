//! The test's HTTP services on 127.0.0.1 (the OTLP receiver, the model
//! provider): wiremock servers keeping every request, each on a runtime of
//! its own, since the probes call them from sync code and from their own
//! runtimes. Each probe uses a path of its own (its folder's name).

use super::*;

pub(super) struct MockService {
    server: MockServer,
    runtime: tokio::runtime::Runtime,
}

impl MockService {
    /// A server answering as `mocks` say.
    pub(super) fn start(mocks: fn() -> Vec<Mock>) -> MockService {
        // Started on a thread of its own: a first call may come from a
        // probe's runtime, where another runtime cannot block.
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("a mock service's runtime");
            let server = runtime.block_on(async {
                let server = MockServer::start().await;
                for mock in mocks() {
                    mock.mount(&server).await;
                }
                server
            });
            MockService { server, runtime }
        })
        .join()
        .expect("the mock service started")
    }

    /// Its address under the path of the probe in `dir`.
    pub(super) fn url_of(&self, dir: &Path) -> String {
        format!("{}{}", self.server.uri(), probe_path(dir))
    }

    /// The requests the probe in `dir` sent it, oldest first.
    pub(super) fn requests_of(&self, dir: &Path) -> Vec<wiremock::Request> {
        let prefix = format!("{}/", probe_path(dir));
        let requests = std::thread::scope(|scope| {
            scope.spawn(|| self.runtime.block_on(self.server.received_requests())).join()
        })
        .expect("the mock service answered")
        .unwrap_or_default();
        requests.into_iter().filter(|q| q.url.path().starts_with(&prefix)).collect()
    }
}

/// The path of the probe in `dir`: the folder's name.
pub(super) fn probe_path(dir: &Path) -> String {
    format!("/{}", dir.file_name().map(|n| n.to_string_lossy()).unwrap_or_default())
}
