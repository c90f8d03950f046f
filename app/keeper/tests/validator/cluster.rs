//! A `solana-test-validator` (agave 4.2.2, `scripts/validator-install`) running the real SBF
//! programs from `target/deploy`, started from a recorded genesis and stopped (its ledger
//! removed) when dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use xmargin_client::chain::Chain;
use xmargin_client::genesis::Genesis;
use xmargin_client::rpc::RpcChain;
use xmargin_client::Pubkey;

/// The RPC port inside the private namespace (nothing else listens there).
pub const RPC_PORT: u16 = 8899;
/// The slot from which the validator counts as up: the genesis programs are deployed by then.
const FIRST_SLOT: u64 = 2;
/// The Clock sysvar.
const CLOCK: Pubkey = Pubkey::from_str_const("SysvarC1ock11111111111111111111111111111111");
/// How long the validator may take to answer with a clock.
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// The validator binary: `$XMARGIN_VALIDATOR`, else where `scripts/validator-install` puts it.
pub fn validator_binary() -> Result<PathBuf, String> {
    let path = match std::env::var_os("XMARGIN_VALIDATOR") {
        Some(path) => PathBuf::from(path),
        None => {
            let home =
                std::env::var_os("XMARGIN_VALIDATOR_HOME").map(PathBuf::from).or_else(|| {
                    std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/xmargin-validator"))
                });
            home.ok_or("neither XMARGIN_VALIDATOR nor HOME is set")?
                .join("bin/solana-test-validator")
        }
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!("no validator at {}: run scripts/validator-install", path.display()))
    }
}

/// A program built by `scripts/sbf-build`: `target/deploy/<name>.so`.
pub fn deployed(name: &str) -> Result<PathBuf, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/deploy")
        .join(format!("{name}.so"));
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!("no {}: run scripts/sbf-build", path.display()))
    }
}

/// A running validator.
pub struct Validator {
    child: Child,
    dir: PathBuf,
    pub url: String,
}

impl Validator {
    /// Starts a validator in `dir` (its ledger and log, removed on drop) holding `genesis` and
    /// running each `(program id, .so)` of `programs`, and waits until they can be invoked.
    pub fn start(
        dir: PathBuf,
        genesis: &Genesis,
        programs: &[(Pubkey, PathBuf)],
    ) -> Result<Validator, String> {
        let bin = validator_binary()?;
        let accounts = dir.join("accounts");
        let written = genesis.write_account_dir(&accounts).map_err(|e| e.to_string())?;
        let log = std::fs::File::create(dir.join("validator.out")).map_err(|e| e.to_string())?;
        let mut command = Command::new(&bin);
        command
            .arg("--ledger")
            .arg(dir.join("ledger"))
            .args(["--reset", "--quiet", "--bind-address", "127.0.0.1"])
            .args(["--rpc-port", &RPC_PORT.to_string(), "--faucet-port", "9900"])
            .arg("--account-dir")
            .arg(&accounts);
        for (id, so) in programs {
            command.arg("--bpf-program").arg(id.to_string()).arg(so);
        }
        let child = command
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting {}: {e}", bin.display()))?;
        let url = format!("http://127.0.0.1:{RPC_PORT}");
        let mut validator = Validator { child, dir, url };
        let started = Instant::now();
        loop {
            if let Some(status) = validator.child.try_wait().map_err(|e| e.to_string())? {
                return Err(format!(
                    "the validator exited ({status}): {}",
                    validator.output_tail()
                ));
            }
            if let Ok(mut chain) = RpcChain::connect(&validator.url) {
                // Programs loaded at genesis run from the slot after the one they appear in.
                if slot(&mut chain) >= FIRST_SLOT {
                    let secs = started.elapsed().as_secs_f64();
                    println!("validator up in {secs:.1} s with {written} genesis accounts");
                    return Ok(validator);
                }
            }
            if started.elapsed() > START_TIMEOUT {
                return Err(format!("the validator did not answer: {}", validator.output_tail()));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// The end of what the validator printed (for failures).
    pub fn output_tail(&self) -> String {
        let text = std::fs::read_to_string(self.dir.join("validator.out")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Validator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The chain's current slot (the Clock sysvar's first field), 0 if unreadable.
pub fn slot(chain: &mut RpcChain) -> u64 {
    let clock = chain.account(&CLOCK).map(|a| a.data);
    let first = clock.and_then(|d| d.get(..8).and_then(|b| b.try_into().ok()));
    first.map_or(0, u64::from_le_bytes)
}
