//! A stand-in for the Pyth receiver program, deployed at its address on a local validator only
//! (the validator test, `app/keeper/tests/validator.rs`). Real price updates are posted by the
//! receiver after verifying Wormhole signatures, which a test validator cannot do; this program
//! instead lets the account's `write_authority` rewrite a `PriceUpdateV2` account it owns, so a
//! test can move prices on a real cluster. Never deploy it anywhere else.
//!
//! One instruction, no discriminator: accounts `[price_update (writable), feeder (signer)]`, data
//! the account's whole new contents. The account must already be owned by this program (made at
//! genesis), the new contents must be the same length and keep the account's discriminator, and
//! the feeder must be the `write_authority` both before and after (bytes 8..40).

#[cfg(target_arch = "bpf")]
use solana_compiler_builtins as _;

use anchor_lang::solana_program::account_info::AccountInfo;
use anchor_lang::solana_program::entrypoint::ProgramResult;
use anchor_lang::solana_program::program_error::ProgramError;
use anchor_lang::solana_program::pubkey::Pubkey;

#[cfg(not(feature = "no-entrypoint"))]
anchor_lang::solana_program::entrypoint!(process_instruction);

/// Bytes of the account's discriminator, then of its write authority.
const DISCRIMINATOR: usize = 8;
const AUTHORITY_END: usize = DISCRIMINATOR + 32;

/// Rewrites the price update (module doc).
pub fn process_instruction(
    program_id: &Pubkey,
    accounts: &[AccountInfo],
    data: &[u8],
) -> ProgramResult {
    let [update, feeder] = accounts else { return Err(ProgramError::NotEnoughAccountKeys) };
    if !feeder.is_signer {
        return Err(ProgramError::MissingRequiredSignature);
    }
    if update.owner != program_id || !update.is_writable {
        return Err(ProgramError::IncorrectProgramId);
    }
    let mut stored = update.try_borrow_mut_data()?;
    let authority = feeder.key.as_ref();
    if stored.len() != data.len()
        || data.len() < AUTHORITY_END
        || stored[..DISCRIMINATOR] != data[..DISCRIMINATOR]
        || &stored[DISCRIMINATOR..AUTHORITY_END] != authority
        || &data[DISCRIMINATOR..AUTHORITY_END] != authority
    {
        return Err(ProgramError::InvalidInstructionData);
    }
    stored.copy_from_slice(data);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FEEDER: Pubkey = Pubkey::new_from_array([7; 32]);
    const PROGRAM: Pubkey = Pubkey::new_from_array([9; 32]);

    /// An account image: discriminator 1s, `authority`, then `fill`.
    fn image(authority: &Pubkey, fill: u8) -> Vec<u8> {
        let mut data = vec![1u8; DISCRIMINATOR];
        data.extend_from_slice(authority.as_ref());
        data.extend_from_slice(&[fill; 16]);
        data
    }

    /// Runs the instruction on an account holding `stored` owned by `owner`, signed by the feeder
    /// if `signed`; the account's contents after.
    fn run(stored: Vec<u8>, owner: Pubkey, signed: bool, data: &[u8]) -> (ProgramResult, Vec<u8>) {
        let (key, feeder) = (Pubkey::new_from_array([3; 32]), FEEDER);
        let (mut lamports, mut feeder_lamports) = (1, 1);
        let mut stored = stored;
        let mut empty = [];
        let system = Pubkey::default();
        let update = AccountInfo::new(&key, false, true, &mut lamports, &mut stored, &owner, false);
        let signer = AccountInfo::new(
            &feeder,
            signed,
            false,
            &mut feeder_lamports,
            &mut empty,
            &system,
            false,
        );
        let result = process_instruction(&PROGRAM, &[update.clone(), signer], data);
        let after = update.data.borrow().to_vec();
        (result, after)
    }

    #[test]
    fn the_feeder_rewrites_its_price_update() {
        let (result, after) = run(image(&FEEDER, 0), PROGRAM, true, &image(&FEEDER, 5));
        assert_eq!(result, Ok(()));
        assert_eq!(after, image(&FEEDER, 5));
    }

    #[test]
    fn anything_else_is_refused_and_changes_nothing() {
        let other = Pubkey::new_from_array([8; 32]);
        let mut longer = image(&FEEDER, 5);
        longer.push(0);
        let mut renamed = image(&FEEDER, 5);
        renamed[0] = 2;
        let cases = [
            (
                image(&FEEDER, 0),
                PROGRAM,
                false,
                image(&FEEDER, 5),
                ProgramError::MissingRequiredSignature,
            ),
            (image(&FEEDER, 0), other, true, image(&FEEDER, 5), ProgramError::IncorrectProgramId),
            (
                image(&other, 0),
                PROGRAM,
                true,
                image(&other, 5),
                ProgramError::InvalidInstructionData,
            ),
            (
                image(&FEEDER, 0),
                PROGRAM,
                true,
                image(&other, 5),
                ProgramError::InvalidInstructionData,
            ),
            (image(&FEEDER, 0), PROGRAM, true, longer, ProgramError::InvalidInstructionData),
            (image(&FEEDER, 0), PROGRAM, true, renamed, ProgramError::InvalidInstructionData),
        ];
        for (stored, owner, signed, data, error) in cases {
            let (result, after) = run(stored.clone(), owner, signed, &data);
            assert_eq!(result, Err(error));
            assert_eq!(after, stored);
        }
    }
}
