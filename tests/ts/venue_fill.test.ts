// The TypeScript client on the real program: the committed IDL (idls/cross_margin.json) read by
// @anchor-lang/core's coder, the built .so files (target/deploy, scripts/sbf-build) run by npm
// litesvm 1.5, transactions built and signed with @solana/kit. It stands up a group with a SOL
// perpetual, creates and funds margin accounts, approves the example RFQ venue (through the
// queued change and its application), books a fill by the venue's CPI, reads the events, the
// accounts and `health_check`'s return data, and checks a refusal's error code.
//
// The RFQ venue has no IDL of its own: its three instructions are encoded by hand below (Anchor's
// discriminator and Borsh), as any client of a program without an IDL would.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { BN, BorshCoder, type Idl } from "@anchor-lang/core";
import { PublicKey } from "@solana/web3.js";
import {
  AccountRole,
  address,
  appendTransactionMessageInstructions,
  createTransactionMessage,
  generateKeyPairSigner,
  getAddressEncoder,
  getProgramDerivedAddress,
  lamports,
  pipe,
  setTransactionMessageFeePayerSigner,
  signTransactionMessageWithSigners,
  type Address,
  type KeyPairSigner,
} from "@solana/kit";
import { Clock, FailedTransactionMetadata, LiteSVM, TransactionMetadata } from "litesvm";

const ROOT = join(__dirname, "..", "..");
const idl = JSON.parse(readFileSync(join(ROOT, "idls", "cross_margin.json"), "utf8")) as Idl;
const coder = new BorshCoder(idl);

