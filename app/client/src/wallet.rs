//! Wallets on disk: the Solana CLI's keypair file (a JSON array of the 64 bytes of the secret and
//! public keys), read by the keeper and the CLI.

use std::path::Path;

use solana_keypair::Keypair;

/// Reads a keypair file, with an error that names the file and what is wrong with it.
pub fn read_keypair(path: &Path) -> Result<Keypair, String> {
    let what = format!("keypair file {}", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| format!("{what}: {e}"))?;
    let bytes: Vec<u8> = serde_json::from_str(&text)
        .map_err(|e| format!("{what}: not a JSON array of 64 bytes ({e})"))?;
    Keypair::try_from(bytes.as_slice())
        .map_err(|e| format!("{what}: not a keypair ({} bytes: {e})", bytes.len()))
}
