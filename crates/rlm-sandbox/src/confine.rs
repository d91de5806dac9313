//! What a worker does to itself before it serves anything, in this order:
//! resource limits (`RLIMIT_AS`, `RLIMIT_CPU`, no core dumps, few open
//! files), `PR_SET_NO_NEW_PRIVS`, landlock (no filesystem access, no TCP,
//! no signals or abstract sockets outside itself: where the kernel has it),
//! then a seccomp allow-list (every other system call fails with `EPERM`).
//! Each step is reported in a [`Confinement`]; a step the kernel lacks
//! (landlock) is reported, not fatal; a step that fails where it should work
//! is an error, and the worker does not serve.

use std::collections::BTreeMap;

use landlock::{ABI, Access, AccessFs, AccessNet, Ruleset, RulesetAttr, RulesetStatus, Scope};
use rustix::process::{Resource, Rlimit, setrlimit};
use seccompiler::{BpfProgram, SeccompAction, SeccompFilter, SeccompRule, TargetArch};
use serde::{Deserialize, Serialize};

use crate::error::SandboxError;

/// The OS limits a worker puts on itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsLimits {
    /// `RLIMIT_AS` (soft = hard): the interpreter's memory budget, the
    /// context mapping and the process's own footprint must fit in it.
    pub address_space_bytes: Option<u64>,
    /// `RLIMIT_CPU` (soft; the hard limit is 5 s more): CPU seconds over the
    /// worker's whole life (the pool retires a worker past half of it).
    pub cpu_seconds: Option<u64>,
    /// Install the seccomp allow-list.
    pub seccomp: bool,
    /// Ask landlock to deny all filesystem and network access.
    pub landlock: bool,
}

impl Default for OsLimits {
    fn default() -> Self {
        OsLimits {
            address_space_bytes: Some(2 << 30),
            cpu_seconds: Some(600),
            seccomp: true,
            landlock: true,
        }
    }
}

/// What a worker reported having done to itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confinement {
    pub address_space_bytes: Option<u64>,
    pub cpu_seconds: Option<u64>,
    pub no_new_privs: bool,
    pub seccomp: bool,
    /// `fully enforced`, `partially enforced`, `not supported by this
    /// kernel` or `off`.
    pub landlock: String,
}

/// Most files a worker may have open (its socket, a context, std's own).
const MAX_OPEN_FILES: u64 = 32;

/// Applies `limits` to the calling process (see the module docs). Call it
/// while the process has one thread.
pub fn confine(limits: &OsLimits) -> Result<Confinement, SandboxError> {
    let fail =
        |what: &str, e: &dyn std::fmt::Display| SandboxError::Confine(format!("{what}: {e}"));
    let limit = |resource, soft: u64, hard: u64| {
        setrlimit(resource, Rlimit { current: Some(soft), maximum: Some(hard) })
    };
    limit(Resource::Core, 0, 0).map_err(|e| fail("RLIMIT_CORE", &e))?;
    limit(Resource::Nofile, MAX_OPEN_FILES, MAX_OPEN_FILES)
        .map_err(|e| fail("RLIMIT_NOFILE", &e))?;
    if let Some(bytes) = limits.address_space_bytes {
        limit(Resource::As, bytes, bytes).map_err(|e| fail("RLIMIT_AS", &e))?;
    }
    if let Some(seconds) = limits.cpu_seconds {
        limit(Resource::Cpu, seconds, seconds + 5).map_err(|e| fail("RLIMIT_CPU", &e))?;
    }
    rustix::thread::set_no_new_privs(true).map_err(|e| fail("PR_SET_NO_NEW_PRIVS", &e))?;
    let landlock = if limits.landlock { restrict_landlock()? } else { "off".to_string() };
    if limits.seccomp {
        let program = allow_list().map_err(|e| fail("seccomp filter", &e))?;
        seccompiler::apply_filter_all_threads(&program).map_err(|e| fail("seccomp", &e))?;
    }
    Ok(Confinement {
        address_space_bytes: limits.address_space_bytes,
        cpu_seconds: limits.cpu_seconds,
        no_new_privs: true,
        seccomp: limits.seccomp,
        landlock,
    })
}