const CROSS = address(idl.address);
const RFQ = address("HDoAzu5MGNJrsKSG4V35EpDzToxenZg1RCD83jg5erka");
const TOKEN = address("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
const SYSTEM = address("11111111111111111111111111111111");
const PYTH_RECEIVER = address("rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ");
const T0 = 1_750_000_000n;
const USDC = 1_000_000n;
const U64_MAX = new BN("18446744073709551615");

const enc = getAddressEncoder();
const bytes = (a: Address) => new Uint8Array(enc.encode(a));
const le = (n: bigint | number, size: number) => {
  const b = Buffer.alloc(size);
  if (size === 1) b.writeUInt8(Number(n));
  else if (size === 2) b.writeUInt16LE(Number(n));
  else if (size === 4) b.writeUInt32LE(Number(n));
  else b.writeBigInt64LE(BigInt(n));
  return b;
};
const key = (a: Address) => new PublicKey(a);
const name16 = (s: string) => [...Buffer.from(s.padEnd(16, "\0"))];

/** A PDA of `program`: seed strings shorter than 32 characters are literals, longer ones
 * addresses (base58). */
async function pda(program: Address, seeds: (string | Address | Uint8Array)[]): Promise<Address> {
  const raw = seeds.map((s) =>
    s instanceof Uint8Array ? s : s.length >= 32 ? bytes(s as Address) : Buffer.from(s),
  );
  const [found] = await getProgramDerivedAddress({ programAddress: program, seeds: raw });
  return found;
}

/** A cross-margin instruction from the IDL: named accounts in the IDL's order (a signer passed as
 * its `KeyPairSigner`; `null` for an optional account left out), then `remaining`. */
function ix(
  name: string,
  accounts: Record<string, Address | KeyPairSigner | null>,
  args: object,
  remaining: { address: Address; writable?: boolean }[] = [],
) {
  const def = idl.instructions.find((i) => i.name === name);
  assert.ok(def, `instruction ${name} in the IDL`);
  const metas = def.accounts.map((a: any) => {
    const value = accounts[a.name];
    assert.ok(value !== undefined, `${name}: account ${a.name}`);
    if (value === null) return { address: CROSS, role: AccountRole.READONLY };
    const signer = typeof value === "object" ? value : undefined;
    const role = a.signer
      ? a.writable ? AccountRole.WRITABLE_SIGNER : AccountRole.READONLY_SIGNER
      : a.writable ? AccountRole.WRITABLE : AccountRole.READONLY;
    return signer ? { address: signer.address, role, signer } : { address: value as Address, role };
  });
  for (const r of remaining) {
    metas.push({ address: r.address, role: r.writable ? AccountRole.WRITABLE : AccountRole.READONLY });
  }
  return { programAddress: CROSS, accounts: metas, data: new Uint8Array(coder.instruction.encode(name, args)) };
}

/** An instruction of the RFQ venue, encoded by hand: `sha256("global:<name>")[..8]` and Borsh. */
function rfqIx(name: string, metas: [Address | KeyPairSigner, AccountRole][], data: Buffer[]) {
  const disc = createHash("sha256").update(`global:${name}`).digest().subarray(0, 8);
  return {
    programAddress: RFQ,
    accounts: metas.map(([a, role]) =>
      typeof a === "object" ? { address: a.address, role, signer: a } : { address: a, role },
    ),
    data: new Uint8Array(Buffer.concat([disc, ...data])),
  };
}

class Chain {
  svm = new LiteSVM();

  constructor() {
    this.svm.addProgramFromFile(CROSS, join(ROOT, "target", "deploy", "cross_margin.so"));
    this.svm.addProgramFromFile(RFQ, join(ROOT, "target", "deploy", "rfq_venue.so"));
    this.setTime(T0);
  }

  setTime(unix: bigint) {
    const c = this.svm.getClock();
    this.svm.setClock(new Clock(c.slot + 1n, c.epochStartTimestamp, c.epoch, c.leaderScheduleEpoch, unix));
  }

  async wallet(): Promise<KeyPairSigner> {
    const w = await generateKeyPairSigner();
    this.svm.airdrop(w.address, lamports(100_000_000_000n));
    return w;
  }

  write(at: Address, owner: Address, data: Buffer) {
    this.svm.setAccount({
      address: at,
      data: new Uint8Array(data),
      executable: false,
      lamports: lamports(this.svm.minimumBalanceForRentExemption(BigInt(data.length))),
      programAddress: owner,
      space: BigInt(data.length),
    });
  }

  data(at: Address): Buffer {
    const a = this.svm.getAccount(at);
    assert.ok(a.exists, `account ${at} exists`);
    return Buffer.from(a.data);
  }

  async send(payer: KeyPairSigner, instructions: any[]): Promise<TransactionMetadata | FailedTransactionMetadata> {
    // A new blockhash each time: two identical transactions are two transactions.
    this.svm.expireBlockhash();
    const tx = await pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayerSigner(payer, m),
      (m) => this.svm.setTransactionMessageLifetimeUsingLatestBlockhash(m),
      (m) => appendTransactionMessageInstructions(instructions, m),
      (m) => signTransactionMessageWithSigners(m),
    );
    return this.svm.sendTransaction(tx);
  }

  async ok(payer: KeyPairSigner, instructions: any[]): Promise<TransactionMetadata> {
    const r = await this.send(payer, instructions);
    if (r instanceof FailedTransactionMetadata) {
      assert.fail(`transaction failed: ${r.err()}\n${r.meta().logs().join("\n")}`);
    }
    return r;
  }
}

/** An SPL mint (82 bytes). */
function mint(authority: Address, decimals: number): Buffer {
  return Buffer.concat([le(1, 4), Buffer.from(bytes(authority)), le(0, 8), le(decimals, 1), le(1, 1), Buffer.alloc(36)]);
}

/** An SPL token account (165 bytes), initialized, holding `amount`. */
function tokenAccount(mintAt: Address, owner: Address, amount: bigint): Buffer {
  return Buffer.concat([
    Buffer.from(bytes(mintAt)), Buffer.from(bytes(owner)), le(amount, 8),
    Buffer.alloc(36), le(1, 1), Buffer.alloc(12), le(0, 8), Buffer.alloc(36),
  ]);
}

