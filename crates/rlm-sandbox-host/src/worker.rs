//! The sandbox worker's serving loop (the `rlm sandbox-worker` subcommand):
//! confined first (`rlm_sandbox::start_worker`), then one execution at a
//! time: `Open` makes a [`LocalSandbox`] over the context file it was handed
//! (kept across executions while the parent names the same context), cells
//! run in it, and each host call goes to the parent as `Suspended`, the
//! cell waiting for its `Answers`. The worker has nothing else: no files,
//! no network, only its socket.

use std::fs::File;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::LocalBoxFuture;
use rlm_context::{Context, LoadOptions};
use rlm_interp::{ExcKind, HostCall, HostError, Interpreter};
use rlm_sandbox::{Channel, ChannelError};

use crate::cell::{Answers, CallServer};
use crate::wire::{OpenSession, ProbeReport, Reply, Request, WireCall, from_wire, to_wire};
use crate::{Interrupt, LocalSandbox, SessionRecipe};
use rlm_functions::FunctionRegistry;

/// Exit status of a worker that could not start or lost its parent's protocol.
const EXIT_BROKEN: i32 = 3;

/// How often (in fuel) a worker's cell looks at the clock for its deadline:
/// as rlm-core's in-process check, about a millisecond of work.
const WORKER_CHECK_FUEL: u64 = 250_000;

/// Runs the worker until its parent closes the socket; returns the exit
/// status (0: closed by the parent).
pub fn serve_worker() -> i32 {
    // A panic (an allocation the OS refused, a stack that cannot grow) ends
    // the worker by SIGABRT, which its parent names, whatever the embedder's
    // own panic handling.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("rlm sandbox-worker: {info}");
        std::process::abort();
    }));
    let mut channel = match rlm_sandbox::start_worker() {
        Ok((channel, _confinement)) => channel,
        Err(e) => {
            eprintln!("rlm sandbox-worker: {e}");
            return EXIT_BROKEN;
        }
    };
    let mut context: Option<(u64, Context)> = None;
    let mut sandbox: Option<LocalSandbox> = None;
    loop {
        let (request, fd) = match channel.recv::<Request>() {
            Ok(r) => r,
            Err(ChannelError::Closed) => return 0,
            Err(e) => {
                eprintln!("rlm sandbox-worker: {e}");
                return EXIT_BROKEN;
            }
        };
        let reply = match request {
            Request::Open(open) => match open_session(*open, fd, &mut context) {
                Ok(s) => {
                    sandbox = Some(s);
                    Reply::Opened
                }
                Err(why) => Reply::Failed(why),
            },
            Request::Close => {
                sandbox = None;
                Reply::Closed
            }
            Request::Probe => Reply::Probe(probe()),
            other => match sandbox.as_mut() {
                Some(s) => match serve_request(s, other, &mut channel) {
                    Some(reply) => reply,
                    None => return EXIT_BROKEN,
                },
                None => Reply::Failed("no session is open".into()),
            },
        };
        if channel.send(&reply, None).is_err() {
            return EXIT_BROKEN;
        }
    }
}

/// A request to the open session; `None` when the parent broke the protocol.
fn serve_request(s: &mut LocalSandbox, request: Request, channel: &mut Channel) -> Option<Reply> {
    Some(match request {
        Request::Run { code, echo, counted, deadline_ms } => {
            // The parent's cancellation ends this process; its deadline is
            // kept here, so that the cell ends with the wall-time error and
            // is rolled back, as in process.
            let deadline = deadline_ms.map(|ms| Instant::now() + Duration::from_millis(ms));
            let cancelled = std::rc::Rc::new(|| false);
            s.set_interrupt(&Interrupt { every_fuel: WORKER_CHECK_FUEL, cancelled, deadline });
            let mut server = ParentServer { channel, abandoned: false, lost: false };
            let run = futures::executor::block_on(s.run_with(&code, echo, counted, &mut server));
            if server.lost {
                return None;
            }
            Reply::Ran(run.into())
        }
        Request::SetGlobal { name, value } => match from_wire(&value) {
            Ok(v) => {
                s.set_global(&name, v);
                Reply::Done
            }
            Err(why) => Reply::Failed(why),
        },
        Request::DisplayGlobal(name) => Reply::Text(s.display_global(&name)),
        Request::AnswerReady => Reply::Text(s.answer_ready()),
        Request::PartialAnswer(var) => Reply::Text(s.partial_answer(var.as_deref())),
        Request::AutoFinal(name) => Reply::Text(s.auto_final(&name)),
        Request::Memory => {
            let (map, dropped) = s.memory();
            Reply::Memory { map, dropped }
        }
        Request::Answers(_) | Request::Abandon => return None,
        Request::Open(_) | Request::Close | Request::Probe => {
            Reply::Failed("not a session request".into())
        }
    })
}

