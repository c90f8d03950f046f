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

/// A condition on an account's data, as RPC `getProgramAccounts` takes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountFilter {
    /// The data is exactly this many bytes.
    DataSize(usize),
    /// The data holds `bytes` at `offset`.
    Memcmp { offset: usize, bytes: Vec<u8> },
}

impl AccountFilter {
    /// Whether `data` passes the filter.
    pub fn matches(&self, data: &[u8]) -> bool {
        match self {
            AccountFilter::DataSize(len) => data.len() == *len,
            AccountFilter::Memcmp { offset, bytes } => {
                data.get(*offset..offset.saturating_add(bytes.len())) == Some(bytes.as_slice())
            }
        }
    }
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

/// The most a serialized transaction may be: one packet, as validators receive them.
pub const PACKET_DATA_SIZE: usize = 1_232;
/// The most accounts one transaction may lock.
pub const MAX_TX_ACCOUNT_LOCKS: usize = 64;

/// An address lookup table: its address and the addresses it holds (a v0 message names an
/// account in it with one byte instead of 32).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupTable {
    pub key: Pubkey,
    pub addresses: Vec<Pubkey>,
}

/// Refuses what a validator would drop before running it: a transaction of `signatures`
/// signatures and a `message_bytes`-byte message above [`PACKET_DATA_SIZE`], or one locking
/// more than [`MAX_TX_ACCOUNT_LOCKS`] accounts. In-process chains do not check either, so every
/// backend calls this before sending.
pub fn check_limits(
    signatures: usize,
    message_bytes: usize,
    accounts: usize,
) -> Result<(), TxFailure> {
    // The signature count is a compact-u16: one byte below 128.
    let size = 1 + 64 * signatures + message_bytes;
    let (error, what) = if size > PACKET_DATA_SIZE {
        (
            TransactionError::SanitizeFailure,
            format!("transaction of {size} bytes, above the {PACKET_DATA_SIZE}-byte packet"),
        )
    } else if accounts > MAX_TX_ACCOUNT_LOCKS {
        (
            TransactionError::TooManyAccountLocks,
            format!("transaction locks {accounts} accounts, above {MAX_TX_ACCOUNT_LOCKS}"),
        )
    } else {
        return Ok(());
    };
    Err(TxFailure { error, logs: vec![what] })
}

/// The size of `instructions` paid by `payer` as a legacy message, bytes.
pub fn legacy_message_size(instructions: &[Instruction], payer: &Pubkey) -> usize {
    solana_message::Message::new(instructions, Some(payer)).serialize().len()
}

/// The accounts of `instructions` a lookup table can hold: every one but the signers and the
/// programs invoked (which a v0 message must name itself), once each, in order.
pub fn lookup_candidates(instructions: &[Instruction]) -> Vec<Pubkey> {
    let programs: Vec<Pubkey> = instructions.iter().map(|ix| ix.program_id).collect();
    let signers: Vec<Pubkey> = instructions
        .iter()
        .flat_map(|ix| ix.accounts.iter().filter(|m| m.is_signer).map(|m| m.pubkey))
        .collect();
    let mut out: Vec<Pubkey> = Vec::new();
    for meta in instructions.iter().flat_map(|ix| ix.accounts.iter()) {
        let key = meta.pubkey;
        if !programs.contains(&key) && !signers.contains(&key) && !out.contains(&key) {
            out.push(key);
        }
    }
    out
}

/// Builds and signs a transaction of `instructions` paid by `payer`, signed by `signers` (a
/// `&[&Keypair]`, payer first), with `blockhash`: legacy when `tables` (a `&[LookupTable]`) is
/// empty, else v0 through them; refused with a [`TxFailure`] unless it passes [`check_limits`].
/// A macro because the two in-process backends speak two major versions of the message and
/// transaction crates (`$message`, `$transaction`), whose types differ but whose API is the same.
#[macro_export]
macro_rules! sign_transaction {
    ($message:ident, $transaction:ident, $instructions:expr, $payer:expr, $signers:expr,
     $tables:expr, $blockhash:expr) => {{
        use $crate::chain::{check_limits, TransactionError, TxFailure};
        use $crate::Signer as _;
        let (instructions, payer, signers, tables, blockhash) =
            ($instructions, $payer, $signers, $tables, $blockhash);
        let message = if tables.is_empty() {
            Ok($message::VersionedMessage::Legacy($message::Message::new_with_blockhash(
                instructions,
                Some(&payer.pubkey()),
                &blockhash,
            )))
        } else {
            let tables: Vec<$message::AddressLookupTableAccount> = tables
                .iter()
                .map(|t| $message::AddressLookupTableAccount {
                    key: t.key,
                    addresses: t.addresses.clone(),
                })
                .collect();
            $message::v0::Message::try_compile(&payer.pubkey(), instructions, &tables, blockhash)
                .map($message::VersionedMessage::V0)
                .map_err(|e| TxFailure {
                    error: TransactionError::SanitizeFailure,
                    logs: vec![format!("v0 message: {e}")],
                })
        };
        message.and_then(|message| {
            let looked_up: usize = message.address_table_lookups().map_or(0, |lookups| {
                lookups.iter().map(|l| l.writable_indexes.len() + l.readonly_indexes.len()).sum()
            });
            let accounts = message.static_account_keys().len() + looked_up;
            check_limits(signers.len(), message.serialize().len(), accounts)?;
            $transaction::versioned::VersionedTransaction::try_new(message, signers).map_err(|e| {
                TxFailure {
                    error: TransactionError::SignatureFailure,
                    logs: vec![format!("signing: {e}")],
                }
            })
        })
    }};
}

