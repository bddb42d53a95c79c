/**
 * The personal-data guard at the gateway (docs/architecture.md, "Personal-data guard"): every
 * `eth_sendRawTransaction` is inspected before it reaches a node, under the policy of the node's network.
 *
 * - `block` (the default): the call is answered with JSON-RPC error -32010 naming each detector and where it
 *   matched (`calldata offset 68`), never the value; nothing reaches the node, so the sender's nonce does not move.
 *   A transaction the inspector cannot read at all (the node would refuse it too) is refused the same way.
 * - `flag`: the call goes through and is recorded. `off`: nothing is inspected.
 * Either outcome is recorded as evidence (functions/services/data-protection/personal-data-evidence.ts) before the
 * call is answered. Approved exemptions (the organisation, the network, the contract called, the detector) let a
 * finding through. Policies, patterns and exemptions are looked up like keys and nodes: once every few seconds.
 *
 * Only `eth_sendRawTransaction` is inspected (eth_sendTransaction and the other signing methods are never offered),
 * so every other call pays nothing.
 */
import { keccak256 } from 'ethers/crypto';
import { Transaction } from 'ethers/transaction';
import {
  type DataProtectionMode,
  decidePersonalData,
  type Exemption,
  findingView,
  MAX_FINDINGS_KEPT,
  type PersonalDataFinding,
  type PersonalDataOutcome,
  refusalMessage,
} from '../../shared/domain/data-protection.ts';
import type { CompiledPatterns, PersonalDataInspector } from '../../shared/ports/personal-data-inspector.ts';
import type { JsonRpcCall, JsonRpcError } from './json-rpc.ts';
import { cachedLookup, type LookupCacheOptions } from './lookup-cache.ts';
import type { CallScreen } from './rpc-dispatcher.ts';

export const SCREENED_METHOD = 'eth_sendRawTransaction';

/**
 * A transaction carrying personal data the network's policy blocks (or one that cannot be inspected), in the
 * server-error range JSON-RPC 2.0 leaves to implementations; `data.findings` says what and where.
 */
export const PERSONAL_DATA_REFUSED = -32010;

/** What the organisation's own rules add: its patterns, compiled, and its exemptions. */
export interface OrgDataRules {
  readonly patterns: CompiledPatterns;
  readonly exemptions: readonly Exemption[];
}

/** A block or a flag, as the gateway records it. */
export interface GatewayPersonalDataEvent {
  readonly orgId: string;
  readonly keyId: string;
  readonly nodeId: string;
  readonly networkId: string | undefined;
  readonly outcome: PersonalDataOutcome;
  readonly mode: DataProtectionMode;
  readonly contract: string | undefined;
  readonly transactionHash: string;
  readonly sender: string | undefined;
  readonly findings: readonly PersonalDataFinding[];
}

export interface GatewayPersonalData {
  readonly inspector: PersonalDataInspector;
  /** The network's mode (`block` when never set). */
  readonly modeOf: (networkId: string) => Promise<DataProtectionMode>;
  readonly rulesOf: (orgId: string) => Promise<OrgDataRules>;
  /** Records the event as evidence; the call is answered once it is written. */
  readonly record: (event: GatewayPersonalDataEvent) => Promise<void>;
}

export interface ScreenContext {
  readonly orgId: string;
  readonly keyId: string;
  readonly nodeId: string;
  readonly networkId: string | undefined;
}

interface ScreenLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** An error to answer with, or undefined to send; synchronous when the policy is remembered and nothing is found. */
export type ScreenAnswer = JsonRpcError | undefined | Promise<JsonRpcError | undefined>;

export type PersonalDataScreen = (call: JsonRpcCall, context: ScreenContext) => ScreenAnswer;

/** The dispatcher's screen for one request: its `eth_sendRawTransaction` calls, checked in that request's context. */
export function screenFor(screen: PersonalDataScreen | undefined, context: ScreenContext): CallScreen | undefined {
  return screen && new RequestScreen(screen, context);
}

const SCREENED_METHODS = [SCREENED_METHOD];

/** One request's screen: an object with the method on its class, not a closure made for every request. */
class RequestScreen implements CallScreen {
  readonly methods = SCREENED_METHODS;

