import { describe, expect, it } from 'vitest';
import { checkMethod } from '../../../functions/gateway/method-policy.ts';

describe('method policy', () => {
  it.each([
    'admin_peers',
    'admin_nodeInfo',
    'debug_traceTransaction',
    'personal_unlockAccount',
    'miner_start',
    'qbft_proposeValidatorVote',
    'clique_propose',
    'ibft_getValidatorsByBlockNumber',
    'perm_addNodesToAllowlist',
    'txpool_content',
    'anvil_setBalance',
    'evm_revert',
    'hardhat_impersonateAccount',
    'eth_sendTransaction',
    'eth_sign',
    'eth_signTypedData_v4',
  ])('never lets a tenant reach %s', (method) => {
    expect(checkMethod(method)).toEqual({ allowed: false, reason: 'blocked' });
  });

  it('keeps blocked methods blocked even when a plan lists them', () => {
    expect(checkMethod('debug_traceTransaction', ['debug_*', 'debug_traceTransaction'])).toEqual({
      allowed: false,
      reason: 'blocked',
    });
  });

  it.each(['eth_blockNumber', 'eth_call', 'eth_sendRawTransaction', 'net_version', 'web3_clientVersion'])(
    'offers %s by default',
    (method) => {
      expect(checkMethod(method)).toEqual({ allowed: true });
    },
  );

  it.each(['trace_block', 'foo_bar', 'rpc.discover', 'eth', 'ETH_blockNumber', 'ots_getApiLevel'])(
    'does not offer %s, outside the public namespaces',
    (method) => {
      expect(checkMethod(method)).toEqual({ allowed: false, reason: 'not-offered' });
    },
  );

  it('narrows to a plan allow-list of names and namespace patterns', () => {
    const plan = ['eth_chainId', 'net_*'];
    expect(checkMethod('eth_chainId', plan)).toEqual({ allowed: true });
    expect(checkMethod('net_version', plan)).toEqual({ allowed: true });
    expect(checkMethod('eth_call', plan)).toEqual({ allowed: false, reason: 'not-in-plan' });
    expect(checkMethod('web3_clientVersion', [])).toEqual({ allowed: false, reason: 'not-in-plan' });
  });
});
