//! A child process's memory as the kernel counts it: `VmRSS` (now) and
//! `VmHWM` (its peak), from `/proc/PID/status`, in bytes.

/// The field of `/proc/PID/status` named `field` (`"VmHWM:"`), in bytes.
pub fn status_bytes(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let line = status.lines().find(|l| l.starts_with(field)).expect("field");
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib << 10
}
