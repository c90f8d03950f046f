//! A [`Chain`] over JSON-RPC (any Solana RPC endpoint: a local `solana-test-validator`, a
//! provider): the keeper's and the CLI's backend for a real cluster.
//!
//! Built on the blocking `solana_rpc_client::RpcClient`, which runs its own async runtime: call it
//! from plain threads only, never from inside a tokio runtime.
//!
//! Reads in the [`Chain`] trait cannot fail (an in-process chain cannot lose its connection), so a
//! read the endpoint did not answer reads as absent and is recorded: [`Chain::transport_error`]
//! hands the first one out, and the keeper turns it into a failed tick rather than acting on a
//! partial view. A transaction the endpoint did not answer fails with
//! `TransactionError::ClusterMaintenance` and the transport error in its logs.

use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use solana_account::Account;
use solana_account_decoder_client_types::UiAccountEncoding;
use solana_commitment_config::CommitmentConfig;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_rpc_client::rpc_client::RpcClient;
use solana_rpc_client_api::client_error::Error as ClientError;
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcSimulateTransactionConfig,
    RpcTransactionConfig,
};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_rpc_client_api::request::{RpcError, RpcResponseErrorData};
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_status_client_types::option_serializer::OptionSerializer;
use solana_transaction_status_client_types::UiTransactionEncoding;

use crate::chain::{
    signing_keys, AccountData, AccountFilter, Chain, LookupTable, TransactionError, TxFailure,
    TxReport,
};

/// Signatures remembered to tell a repeated transaction (a blockhash lives about 150 slots; a
/// keeper sends far fewer distinct transactions within one).
pub const RECENT_SIGNATURES: usize = 256;

/// How long one RPC request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A chain reached over JSON-RPC at one commitment level.
pub struct RpcChain {
    client: RpcClient,
    url: String,
    /// The first read the endpoint did not answer since the last [`Chain::transport_error`].
    transport_error: Option<String>,
    /// The signatures sent lately (at most [`RECENT_SIGNATURES`]): an identical transaction
    /// waits for a new blockhash.
    recent: std::collections::VecDeque<solana_signature::Signature>,
}

/// The endpoint could not be reached, or did not answer as a Solana RPC node.
#[derive(Debug)]
pub struct ConnectError {
    pub url: String,
    pub reason: String,
}

impl core::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "cannot reach the RPC endpoint at {}: {}", self.url, self.reason)
    }
}

impl std::error::Error for ConnectError {}

impl RpcChain {
    /// Connects to `url` at `confirmed` commitment and checks that it answers (`getVersion`).
    pub fn connect(url: &str) -> Result<RpcChain, ConnectError> {
        let client = RpcClient::new_with_timeout_and_commitment(
            url.to_string(),
            REQUEST_TIMEOUT,
            CommitmentConfig::confirmed(),
        );
        client
            .get_version()
            .map_err(|e| ConnectError { url: url.to_string(), reason: e.to_string() })?;
        let recent = std::collections::VecDeque::new();
        Ok(RpcChain { client, url: url.to_string(), transport_error: None, recent })
    }

    /// The endpoint's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Records a read the endpoint did not answer (the first one is kept).
    fn lost(&mut self, what: &str, e: &ClientError) {
        if self.transport_error.is_none() {
            self.transport_error = Some(format!("{what}: {e}"));
        }
    }

    /// The transaction signed with the latest blockhash, a newer one if an identical
    /// transaction was sent lately.
    fn sign(
        &mut self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
        tables: &[LookupTable],
    ) -> Result<VersionedTransaction, TxFailure> {
        let keys = signing_keys(payer, signers);
        let mut blockhash = self.client.get_latest_blockhash().map_err(transport)?;
        loop {
            let tx = crate::sign_transaction!(
                solana_message,
                solana_transaction,
                instructions,
                payer,
                &keys,
                tables,
                blockhash
            )?;
            if !self.recent.contains(&tx.signatures[0]) {
                return Ok(tx);
            }
            blockhash = self.client.get_new_latest_blockhash(&blockhash).map_err(transport)?;
        }
    }
}

/// A transaction the endpoint did not answer (module doc).
fn transport(e: ClientError) -> TxFailure {
    TxFailure {
        error: TransactionError::ClusterMaintenance,
        logs: vec![format!("rpc transport: {e}")],
    }
}

/// A refused transaction: its error and, when the node ran it (preflight), its logs.
fn refused(e: ClientError) -> TxFailure {
    let Some(error) = e.get_transaction_error() else { return transport(e) };
    let logs = match e.kind() {
        solana_rpc_client_api::client_error::ErrorKind::RpcError(RpcError::RpcResponseError {
            data: RpcResponseErrorData::SendTransactionPreflightFailure(result),
            ..
        }) => result.logs.clone().unwrap_or_default(),
        _ => vec![],
    };
    TxFailure { error, logs }
}

fn account_data(a: Account) -> AccountData {
    AccountData { lamports: a.lamports, data: a.data, owner: a.owner, executable: a.executable }
}

