//! Account layouts. All accounts are zero-copy (`repr(C)`, `bytemuck::Pod`), start with a version
//! byte, end with a reserved tail, and have their sizes asserted at compile time. No field is wider
//! than 8-byte aligned, so the layout is identical on SBF and on the host (where `u128` is 16-byte
//! aligned): no account stores a 128-bit number.

pub mod group;
pub mod margin_account;
pub mod options;
pub mod pending_change;
pub mod underlying;
pub mod venue;

pub use group::*;
pub use margin_account::*;
pub use options::*;
pub use pending_change::*;
pub use underlying::*;
pub use venue::*;

use anchor_lang::prelude::*;

/// Slot marker for "no underlying" in position arrays.
pub const EMPTY_SLOT: u16 = u16::MAX;

/// Index of the settlement (quote) underlying in every group.
pub const QUOTE_INDEX: u16 = 0;

/// Asserts a zero-copy layout at compile time: exact size and at most 8-byte alignment.
#[macro_export]
macro_rules! assert_layout {
    ($ty:ty, $size:expr) => {
        const _: () = assert!(core::mem::size_of::<$ty>() == $size);
        const _: () = assert!(core::mem::align_of::<$ty>() <= 8);
    };
}

/// Defines a parameter set twice from one field list: `$wire` (Borsh: instruction arguments,
/// events, queued changes) and `$stored` (zero-copy, inside accounts), with the same `repr(C)`
/// layout (no implicit padding, so the Borsh encoding is the stored bytes), converted both ways,
/// `$stored` dereferencing to `$wire`. Two types because an IDL gives each type one
/// serialization, and a client generated from it (`declare_program!`) needs a zero-copy type
/// inside accounts and a Borsh one in arguments. Field types are single tokens (`u16`,
/// `[u16; 2]`): anchor's IDL build cannot read a type passed as a `ty` fragment.
#[macro_export]
macro_rules! twin_params {
    (
        $(#[$meta:meta])*
        pub struct $wire:ident / $stored:ident {
            $($(#[$field_meta:meta])* pub $field:ident: $ty:tt,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(
            AnchorSerialize,
            AnchorDeserialize,
            Clone,
            Copy,
            Debug,
            PartialEq,
            Eq,
            bytemuck::Pod,
            bytemuck::Zeroable,
        )]
        #[repr(C)]
        pub struct $wire {
            $($(#[$field_meta])* pub $field: $ty,)*
        }

        $(#[$meta])*
        ///
        /// The stored (zero-copy) form; it dereferences to the Borsh form.
        #[zero_copy]
        #[derive(Debug, PartialEq, Eq)]
        pub struct $stored {
            $($(#[$field_meta])* pub $field: $ty,)*
        }

        const _: () = assert!(core::mem::size_of::<$wire>() == core::mem::size_of::<$stored>());

        impl From<$wire> for $stored {
            fn from(wire: $wire) -> $stored {
                bytemuck::cast(wire)
            }
        }

        impl From<$stored> for $wire {
            fn from(stored: $stored) -> $wire {
                bytemuck::cast(stored)
            }
        }

        impl core::ops::Deref for $stored {
            type Target = $wire;
            fn deref(&self) -> &$wire {
                bytemuck::cast_ref(self)
            }
        }
    };
}

/// The offsets docs/accounts.md gives for the fields clients read most.
#[cfg(test)]
mod layout_tests {
    use super::*;
    use core::mem::offset_of;

    #[test]
    fn offsets_match_the_documented_layout() {
        assert_eq!(
            (
                offset_of!(Group, admin),
                offset_of!(Group, quote_mint),
                offset_of!(Group, insurance_paid_total),
                offset_of!(Group, pending_admin),
                offset_of!(Group, guardian),
                offset_of!(Group, change_seq),
                offset_of!(Group, paused),
                offset_of!(Group, exits_blocked_since),
                offset_of!(Group, params_version),
                offset_of!(Group, reserved)
            ),
            (8, 72, 144, 160, 192, 224, 232, 240, 256, 264)
        );
        assert_eq!(
            (
                offset_of!(Underlying, group),
                offset_of!(Underlying, oracle),
                offset_of!(Underlying, collateral),
                offset_of!(Underlying, risk),
                offset_of!(Underlying, perp),
                offset_of!(Underlying, options),
                offset_of!(Underlying, vol),
                offset_of!(Underlying, risk_params),
                offset_of!(Underlying, reserved_tail)
            ),
            (8, 120, 192, 320, 592, 696, 8_736, 8_808, 8_880)
        );
        assert_eq!(
            (
                offset_of!(MarginAccount, owner),
                offset_of!(MarginAccount, health),
                offset_of!(MarginAccount, collateral)
            ),
            (40, 104, 136)
        );
        assert_eq!(
            (
                offset_of!(MarginAccount, perps),
                offset_of!(MarginAccount, options),
                offset_of!(MarginAccount, liquidation_since),
                offset_of!(MarginAccount, venues),
                offset_of!(MarginAccount, reserved)
            ),
            (392, 1032, 3088, 3104, 3232)
        );
        assert_eq!(
            (
                offset_of!(Underlying, fees_accrued),
                offset_of!(Underlying, fees_collected),
                offset_of!(Underlying, lending),
                offset_of!(Underlying, reduce_only),
                offset_of!(Underlying, params_version),
                offset_of!(MarginAccount, quote_index_snapshot),
                offset_of!(OptionSeries, cache),
            ),
            (232, 240, 248, 312, 316, 3_080, 64)
        );
        assert_eq!((Group::SPACE, Underlying::SPACE, MarginAccount::SPACE), (376, 9_544, 3_344));
        assert_eq!((PendingChange::SPACE, Venue::SPACE), (336, 224));
        assert_eq!(
            (
                offset_of!(Venue, max_fee_bps),
                offset_of!(Venue, group),
                offset_of!(Venue, program),
                offset_of!(Venue, authority),
                offset_of!(Venue, fee_account),
                offset_of!(Venue, params_version),
                offset_of!(Venue, reserved)
            ),
            (4, 8, 40, 72, 104, 136, 144)
        );
        assert_eq!(
            (
                offset_of!(PendingChange, group),
                offset_of!(PendingChange, payer),
                offset_of!(PendingChange, effective_ts),
                offset_of!(PendingChange, blocked_secs_at_queue),
                offset_of!(PendingChange, change),
                offset_of!(PendingChange, old),
                offset_of!(PendingChange, params_version),
                offset_of!(PendingChange, reserved)
            ),
            (8, 40, 88, 96, 104, 200, 296, 300)
        );
    }
}
