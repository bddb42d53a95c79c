import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetPublicKeyCommand, KMSClient, SignCommand, type SignCommandInput } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import {
  JsonRpcProvider,
  Transaction,
  type TypedDataDomain,
  toUtf8Bytes,
  verifyMessage,
  verifyTypedData,
  Wallet,
} from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KmsKeyVault } from '../../../shared/adapters/aws/kms-key-vault.ts';
import { LocalKeyVault } from '../../../shared/adapters/local/local-key-vault.ts';
import { VaultKeySigner } from '../../../shared/chain/vault-key-signer.ts';
import { VaultSigner } from '../../../shared/chain/vault-signer.ts';
import { ValidationError } from '../../../shared/errors.ts';
import { SigningKeyUnavailableError } from '../../../shared/ports/key-vault.ts';
import { type AnvilProcess, FREE_GAS, spawnAnvil } from '../../support/anvil-process.ts';
import { kmsLikeSign, newTestKey } from '../../unit/signing/secp256k1-fixtures.ts';

const CHAIN_ID = 1_337_777n;
const ORG = 'org_abcdefghijklmnopqrst';

let anvil: AnvilProcess;
let provider: JsonRpcProvider;
let dataDir: string;
let vault: LocalKeyVault;

beforeAll(async () => {
  anvil = await spawnAnvil([...FREE_GAS, '--chain-id', String(CHAIN_ID)]);
  provider = new JsonRpcProvider(anvil.url, undefined, {
    staticNetwork: true,
    cacheTimeout: -1,
    pollingInterval: 50,
  });
  dataDir = mkdtempSync(join(tmpdir(), 'carechain-signer-'));
  vault = new LocalKeyVault(dataDir);
});

