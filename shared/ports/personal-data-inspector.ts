/**
 * Port for the personal-data inspector (docs/architecture.md, "Personal-data guard"): looks at what is about to be
 * signed or sent and names what in it identifies a person. Pure and synchronous inspections: no I/O, a bounded amount
 * of work per byte, so the JSON-RPC gateway can run it on every `eth_sendRawTransaction`. Implemented by
 * `PersonalDataScanner` (shared/data-protection/).
 */
import type { OrgPattern, PersonalDataFinding } from '../domain/data-protection.ts';

/** An organisation's patterns, compiled once and reused for every request (see `compilePatterns`). */
export interface CompiledPatterns {
  readonly size: number;
}

export interface RawTransactionInspection {
  /** False when the bytes are not a transaction the inspector can read (the node would refuse them too). */
  readonly decoded: boolean;
  /** Lower-case 0x address the transaction calls; undefined for a deployment or an undecodable transaction. */
  readonly to: string | undefined;
  readonly findings: readonly PersonalDataFinding[];
}

export interface TransactionToInspect {
  /** Undefined for a deployment: `data` is then init code. */
  readonly to?: string | undefined;
  /** 0x hex or bytes. */
  readonly data: string | Uint8Array;
}

export interface TypedDataToInspect {
  readonly domain: Readonly<Record<string, unknown>>;
  readonly message: Readonly<Record<string, unknown>>;
  /**
   * The types signed with it (`EIP712Domain` may be left out). With them only what can carry text is read: `string`
   * members, and `bytes`/`bytesN` members by the bytes they hold; numbers, addresses and booleans are not.
   */
  readonly types?: Readonly<Record<string, readonly { readonly name: string; readonly type: string }[]>> | undefined;
  /** The message's type; by default the one struct of `types` no other refers to. */
  readonly primaryType?: string | undefined;
}

export interface PersonalDataInspector {
  /**
   * Loads what the detectors need (the numbering plans for telephone numbers), once per process: the inspections
   * below throw until it has finished. `compilePatterns` does it too, so code that compiles an organisation's
   * patterns before inspecting (the gateway, the signing API) needs no other call.
   */
  prepare(): Promise<void>;
  /**
   * Why a pattern cannot be used (not RE2 syntax, too long, matches the empty string), or undefined when it can.
   * Checked when an organisation saves its patterns, so a pattern that reaches the gateway always compiles.
   * Asynchronous, as is `compilePatterns`: the pattern engine is loaded the first time patterns are used.
   */
  checkPattern(pattern: string): Promise<string | undefined>;
  compilePatterns(patterns: readonly OrgPattern[]): Promise<CompiledPatterns>;
  /** A signed transaction as `eth_sendRawTransaction` carries it (0x hex). */
  inspectRawTransaction(raw: string, patterns?: CompiledPatterns): RawTransactionInspection;
  inspectTransaction(transaction: TransactionToInspect, patterns?: CompiledPatterns): readonly PersonalDataFinding[];
  /** An EIP-191 message, as text or bytes. */
  inspectMessage(message: string | Uint8Array, patterns?: CompiledPatterns): readonly PersonalDataFinding[];
  /**
   * EIP-712 typed data, findings at their path: with `types`, the strings and bytes members; without, every
   * string of the domain and the message, keys included.
   */
  inspectTypedData(typedData: TypedDataToInspect, patterns?: CompiledPatterns): readonly PersonalDataFinding[];
}