/// The session `open` describes, over the context file `fd` (or the one
/// already loaded under the same id).
fn open_session(
    open: OpenSession,
    fd: Option<OwnedFd>,
    cached: &mut Option<(u64, Context)>,
) -> Result<LocalSandbox, String> {
    let context = match cached {
        Some((id, c)) if *id == open.context_id => c.clone(),
        _ => {
            let fd = fd.ok_or("no context file came with the session")?;
            let c = Context::from_open_file_with_documents(
                File::from(fd),
                Path::new("<context>"),
                &open.documents,
                &open.separator,
                &LoadOptions::default(),
            )
            .map_err(|e| e.to_string())?;
            *cached = Some((open.context_id, c.clone()));
            c
        }
    };
    let functions = Arc::new(FunctionRegistry::for_worker(&open.functions, &open.tools));
    Ok(LocalSandbox::new(SessionRecipe {
        limits: open.limits,
        functions,
        context,
        query: open.query,
    }))
}

/// Serves a cell's host calls by asking the parent.
struct ParentServer<'c> {
    channel: &'c mut Channel,
    /// The parent abandoned the cell (its run was cancelled).
    abandoned: bool,
    /// The parent broke the protocol or went away.
    lost: bool,
}

impl CallServer for ParentServer<'_> {
    fn serve<'a>(
        &'a mut self,
        _session: &'a mut Interpreter,
        calls: Vec<HostCall>,
    ) -> LocalBoxFuture<'a, Answers> {
        Box::pin(async move {
            let ids: Vec<u64> = calls.iter().map(|c| c.id).collect();
            let wire: Result<Vec<WireCall>, HostError> = calls.iter().map(wire_call).collect();
            let wire = match wire {
                Ok(w) => w,
                // As with a badly made call, none of the suspension's calls is made.
                Err(e) => return ids.into_iter().map(|id| (id, Err(e.clone()))).collect(),
            };
            if self.channel.send(&Reply::Suspended(wire), None).is_err() {
                self.lost = true;
                self.abandoned = true;
                return Vec::new();
            }
            match self.channel.recv::<Request>() {
                Ok((Request::Answers(answers), _)) => answers
                    .into_iter()
                    .map(|(id, r)| {
                        let r = match r {
                            Ok(w) => from_wire(&w).map_err(HostError::new),
                            Err(e) => Err(e.into()),
                        };
                        (id, r)
                    })
                    .collect(),
                Ok((Request::Abandon, _)) => {
                    self.abandoned = true;
                    Vec::new()
                }
                _ => {
                    self.lost = true;
                    self.abandoned = true;
                    Vec::new()
                }
            }
        })
    }

    fn cancelled(&self) -> bool {
        self.abandoned
    }
}

/// A host call as it crosses to the parent; arguments without a wire form
/// are the program's `TypeError`.
fn wire_call(c: &HostCall) -> Result<WireCall, HostError> {
    let refuse = |why: String| {
        HostError::typed(
            ExcKind::TypeError,
            format!("{}() cannot take {why}: its arguments go to the host as data", c.name),
        )
    };
    Ok(WireCall {
        id: c.id,
        name: c.name.to_string(),
        args: c.args.iter().map(to_wire).collect::<Result<_, _>>().map_err(refuse)?,
        kwargs: c
            .kwargs
            .iter()
            .map(|(k, v)| Ok((k.to_string(), to_wire(v)?)))
            .collect::<Result<_, String>>()
            .map_err(refuse)?,
    })
}

/// Tries what the confinement forbids: opening a file, making a socket.
fn probe() -> ProbeReport {
    let outcome = |r: std::io::Result<()>| match r {
        Ok(()) => "allowed".to_string(),
        Err(e) => e.to_string(),
    };
    ProbeReport {
        open_file: outcome(File::open("/proc/self/stat").map(drop)),
        open_socket: outcome(std::net::UdpSocket::bind("127.0.0.1:0").map(drop)),
    }
}