  constructor(
    private readonly screen: PersonalDataScreen,
    private readonly context: ScreenContext,
  ) {}

  check(call: JsonRpcCall): ScreenAnswer {
    return this.screen(call, this.context);
  }
}

/**
 * The screen the dispatcher runs on each `eth_sendRawTransaction`. With the network's mode and the organisation's
 * rules remembered (every call but the first few seconds' ones), a transaction with nothing found is answered
 * without a promise; only a look-up or a finding to record waits.
 */
export function personalDataScreen(
  guard: GatewayPersonalData,
  logger: ScreenLogger,
  lookup: Omit<LookupCacheOptions, 'keyOf'>,
): PersonalDataScreen {
  const modeOf = cachedLookup(guard.modeOf, lookup);
  const rulesOf = cachedLookup(guard.rulesOf, lookup);
  const screenWith = (mode: DataProtectionMode, rules: OrgDataRules, call: JsonRpcCall, context: ScreenContext) => {
    const raw = Array.isArray(call.params) ? call.params[0] : undefined;
    if (typeof raw !== 'string') return undefined;
    const inspection = guard.inspector.inspectRawTransaction(raw, rules.patterns);
    if (!inspection.decoded) return mode === 'block' ? notInspectable() : undefined;
    if (inspection.findings.length === 0) return undefined;
    const decision = decidePersonalData(inspection.findings, {
      mode,
      networkId: context.networkId,
      contract: inspection.to,
      exemptions: rules.exemptions,
    });
    if (decision.action === 'allow') return undefined;
    return recorded(guard, logger, {
      ...context,
      outcome: decision.action === 'block' ? 'blocked' : 'flagged',
      mode,
      contract: inspection.to,
      transactionHash: keccak256(raw),
      sender: senderOf(raw),
      findings: decision.findings,
    });
  };
  const awaited = async (call: JsonRpcCall, context: ScreenContext) => {
    // A network is known for every node the gateway serves; one without is held to the default.
    const mode = context.networkId === undefined ? 'block' : await modeOf(context.networkId);
    if (mode === 'off') return undefined;
    return screenWith(mode, await rulesOf(context.orgId), call, context);
  };
  return (call, context) => {
    const mode = context.networkId === undefined ? 'block' : modeOf.peek(context.networkId)?.value;
    if (mode === 'off') return undefined;
    const rules = mode && rulesOf.peek(context.orgId);
    return mode && rules ? screenWith(mode, rules.value, call, context) : awaited(call, context);
  };
}

/** Records a block or a flag as evidence, then answers: the refusal for a block, undefined for a flag. */
async function recorded(
  guard: GatewayPersonalData,
  logger: ScreenLogger,
  event: GatewayPersonalDataEvent,
): Promise<JsonRpcError | undefined> {
  try {
    await guard.record(event);
  } catch (error) {
    // A block stands without its evidence; the failure is the platform's to see and fix.
    logger.error('Personal-data evidence was not recorded', {
      nodeId: event.nodeId,
      outcome: event.outcome,
      findings: event.findings.map(findingView),
      error,
    });
  }
  if (event.outcome === 'flagged') return undefined;
  const findings = event.findings.slice(0, MAX_FINDINGS_KEPT).map(findingView);
  return {
    code: PERSONAL_DATA_REFUSED,
    message: refusalMessage(findings),
    data: { reason: 'personal-data', policy: event.mode, findings, transactionHash: event.transactionHash },
  };
}

function notInspectable(): JsonRpcError {
  return {
    code: PERSONAL_DATA_REFUSED,
    message:
      'The transaction could not be read to inspect it for personal data (nor could a node accept it): ' +
      'send a signed transaction as 0x hex',
    data: { reason: 'not-inspectable', policy: 'block' },
  };
}

/** The signer's address, for the evidence; recovering it costs a signature check, paid only for findings. */
function senderOf(raw: string): string | undefined {
  try {
    return Transaction.from(raw).from ?? undefined;
  } catch {
    // The inspector read the body; a signature ethers refuses leaves the evidence without a sender.
    return undefined;
  }
}
