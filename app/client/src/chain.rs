//! What the client needs from a chain, implemented by the embedded in-process chain, by the SBF
//! test backend (litesvm) and, for the keeper and CLI, by an RPC endpoint.

use anchor_lang::prelude::Pubkey;
use solana_instruction::error::InstructionError;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
pub use solana_transaction_error::TransactionError;

/// An account as stored on chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountData {
    pub lamports: u64,
    pub data: Vec<u8>,
    pub owner: Pubkey,
    pub executable: bool,
}

/// A processed transaction.
#[derive(Debug, Clone, Default)]
pub struct TxReport {
    /// Compute units consumed (meaningful on SBF backends only).
    pub compute_units: u64,
    pub logs: Vec<String>,
    /// Data the program returned (`sol_set_return_data`), empty if none.
    pub return_data: Vec<u8>,
}

impl TxReport {
    /// The return data decoded as `T`. The runtime drops trailing zero bytes of return data, so
    /// they are put back before decoding.
    pub fn decode_return<T: anchor_lang::AnchorDeserialize>(&self) -> std::io::Result<T> {
        let mut padded = self.return_data.clone();
        padded.resize(anchor_lang::solana_program::program::MAX_RETURN_DATA, 0);
        T::deserialize(&mut padded.as_slice())
    }
}

/// A failed transaction: the runtime's error and the logs up to the failure.
#[derive(Debug, Clone)]
pub struct TxFailure {
    pub error: TransactionError,
    pub logs: Vec<String>,
}

impl TxFailure {
    /// The custom program error code, if an instruction failed with one.
    pub fn custom_code(&self) -> Option<u32> {
        match &self.error {
            TransactionError::InstructionError(_, InstructionError::Custom(code)) => Some(*code),
            _ => None,
        }
    }
}

impl TxFailure {
    /// The program error `(name, message)` Anchor logged, if any.
    pub fn program_error(&self) -> Option<(String, String)> {
        self.logs.iter().find_map(|line| {
            let name = line.split("Error Code: ").nth(1)?.split('.').next()?;
            let message = line.split("Error Message: ").nth(1)?.trim_end_matches('.');
            Some((name.to_string(), message.to_string()))
        })
    }
}

impl core::fmt::Display for TxFailure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        writeln!(f, "transaction failed: {}", self.error)?;
        for line in &self.logs {
            writeln!(f, "  {line}")?;
        }
        Ok(())
    }
}

impl std::error::Error for TxFailure {}

/// The keys that sign a transaction: the payer first, then the other signers without repeats.
pub fn signing_keys<'a>(payer: &'a Keypair, signers: &[&'a Keypair]) -> Vec<&'a Keypair> {
    use solana_signer::Signer;
    let mut keys = vec![payer];
    for signer in signers {
        if keys.iter().all(|k| k.pubkey() != signer.pubkey()) {
            keys.push(signer);
        }
    }
    keys
}

/// A chain the client can transact with.
pub trait Chain {
    /// Short backend name for reports (`native`, `sbf`, `rpc`).
    fn backend(&self) -> &'static str;
    /// Sends one transaction of `instructions`, paid by `payer` and signed by `payer` and
    /// `signers`, and waits for its outcome.
    fn send(
        &mut self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> Result<TxReport, TxFailure>;
    /// The account at `key`, if it exists.
    fn account(&mut self, key: &Pubkey) -> Option<AccountData>;
    /// The chain's clock, unix seconds.
    fn now(&mut self) -> i64;
}

/// A chain whose state the caller controls (in-process chains): accounts can be written directly
/// and the clock set.
pub trait LocalChain: Chain {
    fn set_account(&mut self, key: &Pubkey, account: AccountData);
    /// Sets the clock's unix timestamp (and only that).
    fn set_time(&mut self, unix_timestamp: i64);
    /// Credits lamports to `key` (creating a system account if needed).
    fn airdrop(&mut self, key: &Pubkey, lamports: u64) {
        let mut account = self.account(key).unwrap_or(AccountData {
            lamports: 0,
            data: vec![],
            owner: anchor_lang::system_program::ID,
            executable: false,
        });
        account.lamports += lamports;
        self.set_account(key, account);
    }
}
