//! A private network namespace for the test process and everything it starts: the test
//! validator binds its RPC, websocket, faucet and gossip ports to 0.0.0.0 whatever it is told,
//! so it may only run where nothing but loopback exists.

use std::io;
use std::process::Command;

/// Moves this process (first thing in `main`, before any thread exists) into a new network
/// namespace holding only a loopback interface, and brings that up. As root it is a plain network
/// namespace (`unshare -n`); otherwise inside a user namespace of its own that maps the caller to
/// root there (`unshare -rn`), where unprivileged user namespaces are allowed.
pub fn enter() -> Result<(), String> {
    // SAFETY: plain syscalls; the process is still single-threaded, so the namespace applies to
    // every thread and child started afterwards.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
        let plain = io::Error::last_os_error();
        if unsafe { libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNET) } != 0 {
            return Err(format!(
                "cannot make a private network namespace: unshare(CLONE_NEWNET): {plain}; with a \
                 user namespace: {}. Run as root, or allow unprivileged user namespaces.",
                io::Error::last_os_error()
            ));
        }
        let write = |path: &str, text: String| {
            std::fs::write(path, text).map_err(|e| format!("writing {path}: {e}"))
        };
        write("/proc/self/setgroups", "deny".into())?;
        write("/proc/self/uid_map", format!("0 {uid} 1"))?;
        write("/proc/self/gid_map", format!("0 {gid} 1"))?;
    }
    let up = Command::new("ip").args(["link", "set", "lo", "up"]).output();
    match up {
        Ok(out) if out.status.success() => {}
        Ok(out) => {
            return Err(format!("ip link set lo up: {}", String::from_utf8_lossy(&out.stderr)))
        }
        Err(e) => return Err(format!("ip link set lo up: {e} (install iproute2)")),
    }
    let interfaces = interfaces()?;
    if interfaces != ["lo"] {
        return Err(format!("the private namespace has interfaces {interfaces:?}, not just lo"));
    }
    Ok(())
}

/// The network interfaces this process sees (`/proc/self/net/dev`).
pub fn interfaces() -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string("/proc/self/net/dev").map_err(|e| e.to_string())?;
    Ok(text.lines().skip(2).filter_map(|l| Some(l.split(':').next()?.trim().to_string())).collect())
}
