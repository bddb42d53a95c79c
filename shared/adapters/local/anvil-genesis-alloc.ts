/**
 * Genesis allocations (balances, code, nonces, storage) for an anvil chain. anvil's `--init genesis.json` cannot be
 * combined with `--state` (it refuses the pair), so a new chain receives its allocations through `anvil_set*`
 * calls right after its first start; from then on they are part of the saved state like everything else.
 */
import * as z from 'zod';
import { callJsonRpc } from '../../chain/json-rpc-call.ts';
import type { Network } from '../../domain/network.ts';
import { ValidationError } from '../../errors.ts';

export interface GenesisAllocEntry {
  /** Hex quantities and data, normalised for anvil's RPC. */
  readonly balance?: string;
  readonly code?: string;
  readonly nonce?: string;
  readonly storage?: Readonly<Record<string, string>>;
}
export type GenesisAlloc = Readonly<Record<string, GenesisAllocEntry>>;

const HexData = z.string().regex(/^0x([0-9a-fA-F]{2})*$/, 'hex data with an even number of digits');
const Quantity = z.union([
  z.string().regex(/^(0x[0-9a-fA-F]+|[0-9]+)$/, 'a decimal or 0x-hex quantity'),
  z.number().int().nonnegative(),
]);
const Word = z.string().regex(/^0x[0-9a-fA-F]{1,64}$/, 'a 0x-hex word of at most 32 bytes');
const Address = z.string().regex(/^(0x)?[0-9a-fA-F]{40}$/, 'a 20-byte hex address');

const AllocEntrySchema = z.object({
  balance: Quantity.optional(),
  code: HexData.optional(),
  nonce: Quantity.optional(),
  storage: z.record(Word, Word).optional(),
});
const GenesisSchema = z.object({ alloc: z.record(Address, AllocEntrySchema).default({}) });

function quantity(value: string | number): string {
  return `0x${BigInt(value).toString(16)}`;
}

function word(value: string): string {
  return `0x${value.slice(2).padStart(64, '0').toLowerCase()}`;
}

function address(value: string): string {
  return (value.startsWith('0x') ? value : `0x${value}`).toLowerCase();
}

function normalise(raw: Record<string, z.infer<typeof AllocEntrySchema>>): GenesisAlloc {
  const alloc: Record<string, GenesisAllocEntry> = {};
  for (const [key, entry] of Object.entries(raw)) {
    alloc[address(key)] = {
      ...(entry.balance !== undefined && { balance: quantity(entry.balance) }),
      ...(entry.code !== undefined && entry.code !== '0x' && { code: entry.code.toLowerCase() }),
      ...(entry.nonce !== undefined && { nonce: quantity(entry.nonce) }),
      ...(entry.storage && {
        storage: Object.fromEntries(Object.entries(entry.storage).map(([slot, value]) => [word(slot), word(value)])),
      }),
    };
  }
  return alloc;
}

function invalid(error: z.ZodError, what: string): ValidationError {
  return new ValidationError(
    `The ${what} is not valid`,
    error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
  );
}

/** The `alloc` of a geth/Besu-style genesis.json. */
export function allocFromGenesisJson(genesisJson: string): GenesisAlloc {
  let parsed: unknown;
  try {
    parsed = JSON.parse(genesisJson);
  } catch (error) {
    throw new ValidationError('The genesis file is not JSON', [], { cause: error });
  }
  const result = GenesisSchema.safeParse(parsed);
  if (!result.success) throw invalid(result.error, 'genesis allocation');
  return normalise(result.data.alloc);
}

export function allocFromNetwork(network: Pick<Network, 'alloc'>): GenesisAlloc {
  const result = z.record(Address, AllocEntrySchema).safeParse(network.alloc);
  if (!result.success) throw invalid(result.error, "network's allocation");
  return normalise(result.data);
}

/** Writes the allocations into a freshly started chain. Each call sets an absolute value, so repeating is harmless. */
export async function applyGenesisAlloc(rpcUrl: string, alloc: GenesisAlloc): Promise<void> {
  for (const [account, entry] of Object.entries(alloc)) {
    if (entry.balance !== undefined) await callJsonRpc(rpcUrl, 'anvil_setBalance', [account, entry.balance]);
    if (entry.nonce !== undefined) await callJsonRpc(rpcUrl, 'anvil_setNonce', [account, entry.nonce]);
    if (entry.code !== undefined) await callJsonRpc(rpcUrl, 'anvil_setCode', [account, entry.code]);
    for (const [slot, value] of Object.entries(entry.storage ?? {})) {
      await callJsonRpc(rpcUrl, 'anvil_setStorageAt', [account, slot, value]);
    }
  }
}