/// A chain the client can transact with.
pub trait Chain {
    /// Short backend name for reports (`native`, `sbf`, `rpc`).
    fn backend(&self) -> &'static str;
    /// Sends one transaction of `instructions`, paid by `payer` and signed by `payer` and
    /// `signers`, and waits for its outcome: a legacy transaction without `tables`, else a v0
    /// one resolving accounts through them. Refused unless it fits [`check_limits`].
    fn send_with(
        &mut self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
        tables: &[LookupTable],
    ) -> Result<TxReport, TxFailure>;
    /// Runs the transaction [`Chain::send_with`] would send without committing it: its outcome,
    /// logs and compute units as if sent (a keeper checks a step before paying for it).
    fn simulate(
        &mut self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
        tables: &[LookupTable],
    ) -> Result<TxReport, TxFailure>;
    /// [`Chain::send_with`] as a legacy transaction.
    fn send(
        &mut self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> Result<TxReport, TxFailure> {
        self.send_with(instructions, payer, signers, &[])
    }
    /// The account at `key`, if it exists.
    fn account(&mut self, key: &Pubkey) -> Option<AccountData>;
    /// Every account owned by `owner` whose data passes all of `filters`, in key order (RPC
    /// `getProgramAccounts`): how a keeper discovers the accounts of a group.
    fn program_accounts(
        &mut self,
        owner: &Pubkey,
        filters: &[AccountFilter],
    ) -> Vec<(Pubkey, AccountData)>;
    /// The chain's clock, unix seconds.
    fn now(&mut self) -> i64;
    /// The first read since the last call that the chain did not answer (a lost RPC request:
    /// the read returned nothing), if any. In-process chains always answer.
    fn transport_error(&mut self) -> Option<String> {
        None
    }
}

/// A chain whose state the caller controls (in-process chains): accounts can be written directly
/// and the clock set.
pub trait LocalChain: Chain {
    fn set_account(&mut self, key: &Pubkey, account: AccountData);
    /// Sets the clock's unix timestamp (and only that).
    fn set_time(&mut self, unix_timestamp: i64);
    /// Writes an address lookup table holding `addresses` (active at once) and returns it. Its
    /// address is derived from its contents, so the same table is written once.
    fn create_lookup_table(&mut self, addresses: Vec<Pubkey>) -> LookupTable {
        let key = crate::fixtures::lookup_table_address(&addresses);
        if self.account(&key).is_none() {
            self.set_account(&key, crate::fixtures::lookup_table(&addresses));
        }
        LookupTable { key, addresses }
    }

    /// Sends `instructions` as [`Chain::send`] does when they fit a legacy transaction, else as a
    /// v0 transaction through a lookup table of their accounts (written for the purpose).
    fn send_fitted(
        &mut self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> Result<TxReport, TxFailure> {
        use solana_signer::Signer;
        let n = signing_keys(payer, signers).len();
        let legacy = 1 + 64 * n + legacy_message_size(instructions, &payer.pubkey());
        if legacy <= PACKET_DATA_SIZE {
            return self.send(instructions, payer, signers);
        }
        let table = self.create_lookup_table(lookup_candidates(instructions));
        self.send_with(instructions, payer, signers, &[table])
    }

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

#[cfg(test)]
mod tests {
    use super::AccountFilter;

    #[test]
    fn filters_match_size_and_bytes_and_never_read_past_the_data() {
        let data = [1u8, 2, 3, 4];
        assert!(AccountFilter::DataSize(4).matches(&data));
        assert!(!AccountFilter::DataSize(3).matches(&data));
        let memcmp = |offset, bytes: &[u8]| AccountFilter::Memcmp { offset, bytes: bytes.to_vec() };
        assert!(memcmp(1, &[2, 3]).matches(&data));
        assert!(!memcmp(1, &[2, 4]).matches(&data));
        assert!(!memcmp(3, &[4, 5]).matches(&data)); // runs past the end
        assert!(!memcmp(usize::MAX, &[1]).matches(&data));
        assert!(memcmp(4, &[]).matches(&data));
    }
}
