//! The keeper's Prometheus metrics: totals kept across ticks ([`Metrics::record`]) and a plain
//! HTTP endpoint serving them in the text exposition format on a loopback port only
//! ([`serve`]: `GET /metrics`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::TickReport;

/// The longest request line read (`GET /metrics HTTP/1.1` needs 22 bytes).
const MAX_REQUEST_LINE: u64 = 8_192;

/// What the keeper has seen and done since it started.
#[derive(Debug, Default, Clone)]
pub struct Metrics {
    /// Margin accounts of the group at the last tick.
    pub accounts_tracked: usize,
    /// Of them, below maint health at the start of the last tick.
    pub accounts_liquidatable: usize,
    /// Liquidation steps sent (simulated, when dry-running), landed and refused.
    pub liquidations_sent: u64,
    pub liquidations_landed: u64,
    pub liquidations_failed: u64,
    /// Steps skipped for an incentive below the minimum.
    pub liquidations_unprofitable: u64,
    /// Liquidatable accounts no step could be found for, at the last tick.
    pub accounts_stuck: usize,
    /// Compute units of the landed liquidation steps.
    pub liquidation_compute_units: u64,
    pub cranks_landed: u64,
    pub cranks_failed: u64,
    pub settlements_landed: u64,
    /// Accounts whose loss the fund or the depositors took, and how much, native quote units.
    pub bankruptcies: u64,
    pub insurance_paid: u64,
    pub socialized: u64,
    /// Ticks that completed and that failed (an unreadable group, a lost RPC request).
    pub ticks: u64,
    pub tick_errors: u64,
    /// Lamports in the fee-paying wallet at the end of the last tick.
    pub wallet_lamports: u64,
    /// Duration of the last completed tick, seconds.
    pub last_tick_secs: f64,
    /// When the last tick completed.
    pub last_tick_at: Option<Instant>,
    /// When the keeper started.
    pub started_at: Option<Instant>,
}

impl Metrics {
    /// Adds a completed tick that took `elapsed`.
    pub fn record(&mut self, r: &TickReport, elapsed: Duration) {
        self.accounts_tracked = r.tracked;
        self.accounts_liquidatable = r.liquidatable;
        self.accounts_stuck = r.stuck;
        self.liquidations_sent += (r.steps_landed + r.steps_failed) as u64;
        self.liquidations_landed += r.steps_landed as u64;
        self.liquidations_failed += r.steps_failed as u64;
        self.liquidations_unprofitable += r.steps_unprofitable as u64;
        self.liquidation_compute_units += r.compute_units;
        self.cranks_landed += r.cranks_landed as u64;
        self.cranks_failed += r.cranks_failed as u64;
        self.settlements_landed += r.settlements_landed as u64;
        self.bankruptcies += r.bankrupt.len() as u64;
        self.insurance_paid += r.insurance_paid;
        self.socialized += r.socialized;
        self.wallet_lamports = r.wallet_lamports;
        self.ticks += 1;
        self.last_tick_secs = elapsed.as_secs_f64();
        self.last_tick_at = Some(Instant::now());
    }

    /// Seconds since the last completed tick (since the start before the first): how far the
    /// keeper's view lags.
    pub fn lag_secs(&self) -> f64 {
        self.last_tick_at.or(self.started_at).map_or(0.0, |t| t.elapsed().as_secs_f64())
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let rows: [(&str, &str, &str, f64); 21] = [
            (
                "accounts_tracked",
                "gauge",
                "margin accounts of the group",
                self.accounts_tracked as f64,
            ),
            (
                "accounts_liquidatable",
                "gauge",
                "accounts below maint health at the last tick",
                self.accounts_liquidatable as f64,
            ),
            (
                "accounts_stuck",
                "gauge",
                "liquidatable accounts no step passed for at the last tick",
                self.accounts_stuck as f64,
            ),
            (
                "liquidations_sent_total",
                "counter",
                "liquidation steps sent",
                self.liquidations_sent as f64,
            ),
            (
                "liquidations_landed_total",
                "counter",
                "liquidation steps landed",
                self.liquidations_landed as f64,
            ),
            (
                "liquidations_failed_total",
                "counter",
                "liquidation steps refused",
                self.liquidations_failed as f64,
            ),
            (
                "liquidations_unprofitable_total",
                "counter",
                "steps skipped below the minimum incentive",
                self.liquidations_unprofitable as f64,
            ),
            (
                "liquidation_compute_units_total",
                "counter",
                "compute units of landed liquidation steps",
                self.liquidation_compute_units as f64,
            ),
            ("cranks_landed_total", "counter", "cranks landed", self.cranks_landed as f64),
            ("cranks_failed_total", "counter", "cranks refused", self.cranks_failed as f64),
            (
                "settlements_landed_total",
                "counter",
                "settlement and resolution transactions landed",
                self.settlements_landed as f64,
            ),
            (
                "bankruptcies_total",
                "counter",
                "accounts whose loss was covered",
                self.bankruptcies as f64,
            ),
            (
                "insurance_paid_total",
                "counter",
                "native quote units the insurance fund paid",
                self.insurance_paid as f64,
            ),
            (
                "socialized_total",
                "counter",
                "native quote units socialized",
                self.socialized as f64,
            ),
            (
                "wallet_lamports",
                "gauge",
                "lamports in the fee-paying wallet after the last tick",
                self.wallet_lamports as f64,
            ),
            ("ticks_total", "counter", "ticks completed", self.ticks as f64),
            ("tick_errors_total", "counter", "ticks failed", self.tick_errors as f64),
            ("last_tick_seconds", "gauge", "duration of the last tick", self.last_tick_secs),
            ("lag_seconds", "gauge", "seconds since the last completed tick", self.lag_secs()),
            (
                "uptime_seconds",
                "gauge",
                "seconds since the keeper started",
                self.started_at.map_or(0.0, |t| t.elapsed().as_secs_f64()),
            ),
            (
                "liquidation_compute_units_per_step",
                "gauge",
                "mean compute units of a landed step",
                self.liquidation_compute_units as f64 / (self.liquidations_landed.max(1)) as f64,
            ),
        ];
        let mut out = String::new();
        for (name, kind, help, value) in rows {
            out.push_str(&format!(
                "# HELP xmargin_keeper_{name} {help}\n# TYPE xmargin_keeper_{name} {kind}\n\
                 xmargin_keeper_{name} {value}\n"
            ));
        }
        out
    }
}