/// Handles every filesystem and network right landlock knows and grants
/// none: nothing can be opened, created or connected to. Best effort: an
/// older kernel enforces what it has.
fn restrict_landlock() -> Result<String, SandboxError> {
    let abi = ABI::V6;
    let fail = |e: &dyn std::fmt::Display| SandboxError::Confine(format!("landlock: {e}"));
    let status = Ruleset::default()
        .handle_access(AccessFs::from_all(abi))
        .map_err(|e| fail(&e))?
        .handle_access(AccessNet::from_all(abi))
        .map_err(|e| fail(&e))?
        .scope(Scope::from_all(abi))
        .map_err(|e| fail(&e))?
        .create()
        .map_err(|e| fail(&e))?
        .restrict_self()
        .map_err(|e| fail(&e))?;
    Ok(match status.ruleset {
        RulesetStatus::FullyEnforced => "fully enforced",
        RulesetStatus::PartiallyEnforced => "partially enforced",
        RulesetStatus::NotEnforced => "not supported by this kernel",
    }
    .to_string())
}

/// The system calls a worker needs once it serves: its socket (`recvmsg`,
/// `sendmsg`), memory (`mmap`...), reading the context file it is handed,
/// threads' futexes, signals, time, and exiting. No `open`, `socket`,
/// `connect`, `execve`, `fork`/`clone`, `ptrace` or `kill` of others.
fn allowed_syscalls() -> Vec<i64> {
    let mut calls = vec![
        libc::SYS_read,
        libc::SYS_write,
        libc::SYS_readv,
        libc::SYS_writev,
        libc::SYS_pread64,
        libc::SYS_lseek,
        libc::SYS_close,
        libc::SYS_fstat,
        libc::SYS_newfstatat,
        libc::SYS_statx,
        libc::SYS_fcntl,
        libc::SYS_mmap,
        libc::SYS_munmap,
        libc::SYS_mremap,
        libc::SYS_mprotect,
        libc::SYS_madvise,
        libc::SYS_brk,
        libc::SYS_futex,
        libc::SYS_sched_yield,
        libc::SYS_sched_getaffinity,
        libc::SYS_getrandom,
        libc::SYS_clock_gettime,
        libc::SYS_clock_nanosleep,
        libc::SYS_nanosleep,
        libc::SYS_rt_sigreturn,
        libc::SYS_rt_sigprocmask,
        libc::SYS_rt_sigaction,
        libc::SYS_sigaltstack,
        libc::SYS_getpid,
        libc::SYS_gettid,
        libc::SYS_tgkill,
        libc::SYS_getrusage,
        libc::SYS_recvmsg,
        libc::SYS_sendmsg,
        libc::SYS_recvfrom,
        libc::SYS_sendto,
        libc::SYS_ppoll,
        libc::SYS_restart_syscall,
        libc::SYS_exit,
        libc::SYS_exit_group,
    ];
    #[cfg(target_arch = "x86_64")]
    calls.extend([libc::SYS_poll, libc::SYS_arch_prctl]);
    calls
}

fn allow_list() -> Result<BpfProgram, seccompiler::BackendError> {
    let rules: BTreeMap<i64, Vec<SeccompRule>> =
        allowed_syscalls().into_iter().map(|nr| (nr, Vec::new())).collect();
    let arch = TargetArch::try_from(std::env::consts::ARCH)?;
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Errno(libc::EPERM as u32),
        SeccompAction::Allow,
        arch,
    )?;
    filter.try_into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allow_list_compiles_for_this_machine() {
        let program = allow_list().expect("a filter for this architecture");
        assert!(!program.is_empty());
        assert!(!allowed_syscalls().contains(&libc::SYS_openat));
        assert!(!allowed_syscalls().contains(&libc::SYS_socket));
        assert!(!allowed_syscalls().contains(&libc::SYS_execve));
    }
}
