//! `xmargin-keeper`: keeps a group solvent. Every `--interval-secs` it runs one
//! [`Keeper::tick`] (cranks, discovery, liquidations most underwater first, settlement of what
//! they leave) against `--url`, or, without it, against a demo market on the embedded
//! in-process chain (`demo`). Logs go to stderr (text or JSON), metrics to a loopback port;
//! SIGINT or SIGTERM stops it after the tick in progress.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use cross_margin::state::{Group, MarginAccount};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;
use xmargin_client::chain::Chain;
use xmargin_client::health::fetch;
use xmargin_client::rpc::RpcChain;
use xmargin_client::{pda, Pubkey, Signer};
use xmargin_keeper::demo::{DemoMarket, Feed};
use xmargin_keeper::metrics::{self, Metrics};
use xmargin_keeper::Keeper;

/// Below this (0.05 SOL, about 10,000 plain transactions' fees) each tick warns.
const LOW_WALLET_LAMPORTS: u64 = 50_000_000;

#[derive(Parser)]
#[command(name = "xmargin-keeper", version, about = "Keeper of the cross-margin clearing layer")]
struct Args {
    /// JSON-RPC endpoint (for example http://127.0.0.1:8899). Without it the keeper runs a demo
    /// market on the embedded in-process chain.
    #[arg(long)]
    url: Option<String>,
    /// Keypair file (Solana CLI JSON, 64 bytes) that signs and pays; the owner or delegate of the
    /// keeper's margin account. Required with --url.
    #[arg(long)]
    keypair: Option<PathBuf>,
    /// The group to keep. Required with --url.
    #[arg(long)]
    group: Option<Pubkey>,
    /// The keeper's margin account (default: account 0 of the keypair in the group). It takes
    /// over what it liquidates, so it needs collateral.
    #[arg(long)]
    account: Option<Pubkey>,
    /// Seconds between ticks.
    #[arg(long, default_value_t = 2)]
    interval_secs: u64,
    /// Least seconds between two funding updates of a perpetual.
    #[arg(long, default_value_t = 3_600)]
    funding_interval_secs: i64,
    /// Compute-unit limit of each transaction.
    #[arg(long, default_value_t = 1_400_000)]
    compute_unit_limit: u32,
    /// Priority fee, micro-lamports per compute unit (0: none).
    #[arg(long, default_value_t = 0)]
    priority_fee: u64,
    /// Simulate every transaction, send none.
    #[arg(long)]
    dry_run: bool,
    /// Least incentive worth a liquidation step, native quote units.
    #[arg(long, default_value_t = 0)]
    min_profit: i64,
    /// Log format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Least log level: error, warn, info, debug or trace.
    #[arg(long, default_value = "info")]
    log_level: tracing::Level,
    /// Serve Prometheus metrics at http://127.0.0.1:PORT/metrics (0: any free port, logged).
    #[arg(long)]
    metrics_port: Option<u16>,
    /// Stop after this many ticks (0: run until SIGINT or SIGTERM).
    #[arg(long, default_value_t = 0)]
    ticks: u64,
    /// Demo market only: accounts in the crowd.
    #[arg(long, default_value_t = 200)]
    demo_accounts: usize,
    /// Demo market only: the tick before which the crash is posted (0: never).
    #[arg(long, default_value_t = 2)]
    demo_crash_at: u64,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// Where the keeper runs.
enum Target {
    Demo(Box<DemoMarket>),
    Rpc(RpcChain),
}

impl Target {
    fn chain(&mut self) -> &mut dyn Chain {
        match self {
            Target::Demo(demo) => &mut demo.chain,
            Target::Rpc(rpc) => rpc,
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    // The keeper's own events at the level asked for; the libraries' (the embedded chain's
    // RPC spans among them) only when they are errors.
    let filter = Targets::new()
        .with_target("xmargin_keeper", args.log_level)
        .with_default(LevelFilter::ERROR);
    let layer = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_target(false);
    match args.log_format {
        LogFormat::Text => tracing_subscriber::registry().with(layer).with(filter).init(),
        LogFormat::Json => tracing_subscriber::registry().with(layer.json()).with(filter).init(),
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let (mut target, keeper) = setup(args)?;
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    let metrics =
        Arc::new(Mutex::new(Metrics { started_at: Some(Instant::now()), ..Metrics::default() }));
    if let Some(port) = args.metrics_port {
        let addr = metrics::serve(Arc::clone(&metrics), port)
            .map_err(|e| format!("metrics on 127.0.0.1:{port}: {e}"))?;
        tracing::info!(%addr, "metrics at http://{addr}/metrics");
    }
    let mut ticks = 0u64;
    while !stop.load(Ordering::Relaxed) {
        if let Target::Demo(demo) = &mut target {
            if demo.advance()? == Feed::Crash {
                tracing::warn!("demo feed: SOL gaps -40% with its vols doubled, BTC -25%");
            }
        }
        let started = Instant::now();
        match keeper.tick(target.chain()) {
            Ok(r) => {
                let elapsed = started.elapsed();
                // Recorded before the line is logged: whoever reads the log sees it counted.
                metrics.lock().map_err(|_| "metrics lock poisoned")?.record(&r, elapsed);
                tracing::info!(
                    tick = ticks + 1,
                    tracked = r.tracked,
                    liquidatable = r.liquidatable,
                    liquidations = r.steps_landed,
                    refused = r.steps_failed,
                    unprofitable = r.steps_unprofitable,
                    stuck = r.stuck,
                    compute_units = r.compute_units,
                    cranks = r.cranks_landed,
                    settlements = r.settlements_landed,
                    bankrupt = r.bankrupt.len(),
                    insurance_paid = r.insurance_paid,
                    socialized = r.socialized,
                    wallet_lamports = r.wallet_lamports,
                    ms = elapsed.as_millis() as u64,
                    "tick"
                );
                if r.wallet_lamports < LOW_WALLET_LAMPORTS {
                    tracing::warn!(
                        wallet_lamports = r.wallet_lamports,
                        "the keeper's wallet is low on SOL: transactions will soon fail for fees"
                    );
                }
            }
            Err(e) => {
                metrics.lock().map_err(|_| "metrics lock poisoned")?.tick_errors += 1;
                tracing::error!(tick = ticks + 1, "tick failed: {e}");
            }
        }
        ticks += 1;
        if args.ticks > 0 && ticks >= args.ticks {
            break;
        }
        sleep_unless(&stop, Duration::from_secs(args.interval_secs));
    }
    let m = metrics.lock().map_err(|_| "metrics lock poisoned")?.clone();
    tracing::info!(
        ticks,
        liquidations = m.liquidations_landed,
        bankruptcies = m.bankruptcies,
        insurance_paid = m.insurance_paid,
        socialized = m.socialized,
        "stopped"
    );
    Ok(())
}

/// The chain and the keeper the flags describe.
fn setup(args: &Args) -> Result<(Target, Keeper), Box<dyn std::error::Error>> {
    let keeper = |group, wallet, account| Keeper {
        group,
        wallet,
        account,
        min_incentive: args.min_profit,
        compute_unit_limit: args.compute_unit_limit,
        priority_micro_lamports: args.priority_fee,
        funding_interval_secs: args.funding_interval_secs,
        dry_run: args.dry_run,
    };
    let Some(url) = &args.url else {
        tracing::info!(accounts = args.demo_accounts, "standing up the demo market");
        let interval = i64::try_from(args.interval_secs.max(1))?;
        let demo = DemoMarket::start(args.demo_accounts, args.demo_crash_at, interval)?;
        let m = &demo.market;
        tracing::info!(group = %m.group, keeper = %m.keeper.account, crash_at = args.demo_crash_at, "demo market on the embedded chain");
        let k = keeper(m.group, m.keeper.wallet.insecure_clone(), m.keeper.account);
        return Ok((Target::Demo(Box::new(demo)), k));
    };
    let path = args.keypair.as_deref().ok_or("--keypair is required with --url")?;
    let wallet = xmargin_client::wallet::read_keypair(path)?;
    let group = args.group.ok_or("--group is required with --url")?;
    let mut rpc = RpcChain::connect(url)?;
    fetch::<Group>(&mut rpc, &group).map_err(|e| format!("group {group} at {url}: {e}"))?;
    let account = args.account.unwrap_or_else(|| pda::margin_account(&group, &wallet.pubkey(), 0));
    let state: MarginAccount = fetch(&mut rpc, &account)
        .map_err(|e| format!("the keeper's margin account {account} at {url}: {e}"))?;
    if state.group != group {
        return Err(format!("margin account {account} is not in group {group}").into());
    }
    if ![state.owner, state.delegate].contains(&wallet.pubkey()) {
        let w = wallet.pubkey();
        return Err(format!("{w} is neither the owner nor the delegate of {account}").into());
    }
    tracing::info!(%url, %group, %account, wallet = %wallet.pubkey(), dry_run = args.dry_run, "keeping");
    Ok((Target::Rpc(rpc), keeper(group, wallet, account)))
}

/// Sleeps `total`, waking early once `stop` is set.
fn sleep_unless(stop: &AtomicBool, total: Duration) {
    let deadline = Instant::now() + total;
    while !stop.load(Ordering::Relaxed) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        std::thread::sleep(left.min(Duration::from_millis(100)));
    }
}