afterAll(async () => {
  provider?.destroy();
  await anvil?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function freshSigner(): Promise<{ signer: VaultSigner; address: string; keyRef: string }> {
  const { keyRef, address } = await vault.createKey({ orgId: ORG, alias: 'integration' });
  return { signer: new VaultSigner(vault, keyRef, provider), address, keyRef };
}

const recipient = () => Wallet.createRandom().address;

describe('VaultSigner on a free-gas chain', () => {
  it('sends a legacy transaction from a fresh zero-balance key', async () => {
    const { signer, address } = await freshSigner();
    expect(await provider.getBalance(address)).toBe(0n);
    const to = recipient();
    const sent = await signer.sendTransaction({ to, value: 0n, gasPrice: 0n, data: '0xc0ffee' });
    const receipt = await sent.wait();
    expect(receipt?.status).toBe(1);
    expect(receipt?.from).toBe(address);
    const mined = await provider.getTransaction(sent.hash);
    expect(mined).toMatchObject({ type: 0, from: address, to, data: '0xc0ffee', chainId: CHAIN_ID });
  });

  it('sends an EIP-1559 transaction from a fresh zero-balance key', async () => {
    const { signer, address } = await freshSigner();
    const sent = await signer.sendTransaction({
      type: 2,
      to: recipient(),
      maxFeePerGas: 0n,
      maxPriorityFeePerGas: 0n,
    });
    const receipt = await sent.wait();
    expect(receipt?.status).toBe(1);
    expect(receipt?.from).toBe(address);
    expect(await provider.getTransaction(sent.hash)).toMatchObject({ type: 2, from: address, chainId: CHAIN_ID });
  });

  it('sends consecutive transactions with consecutive nonces', async () => {
    const { signer, address } = await freshSigner();
    for (let i = 0; i < 3; i++) {
      const sent = await signer.sendTransaction({ to: recipient(), gasPrice: 0n });
      expect(sent.nonce).toBe(i);
      expect((await sent.wait())?.from).toBe(address);
    }
    expect(await provider.getTransactionCount(address)).toBe(3);
  });

  it('signs a transaction offline that decodes to the key address', async () => {
    const { keyRef, address } = await freshSigner();
    const offline = new VaultSigner(vault, keyRef);
    const raw = await offline.signTransaction({
      type: 2,
      chainId: CHAIN_ID,
      nonce: 0,
      to: recipient(),
      gasLimit: 21_000n,
      maxFeePerGas: 0n,
      maxPriorityFeePerGas: 0n,
    });
    expect(Transaction.from(raw).from).toBe(address);
    expect(await offline.getAddress()).toBe(address);
    expect(await offline.connect(provider).getAddress()).toBe(address);
  });

  it('refuses a transaction whose from is another address', async () => {
    const { signer } = await freshSigner();
    await expect(signer.signTransaction({ from: recipient(), to: recipient(), gasPrice: 0n })).rejects.toThrow(
      ValidationError,
    );
  });

  it('does not send from a disabled key', async () => {
    const { signer, keyRef } = await freshSigner();
    await vault.disable(keyRef);
    await expect(signer.sendTransaction({ to: recipient(), gasPrice: 0n })).rejects.toThrow(SigningKeyUnavailableError);
  });
});

describe('VaultSigner messages and typed data', () => {
  it('signs EIP-191 messages that verifyMessage attributes to the key', async () => {
    const { signer, address } = await freshSigner();
    for (const message of ['Admit Region Skåne to CareChain', toUtf8Bytes('bytes too'), '']) {
      expect(verifyMessage(message, await signer.signMessage(message))).toBe(address);
    }
  });

  it('signs EIP-712 typed data that verifyTypedData attributes to the key', async () => {
    const { signer, address } = await freshSigner();
    const domain: TypedDataDomain = {
      name: 'CareChain Governance',
      version: '1',
      chainId: CHAIN_ID,
      verifyingContract: '0x00000000000000000000000000000000000c0de1',
    };
    const types = {
      Vote: [
        { name: 'proposalId', type: 'uint256' },
        { name: 'voter', type: 'address' },
        { name: 'support', type: 'bool' },
      ],
    };
    const value = { proposalId: 7n, voter: address, support: true };
    const signature = await signer.signTypedData(domain, types, value);
    expect(verifyTypedData(domain, types, value, signature)).toBe(address);
    expect(verifyTypedData(domain, types, { ...value, support: false }, signature)).not.toBe(address);
  });
});

describe('VaultKeySigner, without a provider', () => {
  it('signs messages and typed data as the VaultSigner over the same key does', async () => {
    const { signer, keyRef, address } = await freshSigner();
    const key = new VaultKeySigner(vault, keyRef);
    expect(await key.getAddress()).toBe(address);
    // The local vault signs deterministically (RFC 6979): the same digest gives the same signature.
    expect(await key.signMessage('consent receipt 7')).toBe(await signer.signMessage('consent receipt 7'));
    const domain: TypedDataDomain = { name: 'CareChain', version: '1', chainId: CHAIN_ID };
    const types = { Grant: [{ name: 'grantee', type: 'address' }] };
    const value = { grantee: address };
    const signature = await key.signTypedData(domain, types, value);
    expect(signature).toBe(await signer.signTypedData(domain, types, value));
    expect(verifyTypedData(domain, types, value, signature)).toBe(address);
  });

  it('refuses an ENS name in typed data, having nothing to resolve it with', async () => {
    const { keyRef } = await freshSigner();
    const key = new VaultKeySigner(vault, keyRef);
    const types = { Grant: [{ name: 'grantee', type: 'address' }] };
    await expect(key.signTypedData({ name: 'CareChain' }, types, { grantee: 'hospital.eth' })).rejects.toThrow(
      /Cannot resolve the name hospital\.eth without a provider/,
    );
  });
});

describe('VaultSigner through KMS', () => {
  it('sends an EIP-1559 transaction signed by a KMS key', async () => {
    const key = newTestKey();
    const kms = mockClient(KMSClient);
    try {
      kms.on(GetPublicKeyCommand).resolves({ KeyId: 'kms-key', PublicKey: key.spki, KeySpec: 'ECC_SECG_P256K1' });
      kms.on(SignCommand).callsFake((input: SignCommandInput) => ({
        KeyId: 'kms-key',
        Signature: kmsLikeSign(input.Message!, key.secretKey),
        SigningAlgorithm: 'ECDSA_SHA_256',
      }));
      const client = new KMSClient({ region: 'eu-north-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
      const signer = new VaultSigner(new KmsKeyVault(client), 'kms-key', provider);
      for (let i = 0; i < 4; i++) {
        const sent = await signer.sendTransaction({
          type: 2,
          to: recipient(),
          maxFeePerGas: 0n,
          maxPriorityFeePerGas: 0n,
        });
        expect((await sent.wait())?.from).toBe(key.address);
      }
      expect(verifyMessage('hello', await signer.signMessage('hello'))).toBe(key.address);
    } finally {
      kms.restore();
    }
  });
});