/// Serves `metrics` at `http://127.0.0.1:port/metrics` (0: a free port) from a background
/// thread; the address bound. Loopback only: the keeper exposes nothing beyond the machine.
pub fn serve(metrics: Arc<Mutex<Metrics>>, port: u16) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
    let addr = listener.local_addr()?;
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            // One thread a connection: a slow client holds only its own.
            let metrics = Arc::clone(&metrics);
            std::thread::spawn(move || respond(stream, &metrics));
        }
    });
    Ok(addr)
}

/// Answers one request; reads at most [`MAX_REQUEST_LINE`] bytes of its first line.
fn respond(stream: TcpStream, metrics: &Mutex<Metrics>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut request = String::new();
    BufReader::new((&stream).take(MAX_REQUEST_LINE)).read_line(&mut request)?;
    let path = request.split_whitespace().nth(1).unwrap_or("");
    let (status, body) = if request.starts_with("GET ") && path == "/metrics" {
        let body = metrics.lock().map(|m| m.render()).unwrap_or_default();
        ("200 OK", body)
    } else {
        ("404 Not Found", "not found: try GET /metrics\n".to_string())
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_add_up_over_ticks_and_render_as_prometheus_text() {
        let mut m = Metrics::default();
        let tick = TickReport {
            tracked: 7,
            liquidatable: 2,
            steps_landed: 3,
            steps_failed: 1,
            compute_units: 300_000,
            insurance_paid: 5,
            ..TickReport::default()
        };
        m.record(&tick, Duration::from_millis(250));
        let later = TickReport { tracked: 7, wallet_lamports: 9, ..TickReport::default() };
        m.record(&later, Duration::from_millis(10));
        let text = m.render();
        for line in [
            "xmargin_keeper_accounts_tracked 7",
            "xmargin_keeper_accounts_liquidatable 0",
            "xmargin_keeper_liquidations_sent_total 4",
            "xmargin_keeper_liquidations_landed_total 3",
            "xmargin_keeper_liquidations_failed_total 1",
            "xmargin_keeper_liquidation_compute_units_per_step 100000",
            "xmargin_keeper_insurance_paid_total 5",
            "xmargin_keeper_ticks_total 2",
            "xmargin_keeper_wallet_lamports 9",
            "# TYPE xmargin_keeper_lag_seconds gauge",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
        }
    }

    #[test]
    fn the_endpoint_answers_on_loopback_only() {
        let metrics = Arc::new(Mutex::new(Metrics { accounts_tracked: 3, ..Metrics::default() }));
        let addr = serve(metrics, 0).unwrap();
        assert!(addr.ip().is_loopback());
        let get = |path: &str| {
            let mut s = TcpStream::connect(addr).unwrap();
            write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
            let mut out = String::new();
            std::io::Read::read_to_string(&mut s, &mut out).unwrap();
            out
        };
        let ok = get("/metrics");
        assert!(ok.starts_with("HTTP/1.1 200 OK"), "{ok}");
        assert!(ok.contains("\nxmargin_keeper_accounts_tracked 3\n"), "{ok}");
        assert!(get("/").starts_with("HTTP/1.1 404"));
    }
}
