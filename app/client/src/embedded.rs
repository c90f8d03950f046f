//! The embedded in-process chain: solana-program-test with the program running natively as a
//! builtin (no SBF toolchain, no validator). Compute units reported here are not the SBF ones.

// solana-program-test 3.1 marks its whole API deprecated ahead of moving it behind an
// `agave-unstable-api` feature in 4.0; 3.1 is the version pinned for native mode.
#![allow(deprecated)]

use std::collections::{BTreeSet, HashMap, HashSet};

use anchor_lang::prelude::{AccountInfo, Pubkey};
use anchor_lang::solana_program::entrypoint::ProgramResult;
use solana_account::{Account, AccountSharedData};
use solana_clock::Clock;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_program_test::{processor, ProgramTest, ProgramTestContext};
use solana_transaction::versioned::VersionedTransaction;

use crate::chain::{
    signing_keys, AccountData, AccountFilter, Chain, LocalChain, LookupTable, TransactionError,
    TxFailure, TxReport,
};

/// Native entrypoint: the runtime hands out accounts with a shorter lifetime than Anchor's `entry`
/// asks for; they live for the whole call, so widening is sound.
fn process_instruction(
    program_id: &Pubkey,
    accounts: &[AccountInfo],
    data: &[u8],
) -> ProgramResult {
    // SAFETY: `accounts` outlives this call, which is all `entry` relies on.
    let accounts: &[AccountInfo] = unsafe { core::mem::transmute(accounts) };
    // Natively the program writes its log lines inside a transaction only (`cross_margin::log`).
    cross_margin::log::in_transaction(|| cross_margin::entry(program_id, accounts, data))
}

/// The example RFQ venue's native entrypoint (see [`process_instruction`]).
fn process_rfq_instruction(
    program_id: &Pubkey,
    accounts: &[AccountInfo],
    data: &[u8],
) -> ProgramResult {
    // SAFETY: as in `process_instruction`.
    let accounts: &[AccountInfo] = unsafe { core::mem::transmute(accounts) };
    rfq_venue::entry(program_id, accounts, data)
}

/// Runs `f`, capturing what it writes to file descriptor 1. Natively, the program's `msg!` lines
/// are plain `println!`s rather than transaction logs; this puts them back in the logs (as on SBF)
/// and keeps them out of the caller's output. Under libtest's own capture nothing reaches the
/// descriptor and the capture is empty.
fn capture_stdout<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    use std::io::{Read, Seek, Write};
    use std::os::fd::AsRawFd;

    let path = std::env::temp_dir().join(format!("xmargin-msg-{}", std::process::id()));
    let Ok(mut file) =
        std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path)
    else {
        return (f(), vec![]);
    };
    let _ = std::fs::remove_file(&path);
    let _ = std::io::stdout().flush();
    // SAFETY: plain descriptor juggling on valid descriptors; fd 1 is restored before returning.
    let saved = unsafe { libc::dup(1) };
    if saved < 0 || unsafe { libc::dup2(file.as_raw_fd(), 1) } < 0 {
        return (f(), vec![]);
    }
    let out = f();
    let _ = std::io::stdout().flush();
    unsafe {
        libc::dup2(saved, 1);
        libc::close(saved);
    }
    let mut text = String::new();
    let _ = file.rewind().and_then(|_| file.read_to_string(&mut text));
    (out, text.lines().map(str::to_string).collect())
}

/// solana-program-test with the cross-margin program and the example RFQ venue (both native) and
/// the SPL token program.
pub struct EmbeddedChain {
    runtime: tokio::runtime::Runtime,
    context: ProgramTestContext,
    /// Signatures already sent: a repeat gets a fresh blockhash instead of being dropped.
    sent: HashSet<solana_signature::Signature>,
    /// Every key a transaction named or `set_account` wrote: the bank behind solana-program-test
    /// cannot be scanned, so [`Chain::program_accounts`] reads these (every account the program
    /// creates or writes is named by the transaction that does it).
    known: BTreeSet<Pubkey>,
    /// Accounts read and not written since (a transaction's writable accounts, a written
    /// account, the clock): a read through the banks client is a round trip through its RPC
    /// layer, and checks read the same accounts many times between two transactions.
    reads: HashMap<Pubkey, Option<AccountData>>,
}

impl EmbeddedChain {
    /// Starts a chain with the clock at `unix_timestamp`.
    pub fn start(unix_timestamp: i64) -> EmbeddedChain {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let mut program_test = ProgramTest::default();
        // ProgramTest installs a logger at debug level unless RUST_LOG says otherwise: keep the
        // runtime quiet by default, the transaction logs carry what matters.
        if std::env::var_os("RUST_LOG").is_none() {
            log::set_max_level(log::LevelFilter::Warn);
        }
        program_test.prefer_bpf(false);
        // With `prefer_bpf(false)` and a processor, `add_program` registers the native builtin even
        // when a `cross_margin.so` is lying around.
        program_test.add_program("cross_margin", cross_margin::ID, processor!(process_instruction));
        program_test.add_program("rfq_venue", rfq_venue::ID, processor!(process_rfq_instruction));
        let context = runtime.block_on(program_test.start_with_context());
        let mut chain = EmbeddedChain {
            runtime,
            context,
            sent: HashSet::new(),
            known: BTreeSet::new(),
            reads: HashMap::new(),
        };
        chain.set_time(unix_timestamp);
        chain
    }

    fn clock(&mut self) -> Clock {
        self.runtime
            .block_on(self.context.banks_client.get_sysvar::<Clock>())
            .expect("clock sysvar")
    }