impl Chain for RpcChain {
    fn backend(&self) -> &'static str {
        "rpc"
    }

    fn send_with(
        &mut self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
        tables: &[LookupTable],
    ) -> Result<TxReport, TxFailure> {
        let tx = self.sign(instructions, payer, signers, tables)?;
        if self.recent.len() == RECENT_SIGNATURES {
            self.recent.pop_front();
        }
        self.recent.push_back(tx.signatures[0]);
        let signature = self.client.send_and_confirm_transaction(&tx).map_err(refused)?;
        // What it used and logged; the transaction landed either way.
        let config = RpcTransactionConfig {
            encoding: Some(UiTransactionEncoding::Base64),
            commitment: Some(CommitmentConfig::confirmed()),
            max_supported_transaction_version: Some(0),
        };
        let meta = match self.client.get_transaction_with_config(&signature, config) {
            Ok(confirmed) => confirmed.transaction.meta,
            Err(e) => {
                self.lost("getTransaction", &e);
                None
            }
        };
        let Some(meta) = meta else { return Ok(TxReport::default()) };
        Ok(TxReport {
            compute_units: some_or_default(meta.compute_units_consumed),
            logs: some_or_default(meta.log_messages),
            return_data: match meta.return_data {
                OptionSerializer::Some(r) => decode_base64(&r.data.0),
                _ => vec![],
            },
        })
    }

    fn simulate(
        &mut self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
        tables: &[LookupTable],
    ) -> Result<TxReport, TxFailure> {
        let tx = self.sign(instructions, payer, signers, tables)?;
        let config = RpcSimulateTransactionConfig {
            sig_verify: true,
            commitment: Some(CommitmentConfig::confirmed()),
            ..RpcSimulateTransactionConfig::default()
        };
        let result = self.client.simulate_transaction_with_config(&tx, config);
        let result = result.map_err(transport)?.value;
        let logs = result.logs.unwrap_or_default();
        if let Some(error) = result.err {
            return Err(TxFailure { error: error.into(), logs });
        }
        Ok(TxReport {
            compute_units: result.units_consumed.unwrap_or_default(),
            logs,
            return_data: result.return_data.map_or(vec![], |r| decode_base64(&r.data.0)),
        })
    }

    fn account(&mut self, key: &Pubkey) -> Option<AccountData> {
        match self.client.get_account_with_commitment(key, CommitmentConfig::confirmed()) {
            Ok(response) => response.value.map(account_data),
            Err(e) => {
                self.lost("getAccountInfo", &e);
                None
            }
        }
    }

    fn program_accounts(
        &mut self,
        owner: &Pubkey,
        filters: &[AccountFilter],
    ) -> Vec<(Pubkey, AccountData)> {
        let filters = filters
            .iter()
            .map(|f| match f {
                AccountFilter::DataSize(len) => RpcFilterType::DataSize(*len as u64),
                AccountFilter::Memcmp { offset, bytes } => {
                    RpcFilterType::Memcmp(Memcmp::new_base58_encoded(*offset, bytes))
                }
            })
            .collect();
        let config = RpcProgramAccountsConfig {
            filters: Some(filters),
            account_config: RpcAccountInfoConfig {
                encoding: Some(UiAccountEncoding::Base64),
                commitment: Some(CommitmentConfig::confirmed()),
                ..RpcAccountInfoConfig::default()
            },
            with_context: None,
            sort_results: Some(true),
        };
        match self.client.get_program_ui_accounts_with_config(owner, config) {
            Ok(accounts) => {
                let total = accounts.len();
                let mut out: Vec<(Pubkey, AccountData)> = accounts
                    .into_iter()
                    .filter_map(|(key, ui)| Some((key, account_data(ui.decode::<Account>()?))))
                    .collect();
                if out.len() < total && self.transport_error.is_none() {
                    let lost = total - out.len();
                    self.transport_error = Some(format!("getProgramAccounts: {lost} undecodable"));
                }
                out.sort_by_key(|(key, _)| *key);
                out
            }
            Err(e) => {
                self.lost("getProgramAccounts", &e);
                vec![]
            }
        }
    }

    fn now(&mut self) -> i64 {
        // The Clock sysvar: slot, epoch_start_timestamp, epoch, leader_schedule_epoch, then
        // unix_timestamp (bincode, little-endian).
        let clock = self.account(&solana_clock::sysvar::ID);
        let stamp = clock.and_then(|a| a.data.get(32..40).map(|b| b.try_into().ok()));
        stamp.flatten().map_or(0, i64::from_le_bytes)
    }

    fn transport_error(&mut self) -> Option<String> {
        self.transport_error.take()
    }
}

fn some_or_default<T: Default>(value: OptionSerializer<T>) -> T {
    match value {
        OptionSerializer::Some(v) => v,
        _ => T::default(),
    }
}

fn decode_base64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(text).unwrap_or_default()
}
