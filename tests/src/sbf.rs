//! The SBF backend: litesvm 0.16 running the real `target/deploy/cross_margin.so` (built by
//! `scripts/sbf-build`), with real compute-unit accounting.

use std::collections::HashSet;
use std::path::PathBuf;

use litesvm::LiteSVM;
use solana_clock::Clock;
use solana_signature::Signature;
use solana_transaction_v4::versioned::VersionedTransaction;
use xmargin_client::chain::{
    signing_keys, AccountData, AccountFilter, Chain, LocalChain, LookupTable, TxFailure, TxReport,
};
use xmargin_client::{Instruction, Keypair, Pubkey};

/// Where `scripts/sbf-build` puts the program `name`.
pub fn program_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../target/deploy/{name}.so"))
}

pub struct SbfChain {
    svm: LiteSVM,
    /// Signatures already sent: a repeat gets a fresh blockhash instead of being rejected.
    sent: HashSet<Signature>,
}

impl SbfChain {
    /// Loads the built programs (the cross-margin program and the example RFQ venue); panics with
    /// the fix if they have not been built.
    pub fn start(unix_timestamp: i64) -> SbfChain {
        let mut svm = LiteSVM::new();
        let rfq = xmargin_client::rfq::PROGRAM_ID;
        for (id, name) in [(cross_margin::ID, "cross_margin"), (rfq, "rfq_venue")] {
            let path = program_path(name);
            let program = std::fs::read(&path).unwrap_or_else(|e| {
                panic!("{}: {e}; build it with scripts/sbf-build", path.display())
            });
            svm.add_program(id, &program).unwrap_or_else(|e| panic!("load {name}.so: {e:?}"));
        }
        let mut chain = SbfChain { svm, sent: HashSet::new() };
        chain.set_time(unix_timestamp);
        chain
    }
}

/// The transaction signed with the latest blockhash (`sign_transaction!`).
fn sign(
    svm: &LiteSVM,
    instructions: &[Instruction],
    payer: &Keypair,
    signers: &[&Keypair],
    tables: &[LookupTable],
) -> Result<VersionedTransaction, TxFailure> {
    xmargin_client::sign_transaction!(
        solana_message_v4,
        solana_transaction_v4,
        instructions,
        payer,
        signers,
        tables,
        svm.latest_blockhash()
    )
}

impl SbfChain {
    /// The transaction signed with the latest blockhash, with a new one if an identical
    /// transaction was already sent (it would be refused as processed).
    fn sign_unsent(
        &mut self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
        tables: &[LookupTable],
    ) -> Result<VersionedTransaction, TxFailure> {
        let all = signing_keys(payer, signers);
        let tx = sign(&self.svm, instructions, payer, &all, tables)?;
        if !self.sent.contains(&tx.signatures[0]) {
            return Ok(tx);
        }
        self.svm.expire_blockhash();
        sign(&self.svm, instructions, payer, &all, tables)
    }
}

/// A processed or simulated transaction's report.
fn report(
    outcome: Result<litesvm::types::TransactionMetadata, litesvm::types::FailedTransactionMetadata>,
) -> Result<TxReport, TxFailure> {
    match outcome {
        Ok(meta) => Ok(TxReport {
            compute_units: meta.compute_units_consumed,
            logs: meta.logs,
            return_data: meta.return_data.data,
        }),
        Err(failed) => Err(TxFailure { error: failed.err, logs: failed.meta.logs }),
    }
}

impl Chain for SbfChain {
    fn backend(&self) -> &'static str {
        "sbf"
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
        report(self.svm.send_transaction(tx))
    }

    fn account(&mut self, key: &Pubkey) -> Option<AccountData> {
        let account = self.svm.get_account(key)?;
        // litesvm reports closed accounts as empty system accounts.
        if account.lamports == 0 {
            return None;
        }
        Some(AccountData {
            lamports: account.lamports,
            data: account.data,
            owner: account.owner,
            executable: account.executable,
        })
    }

    fn simulate(
        &mut self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
        tables: &[LookupTable],
    ) -> Result<TxReport, TxFailure> {
        let tx = self.sign_unsent(instructions, payer, signers, tables)?;
        report(self.svm.simulate_transaction(tx).map(|sim| sim.meta))
    }

    fn program_accounts(
        &mut self,
        owner: &Pubkey,
        filters: &[AccountFilter],
    ) -> Vec<(Pubkey, AccountData)> {
        let mut keys: Vec<Pubkey> = self
            .svm
            .accounts_db()
            .inner
            .iter()
            .filter(|(_, a)| {
                solana_account_v4::ReadableAccount::owner(*a).as_ref() == owner.as_ref()
            })
            .map(|(key, _)| Pubkey::new_from_array(key.to_bytes()))
            .collect();
        keys.sort();
        keys.into_iter()
            .filter_map(|key| self.account(&key).map(|a| (key, a)))
            .filter(|(_, a)| filters.iter().all(|f| f.matches(&a.data)))
            .collect()
    }

    fn now(&mut self) -> i64 {
        self.svm.get_sysvar::<Clock>().unix_timestamp
    }
}

impl LocalChain for SbfChain {
    fn set_account(&mut self, key: &Pubkey, account: AccountData) {
        let account = solana_account_v4::Account {
            lamports: account.lamports,
            data: account.data,
            owner: account.owner,
            executable: account.executable,
            rent_epoch: u64::MAX,
        };
        self.svm.set_account(*key, account).expect("set account");
    }

    fn set_time(&mut self, unix_timestamp: i64) {
        let mut clock = self.svm.get_sysvar::<Clock>();
        clock.unix_timestamp = unix_timestamp;
        self.svm.set_sysvar(&clock);
    }
}