    /// The transaction signed with the latest blockhash (`sign_transaction!`).
    fn sign(
        &self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
        tables: &[LookupTable],
    ) -> Result<VersionedTransaction, TxFailure> {
        let blockhash = self.context.last_blockhash;
        crate::sign_transaction!(
            solana_message,
            solana_transaction,
            instructions,
            payer,
            signers,
            tables,
            blockhash
        )
    }

    /// The transaction signed with the latest blockhash, in the next slot if an identical one was
    /// already sent (it would be refused as processed). The bank registers new blockhashes in the
    /// background and forgets old ones: always the latest (long runs would outlive theirs).
    fn sign_unsent(
        &mut self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
        tables: &[LookupTable],
    ) -> Result<VersionedTransaction, TxFailure> {
        let latest = self.runtime.block_on(self.context.banks_client.get_latest_blockhash());
        self.context.last_blockhash = latest.expect("banks client transport");
        let all = signing_keys(payer, signers);
        let tx = self.sign(instructions, payer, &all, tables)?;
        if !self.sent.contains(&tx.signatures[0]) {
            return Ok(tx);
        }
        self.next_slot();
        self.sign(instructions, payer, &all, tables)
    }

    /// Moves to the next slot (new blockhash), keeping the clock's timestamp.
    fn next_slot(&mut self) {
        let clock = self.clock();
        self.context.warp_to_slot(clock.slot + 1).expect("warp forward");
        self.set_time(clock.unix_timestamp);
    }
}

/// A processed or simulated transaction's report: the runtime's logs with the program's own lines
/// (`printed`, natively on stdout) after them; no result (a transaction that did not sanitize) is
/// a failure.
fn report(
    result: Option<Result<(), TransactionError>>,
    (mut logs, compute_units, return_data): (Vec<String>, u64, Option<Vec<u8>>),
    printed: Vec<String>,
) -> Result<TxReport, TxFailure> {
    logs.extend(printed.into_iter().map(|line| format!("Program log: {line}")));
    match result.unwrap_or(Err(TransactionError::SanitizeFailure)) {
        Ok(()) => {
            Ok(TxReport { compute_units, logs, return_data: return_data.unwrap_or_default() })
        }
        Err(error) => Err(TxFailure { error, logs }),
    }
}

impl Chain for EmbeddedChain {
    fn backend(&self) -> &'static str {
        "native"
    }

    fn send_with(
        &mut self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
        tables: &[LookupTable],
    ) -> Result<TxReport, TxFailure> {
        let tx = self.sign_unsent(instructions, payer, signers, tables)?;
        self.sent.insert(tx.signatures[0]);
        // Only the accounts a transaction may write can change: its writable accounts (the
        // programs it invokes can touch no other) and the fee payer.
        self.reads.remove(&solana_signer::Signer::pubkey(payer));
        for meta in instructions.iter().flat_map(|ix| &ix.accounts).filter(|m| m.is_writable) {
            self.reads.remove(&meta.pubkey);
        }
        for ix in instructions {
            self.known.extend(ix.accounts.iter().map(|a| a.pubkey));
        }
        let (outcome, printed) = capture_stdout(|| {
            self.runtime.block_on(self.context.banks_client.process_transaction_with_metadata(tx))
        });
        let outcome = outcome.expect("banks client transport");
        let meta = outcome
            .metadata
            .map(|m| (m.log_messages, m.compute_units_consumed, m.return_data.map(|r| r.data)));
        report(Some(outcome.result), meta.unwrap_or_default(), printed)
    }

    fn account(&mut self, key: &Pubkey) -> Option<AccountData> {
        if let Some(read) = self.reads.get(key) {
            return read.clone();
        }
        let account = self
            .runtime
            .block_on(self.context.banks_client.get_account(*key))
            .expect("banks client transport");
        let read = account.map(|account| AccountData {
            lamports: account.lamports,
            data: account.data,
            owner: account.owner,
            executable: account.executable,
        });
        self.reads.insert(*key, read.clone());
        read
    }

    fn simulate(
        &mut self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
        tables: &[LookupTable],
    ) -> Result<TxReport, TxFailure> {
        let tx = self.sign_unsent(instructions, payer, signers, tables)?;
        let (outcome, printed) = capture_stdout(|| {
            self.runtime.block_on(self.context.banks_client.simulate_transaction(tx))
        });
        let outcome = outcome.expect("banks client transport");
        let details = outcome
            .simulation_details
            .map(|d| (d.logs, d.units_consumed, d.return_data.map(|r| r.data)));
        report(outcome.result, details.unwrap_or_default(), printed)
    }

    fn program_accounts(
        &mut self,
        owner: &Pubkey,
        filters: &[AccountFilter],
    ) -> Vec<(Pubkey, AccountData)> {
        let keys: Vec<Pubkey> = self.known.iter().copied().collect();
        keys.into_iter()
            .filter_map(|key| self.account(&key).map(|a| (key, a)))
            .filter(|(_, a)| {
                a.lamports > 0 && a.owner == *owner && filters.iter().all(|f| f.matches(&a.data))
            })
            .collect()
    }

    fn now(&mut self) -> i64 {
        self.clock().unix_timestamp
    }
}

impl LocalChain for EmbeddedChain {
    fn set_account(&mut self, key: &Pubkey, account: AccountData) {
        self.known.insert(*key);
        self.reads.clear();
        let account = Account {
            lamports: account.lamports,
            data: account.data,
            owner: account.owner,
            executable: account.executable,
            rent_epoch: u64::MAX,
        };
        self.context.set_account(key, &AccountSharedData::from(account));
    }

    fn set_time(&mut self, unix_timestamp: i64) {
        self.reads.clear();
        let mut clock = self.clock();
        clock.unix_timestamp = unix_timestamp;
        self.context.set_sysvar(&clock);
    }
}
