/**
 * The gateway's personal-data screen answers without a promise when the network's mode and the organisation's
 * rules are remembered and nothing is found, and waits only for a look-up or for evidence to be written.
 */
import { Interface, Wallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import {
  type GatewayPersonalDataEvent,
  PERSONAL_DATA_REFUSED,
  personalDataScreen,
} from '../../../functions/gateway/personal-data-screen.ts';
import { PersonalDataScanner } from '../../../shared/data-protection/personal-data-scanner.ts';
import type { DataProtectionMode } from '../../../shared/domain/data-protection.ts';

const NOTE = new Interface(['function note(string text)']);
const wallet = new Wallet('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const CONTEXT = { orgId: 'org_a', keyId: 'key_a', nodeId: 'node_a', networkId: 'net_a' };

function signedNote(text: string): Promise<string> {
  return wallet.signTransaction({
    to: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
    data: NOTE.encodeFunctionData('note', [text]),
    chainId: 31337,
    nonce: 0,
    gasLimit: 100_000,
    type: 2,
    maxFeePerGas: 0,
    maxPriorityFeePerGas: 0,
  });
}

function screenOf(mode: DataProtectionMode) {
  const scanner = new PersonalDataScanner();
  const recorded: GatewayPersonalDataEvent[] = [];
  const lookups: string[] = [];
  const screen = personalDataScreen(
    {
      inspector: scanner,
      modeOf: async (networkId) => {
        lookups.push(networkId);
        return mode;
      },
      rulesOf: async (orgId) => {
        lookups.push(orgId);
        return { patterns: await scanner.compilePatterns([]), exemptions: [] };
      },
      record: async (event) => {
        recorded.push(event);
      },
    },
    { warn: () => undefined, error: () => undefined },
    { ttlMs: 60_000, nowMs: () => 0 },
  );
  const call = (raw: string) => ({ jsonrpc: '2.0' as const, id: 1, method: 'eth_sendRawTransaction', params: [raw] });
  return { screen, call, recorded, lookups };
}

describe('the gateway personal-data screen', () => {
  it('waits for the first look-ups, then answers a clean transaction without a promise', async () => {
    const { screen, call, lookups } = screenOf('block');
    const clean = await signedNote('Batch LOT-42 released, temperature 4.5 °C');
    const first = screen(call(clean), CONTEXT);
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toBeUndefined();
    expect(screen(call(clean), CONTEXT)).toBeUndefined();
    expect(lookups).toEqual(['net_a', 'org_a']);
  });

  it('refuses a transaction carrying a personnummer once its evidence is written, from remembered look-ups too', async () => {
    const { screen, call, recorded } = screenOf('block');
    const raw = await signedNote('Patient 19121212-1212');
    await screen(call(await signedNote('nothing here')), CONTEXT);
    const answer = screen(call(raw), CONTEXT);
    expect(answer).toBeInstanceOf(Promise);
    expect(await answer).toMatchObject({
      code: PERSONAL_DATA_REFUSED,
      data: { reason: 'personal-data', policy: 'block', findings: [{ detector: 'personnummer' }] },
    });
    expect(recorded.map((event) => [event.outcome, event.sender])).toEqual([['blocked', wallet.address]]);
  });

  it('lets a flagged transaction through after recording it, and inspects nothing on a network set to off', async () => {
    const flagged = screenOf('flag');
    const raw = await signedNote('Patient 19121212-1212');
    expect(await flagged.screen(flagged.call(raw), CONTEXT)).toBeUndefined();
    expect(await flagged.screen(flagged.call(raw), CONTEXT)).toBeUndefined();
    expect(flagged.recorded.map((event) => event.outcome)).toEqual(['flagged', 'flagged']);

    const off = screenOf('off');
    expect(await off.screen(off.call(raw), CONTEXT)).toBeUndefined();
    expect(off.screen(off.call(raw), CONTEXT)).toBeUndefined();
    expect(off.recorded).toEqual([]);
    expect(off.lookups).toEqual(['net_a']);
  });

  it('refuses what cannot be read under block without a promise once the look-ups are remembered', async () => {
    const { screen, call } = screenOf('block');
    await screen(call(await signedNote('nothing here')), CONTEXT);
    expect(screen(call('0xzz'), CONTEXT)).toMatchObject({ data: { reason: 'not-inspectable' } });
  });
});
