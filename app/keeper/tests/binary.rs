//! The `xmargin-keeper` binary as an operator runs it: with no flag it keeps the demo market on
//! the embedded chain (liquidating after the crash), serves metrics on loopback while it runs,
//! stops cleanly on SIGTERM, and refuses a bad keypair or an unreachable RPC with a clear error.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_xmargin-keeper");

/// Runs the binary to completion: (exit code, stderr).
fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(BIN).args(args).output().expect("run xmargin-keeper");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The value of `field=` in a log line.
fn field<'a>(line: &'a str, field: &str) -> Option<&'a str> {
    line.split_whitespace().find_map(|w| w.strip_prefix(field)?.strip_prefix('='))
}

#[test]
fn with_no_flag_it_keeps_the_demo_market_through_the_crash() {
    let (code, log) = run(&["--ticks", "3", "--interval-secs", "0", "--demo-accounts", "40"]);
    assert_eq!(code, 0, "{log}");
    let ticks: Vec<&str> = log.lines().filter(|l| l.contains(" tick tick=")).collect();
    assert_eq!(ticks.len(), 3, "{log}");
    // The crash comes before tick 2: accounts fall below maint and are liquidated; tick 3 finds
    // nothing left to do.
    assert!(log.contains("demo feed: SOL gaps -40%"), "{log}");
    let liquidations: u64 = field(ticks[1], "liquidations").unwrap().parse().unwrap();
    assert!(liquidations > 0, "{}", ticks[1]);
    assert_eq!(field(ticks[2], "liquidatable"), Some("0"), "{}", ticks[2]);
    assert_eq!(field(ticks[2], "tracked"), Some("41"), "{}", ticks[2]);
}

#[test]
fn it_serves_metrics_on_loopback_and_stops_on_sigterm() {
    let mut child = Command::new(BIN)
        .args(["--interval-secs", "1", "--demo-accounts", "10", "--metrics-port", "0"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn xmargin-keeper");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let (mut addr, mut line) = (None, String::new());
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        line.clear();
        if stderr.read_line(&mut line).unwrap() == 0 {
            break;
        }
        if let Some(a) = field(&line, "addr") {
            addr = Some(a.to_string());
        }
        if line.contains(" tick tick=1 ") {
            break;
        }
    }
    let addr = addr.expect("the metrics address is logged");
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    let mut s = TcpStream::connect(&addr).unwrap();
    write!(s, "GET /metrics HTTP/1.1\r\nHost: keeper\r\n\r\n").unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    assert!(body.starts_with("HTTP/1.1 200 OK"), "{body}");
    assert!(body.contains("\nxmargin_keeper_accounts_tracked 11\n"), "{body}");
    assert!(body.contains("\nxmargin_keeper_ticks_total 1\n"), "{body}");

    let pid = child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let started = Instant::now();
    let status = child.wait().unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert_eq!(status.code(), Some(0), "{rest}");
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(rest.contains(" stopped "), "{rest}");
}

#[test]
fn a_bad_keypair_is_refused_with_its_reason() {
    let dir = std::env::temp_dir().join(format!("xmargin-keeper-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let garbled = dir.join("garbled.json");
    std::fs::write(&garbled, "[1, 2, 3").unwrap();
    let short = dir.join("short.json");
    std::fs::write(&short, "[1, 2, 3]").unwrap();
    let group = "--group=11111111111111111111111111111111";
    let url = "--url=http://127.0.0.1:9";
    for (path, reason) in [
        (dir.join("missing.json"), "No such file"),
        (garbled, "not a JSON array of 64 bytes"),
        (short, "not a keypair (3 bytes"),
    ] {
        let keypair = format!("--keypair={}", path.display());
        let (code, log) = run(&[url, &keypair, group]);
        assert_eq!(code, 1, "{log}");
        let expected = format!("error: keypair file {}: ", path.display());
        assert!(log.contains(&expected) && log.contains(reason), "{reason}: {log}");
    }
    let (code, log) = run(&[url, group]);
    assert_eq!(code, 1);
    assert!(log.contains("error: --keypair is required with --url"), "{log}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unreachable_rpc_is_refused_with_its_address() {
    let dir = std::env::temp_dir().join(format!("xmargin-keeper-rpc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let keypair = dir.join("keeper.json");
    let bytes: Vec<String> = (0..32).map(|i| i.to_string()).chain(ed25519_public()).collect();
    std::fs::write(&keypair, format!("[{}]", bytes.join(","))).unwrap();
    // Port 9 (discard) on loopback: nothing listens there in a test environment.
    let (code, log) = run(&[
        "--url=http://127.0.0.1:9",
        &format!("--keypair={}", keypair.display()),
        "--group=11111111111111111111111111111111",
    ]);
    assert_eq!(code, 1, "{log}");
    assert!(log.contains("error: cannot reach the RPC endpoint at http://127.0.0.1:9: "), "{log}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The public half of the keypair whose secret is the bytes 0..32, as the keypair file holds it.
fn ed25519_public() -> Vec<String> {
    let secret: [u8; 32] = core::array::from_fn(|i| i as u8);
    let keypair = xmargin_client::Keypair::new_from_array(secret);
    keypair.to_bytes()[32..].iter().map(|b| b.to_string()).collect()
}