/** A Pyth `PriceUpdateV2` (fully verified), padded to its 134 bytes. */
function priceUpdate(feed: Buffer, price: bigint, expo: number, at: bigint): Buffer {
  const disc = createHash("sha256").update("account:PriceUpdateV2").digest().subarray(0, 8);
  const message = Buffer.concat([feed, le(price, 8), le(0, 8), Buffer.from(new Int32Array([expo]).buffer), le(at, 8), le(at - 1n, 8), le(price, 8), le(0, 8)]);
  return Buffer.concat([disc, Buffer.alloc(32), le(1, 1), message, le(0, 8), Buffer.alloc(1)]);
}

/** Every `Program data:` event in the logs the coder can decode. */
function events(meta: TransactionMetadata) {
  return meta
    .logs()
    .filter((l) => l.startsWith("Program data: "))
    .map((l) => coder.events.decode(l.slice("Program data: ".length)))
    .filter((e) => e !== null) as { name: string; data: any }[];
}

test("create accounts, deposit, a venue fill by CPI and health_check, from the IDL", async () => {
  const chain = new Chain();
  const admin = await chain.wallet();

  // The group, USDC as its quote asset, no timelock (the approval below applies once due: now).
  const usdc = (await generateKeyPairSigner()).address;
  chain.write(usdc, TOKEN, mint(admin.address, 6));
  const group = await pda(CROSS, ["group", admin.address, le(0, 4)]);
  const quoteUnderlying = await pda(CROSS, ["underlying", group, le(0, 2)]);
  const quoteVault = await pda(CROSS, ["vault", quoteUnderlying]);
  await chain.ok(admin, [
    ix("group_create", {
      creator: admin, group, quote_mint: usdc, quote_underlying: quoteUnderlying,
      quote_vault: quoteVault, insurance_vault: await pda(CROSS, ["insurance", group]),
      token_program: TOKEN, system_program: SYSTEM,
    }, {
      args: {
        group_num: 0, risk_timelock_secs: 0, quote_name: name16("USDC"), quote_deposit_cap: U64_MAX,
        quote_pool: { base_rate_bps: 0, slope1_bps: 1000, slope2_bps: 10000, optimal_utilization_bps: 8000, max_utilization_bps: 9000 },
        liquidation: { incentive_start_bps: 1000, incentive_max_bps: 5000, incentive_ramp_secs: 600 },
        insurance_fee_share_bps: 5000,
      },
    }),
  ]);

  // SOL at $150 (a Pyth account owned by the receiver program) and its perpetual.
  const sol = (await generateKeyPairSigner()).address;
  chain.write(sol, TOKEN, mint(admin.address, 9));
  const feed = createHash("sha256").update("SOL/USD").digest();
  const price = (await generateKeyPairSigner()).address;
  chain.write(price, PYTH_RECEIVER, priceUpdate(feed, 15_000_000_000n, -8, T0));
  const solUnderlying = await pda(CROSS, ["underlying", group, le(1, 2)]);
  const risk = {
    range_multiplier_x100: [300, 200], range_floor_bps: [2700, 1300], vol_shock_ratio_bps: [2500, 1500],
    vol_shock_floor_bps: [500, 300], short_option_min_bps: [100, 50], concentration_bps: [500, 250],
    horizon_secs: 86400, gap_thirds: [6, 9], _pad: [0, 0], concentration_threshold: new BN("10000000000000"),
    gap_weight_bps: [5000, 3333], gap_vol_bps: [5000, 5000], gross_concentration_bps: [25, 10],
    vega_concentration_bps: [2500, 1250], gross_threshold: new BN("50000000000000"), vega_threshold: new BN("1000000000000"),
  };
  await chain.ok(admin, [
    ix("underlying_add", {
      admin, group, mint: sol, underlying: solUnderlying, vault: await pda(CROSS, ["vault", solUnderlying]),
      token_program: TOKEN, system_program: SYSTEM,
    }, {
      args: {
        index: 1, name: name16("SOL"), feed_id: [...feed], price_account: key(price), oracle_max_age_secs: 60,
        oracle_max_conf_bps: 100, init_haircut_bps: 2000, maint_haircut_bps: 1000, deposit_cap: U64_MAX, risk,
      },
    }),
    ix("perp_list", { admin, group, underlying: solUnderlying, oracle: price }, {
      params: { contract_size: new BN(1_000_000_000), fee_bps: 10, band_bps: 500, max_funding_bps_per_hour: 100, max_open_interest: new BN(1_000_000) },
    }),
  ]);

  // Three margin accounts (maker, taker, the venue's fees); maker and taker deposit 10,000 USDC.
  const [maker, taker, fees] = [await chain.wallet(), await chain.wallet(), await chain.wallet()];
  const account: Record<string, Address> = {};
  for (const [label, w] of [["maker", maker], ["taker", taker], ["fees", fees]] as const) {
    account[label] = await pda(CROSS, ["margin", group, w.address, le(0, 4)]);
    await chain.ok(w, [ix("account_create", { owner: w, group, margin_account: account[label], system_program: SYSTEM }, { args: { account_num: 0 } })]);
  }
  for (const [label, w] of [["maker", maker], ["taker", taker]] as const) {
    const source = (await generateKeyPairSigner()).address;
    chain.write(source, TOKEN, tokenAccount(usdc, w.address, 10_000n * USDC));
    await chain.ok(w, [
      ix("collateral_deposit", {
        signer: w, margin_account: account[label], underlying: quoteUnderlying, vault: quoteVault, source, token_program: TOKEN,
      }, { args: { amount: new BN((10_000n * USDC).toString()) } }),
    ]);
  }
  const taker0 = coder.accounts.decode("MarginAccount", chain.data(account.taker));
  assert.equal(taker0.collateral[0].balance.toString(), (10_000n * USDC).toString());
  assert.equal(taker0.owner.toBase58(), taker.address);

  // The RFQ venue: registered, approved by a queued change applied once due, approved by both
  // owners; its operator's config charges takers 10 bps.
  const venue = await pda(CROSS, ["venue", group, RFQ]);
  const pending = await pda(CROSS, ["pending", group, le(0, 8)]);
  await chain.ok(admin, [
    ix("venue_add", { admin, group, venue, fee_account: account.fees, system_program: SYSTEM }, { args: { program: key(RFQ), max_fee_bps: 20 } }),
    ix("params_queue", { admin, group, underlying: null, venue, pending, system_program: SYSTEM }, {
      args: { seq: new BN(0), change: { Venue: { 0: { program: key(RFQ), approved: true, max_fee_bps: 20 } } } },
    }),
  ]);
  const apply = await chain.ok(admin, [ix("params_apply", { group, underlying: null, venue, pending, payer: admin.address }, {})]);
  assert.ok(events(apply).some((e) => e.name === "ParamsChanged"));
  const venueState = coder.accounts.decode("Venue", chain.data(venue));
  assert.equal(venueState.approved, 1);
  for (const [label, w] of [["maker", maker], ["taker", taker]] as const) {
    await chain.ok(w, [ix("account_set_venue", { owner: w, margin_account: account[label], venue }, { args: { approved: true } })]);
  }
  const operator = await chain.wallet();
  const config = await pda(RFQ, ["config", group, operator.address]);
  await chain.ok(operator, [
    rfqIx("config_init", [[operator, AccountRole.WRITABLE_SIGNER], [config, AccountRole.WRITABLE], [SYSTEM, AccountRole.READONLY]],
      [Buffer.from(bytes(group)), le(10, 2)]),
  ]);

  // The maker offers 3 SOL perpetuals at $150; the taker takes 2 through the venue.
  const quote = await pda(RFQ, ["quote", account.maker, maker.address, le(1, 8)]);
  await chain.ok(maker, [
    rfqIx("quote_post", [
      [maker, AccountRole.WRITABLE_SIGNER], [config, AccountRole.READONLY], [solUnderlying, AccountRole.READONLY],
      [quote, AccountRole.WRITABLE], [SYSTEM, AccountRole.READONLY],
    ], [le(1, 8), Buffer.from(bytes(account.maker)), le(0, 1), le(1, 1), le(3, 8), le(150n * USDC, 8), le(T0 + 3600n, 8)]),
  ]);
  const health = [{ address: solUnderlying }, { address: price }];
  const fill = await chain.ok(taker, [
    {
      ...rfqIx("quote_fill", [
        [taker, AccountRole.READONLY_SIGNER], [config, AccountRole.READONLY], [quote, AccountRole.WRITABLE],
        [maker.address, AccountRole.WRITABLE], [account.maker, AccountRole.WRITABLE], [account.taker, AccountRole.WRITABLE],
        [await pda(RFQ, ["xmargin-venue", group]), AccountRole.READONLY], [group, AccountRole.READONLY],
        [venue, AccountRole.READONLY], [solUnderlying, AccountRole.WRITABLE], [price, AccountRole.READONLY],
        [account.fees, AccountRole.WRITABLE], [CROSS, AccountRole.READONLY],
        ...[...health, ...health].map((h) => [h.address, AccountRole.READONLY] as [Address, AccountRole]),
      ], [le(2, 8), le(2, 1)]),
    },
  ]);
  const seen = events(fill);
  const traded = seen.find((e) => e.name === "Traded");
  const filled = seen.find((e) => e.name === "VenueFilled");
  assert.ok(traded && filled, `events: ${seen.map((e) => e.name)}`);
  assert.equal(traded.data.quantity.toString(), "2");
  assert.equal(traded.data.buyer.toBase58(), account.taker);
  // 10 bps of 2 x $150, paid by the taker (the buyer) into the fee account.
  assert.equal(filled.data.venue_fee.toString(), (300n * USDC / 1000n).toString());
  assert.ok("Buyer" in filled.data.fee_payer);
  const [m, t] = [account.maker, account.taker].map((a) => coder.accounts.decode("MarginAccount", chain.data(a)));
  const base = (acc: any) => acc.perps.find((p: any) => p.underlying === 1).base.toString();
  assert.deepEqual([base(t), base(m)], ["2", "-2"]);

  // health_check of the taker: the figures as return data (HealthView, version 1).
  const check = (minInit: BN) =>
    ix("health_check", { group, margin_account: account.taker }, { args: { min_init: minInit, min_maint: new BN(0) } }, health);
  const viewed = await chain.ok(admin, [check(new BN(0))]);
  const ret = Buffer.alloc(1024);
  Buffer.from(viewed.returnData().data()).copy(ret);
  const view = coder.types.decode("HealthView", ret);
  assert.equal(view.version, 1);
  assert.equal(view.account.toBase58(), account.taker);
  assert.ok(view.init.gtn(0) && view.requirement_init.gtn(0), `init ${view.init}`);
  // One unit above its init health: refused with HealthBelowThreshold.
  const refused = await chain.send(admin, [check(view.init.addn(1))]);
  assert.ok(refused instanceof FailedTransactionMetadata);
  const code = idl.errors!.find((e) => e.name === "HealthBelowThreshold")!.code;
  assert.match(String(refused.err()), new RegExp(String(code)), String(refused.err()));
  console.log(
    `ts client: venue fill of ${traded.data.quantity} SOL perpetuals by CPI (${fill.computeUnitsConsumed()} CU), ` +
      `venue fee ${filled.data.venue_fee} qn, taker init health ${view.init} qn; ` +
      `health_check above it refused with ${code}`,
  );
});
