//! The worker's side of start-up: it takes its socket (its standard input,
//! the only thing the parent gave it), reads the limits it must put on
//! itself, confines itself ([`crate::confine`]) and says so. Only then does
//! the embedder's serving loop read its first request.

use std::os::fd::AsFd;

use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::confine::{Confinement, OsLimits, confine};
use crate::error::SandboxError;

/// The parent's first message.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Setup {
    pub limits: OsLimits,
}

/// The worker's answer to [`Setup`].
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum SetupReply {
    Ready(Confinement),
    Refused(String),
}

/// Starts a worker process's life: returns the confined worker's channel.
/// Call it first thing in the worker's `main`, while it has one thread.
pub fn start_worker() -> Result<(Channel, Confinement), SandboxError> {
    let socket = std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .map_err(|e| SandboxError::Protocol(format!("no socket on standard input: {e}")))?;
    let mut channel = Channel::new(socket);
    let (Setup { limits }, _) = channel.recv::<Setup>()?;
    match confine(&limits) {
        Ok(confinement) => {
            channel.send(&SetupReply::Ready(confinement.clone()), None)?;
            Ok((channel, confinement))
        }
        Err(e) => {
            let _ = channel.send(&SetupReply::Refused(e.to_string()), None);
            Err(e)
        }
    }
}
