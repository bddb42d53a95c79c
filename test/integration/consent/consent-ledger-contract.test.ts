/**
 * The ConsentLedger contract on a real anvil chain, with the consortium's governance contract as its list of
 * members. A patient's key is an ordinary ethers wallet (as in any browser wallet); the pairwise identity toward
 * each hospital comes from that key's signature; members relay what the patient signed. Each rule the contract
 * enforces is shown refusing with its named error and changing nothing.
 */
import { type Contract, hexlify, randomBytes, type Wallet, ZeroHash } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkConsent,
  decodeConsentRevert,
  deployConsentLedger,
  readConsent,
} from '../../../shared/chain/contracts/consent-ledger.ts';
import { CONSENT_TYPES, codeWord, consentDomain, consentTypesOf } from '../../../shared/domain/consent.ts';
import { pairwiseIdentity } from '../../../shared/domain/patient-identity.ts';
import { type AnvilChain, send, startAnvil } from '../governance/anvil-chain.ts';
import { deployConsortium } from '../governance/governance-fixture.ts';

let chain: AnvilChain;
let ledger: Contract;
let hospitalA: Wallet;
let hospitalB: Wallet;
let outsider: Wallet;
let chainId: number;
let ledgerAddress: string;

beforeAll(async () => {
  chain = await startAnvil();
  const { governance, members } = await deployConsortium(chain, 2);
  [hospitalA, hospitalB] = members as [Wallet, Wallet];
  outsider = chain.newWallet();
  ledger = await deployConsentLedger(chain.newWallet(), await governance.getAddress(), { gasPrice: 0n });
  ledgerAddress = await ledger.getAddress();
  chainId = Number((await chain.provider.getNetwork()).chainId);
}, 60_000);

afterAll(async () => {
  await chain?.stop();
});

const OBSERVATIONS = ['Observation', 'MedicationStatement'];

async function now(): Promise<number> {
  return (await chain.provider.getBlock('latest'))?.timestamp ?? 0;
}

/** The terms a patient signs, with defaults: permit TREAT on observations and medications, open-ended. */
function terms(
  identity: { subject: string; didCommitment: string; key: Wallet },
  grantee: string,
  overrides: Record<string, unknown> = {},
) {
  return {
    subject: identity.subject,
    patientKey: identity.key.address,
    didCommitment: identity.didCommitment,
    grantee,
    purpose: codeWord('TREAT'),
    resourceTypes: OBSERVATIONS.map(codeWord),
    dataFrom: 0n,
    dataUntil: 0n,
    validFrom: 0n,
    validUntil: 0n,
    permit: true,
    policyHash: hexlify(randomBytes(32)),
    receiptHash: hexlify(randomBytes(32)),
    supersedes: ZeroHash,
    ...overrides,
  };
}

async function nonceOf(address: string): Promise<bigint> {
  return ledger.getFunction('nonces')(address) as Promise<bigint>;
}

async function signedGive(key: Wallet, consentTerms: ReturnType<typeof terms>, deadlineIn = 600) {
  const nonce = await nonceOf(key.address);
  const deadline = BigInt((await now()) + deadlineIn);
  const signature = await key.signTypedData(consentDomain(chainId, ledgerAddress), consentTypesOf('GiveConsent'), {
    ...consentTerms,
    nonce,
    deadline,
  });
  return { args: [consentTerms, nonce, deadline, signature] as const };
}

async function give(relayer: Wallet, key: Wallet, consentTerms: ReturnType<typeof terms>) {
  const { args } = await signedGive(key, consentTerms);
  const receipt = await send(ledger, relayer, 'giveConsent', ...args);
  const given = receipt.logs.map((log) => ledger.interface.parseLog(log)).find((l) => l?.name === 'ConsentGiven');
  return given?.args.id as string;
}

async function refusal(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return decodeConsentRevert(error)?.name;
  }
  return undefined;
}

async function patient() {
  const wallet = chain.newWallet();
  const towardA = await pairwiseIdentity(wallet, chainId, ledgerAddress, hospitalA.address);
  const towardB = await pairwiseIdentity(wallet, chainId, ledgerAddress, hospitalB.address);
  return { wallet, towardA, towardB };
}

describe('the patient’s pairwise identities', () => {
  it('are made again the same from the same key, and share nothing between two hospitals', async () => {
    const { wallet, towardA, towardB } = await patient();
    const again = await pairwiseIdentity(wallet, chainId, ledgerAddress, hospitalA.address);
    expect(again.subject).toBe(towardA.subject);
    expect(again.key.address).toBe(towardA.key.address);
    expect(towardB.subject).not.toBe(towardA.subject);
    expect(towardB.key.address).not.toBe(towardA.key.address);
    expect(towardA.did).toBe(`did:ethr:0x${chainId.toString(16)}:${wallet.address}`);
    expect([towardA.subject, towardA.key.address]).not.toContain(wallet.address);
  });
});

describe('consents', () => {
  it('permit the grantee for the purpose and resource types given, and deny anyone else', async () => {
    const { towardA, towardB } = await patient();
    const id = await give(hospitalA, towardA.key, terms(towardA, hospitalA.address));
    const query = { subject: towardA.subject, grantee: hospitalA.address, purpose: 'TREAT' };
    expect(await checkConsent(ledger, { ...query, resourceType: 'Observation' })).toEqual({
      decision: 'permit',
      consentId: id,
    });
    expect((await checkConsent(ledger, { ...query, resourceType: 'Condition' })).decision).toBe('deny');
    expect((await checkConsent(ledger, { ...query, purpose: 'HRESCH', resourceType: 'Observation' })).decision).toBe(
      'deny',
    );
    const forB = {
      subject: towardB.subject,
      grantee: hospitalB.address,
      purpose: 'TREAT',
      resourceType: 'Observation',
    };
    expect((await checkConsent(ledger, forB)).decision).toBe('deny');
    expect(
      (await checkConsent(ledger, { ...query, grantee: hospitalB.address, resourceType: 'Observation' })).decision,
    ).toBe('deny');

    const record = await readConsent(ledger, id);
    expect(record).toMatchObject({
      subject: towardA.subject,
      grantee: hospitalA.address,
      controller: towardA.key.address,
      purpose: 'TREAT',
      resourceTypes: OBSERVATIONS,
      decision: 'permit',
      status: 'active',
    });
  });

  it('deny from the block after the patient withdraws', async () => {
    const { towardA } = await patient();
    const id = await give(hospitalA, towardA.key, terms(towardA, hospitalA.address));
    const query = {
      subject: towardA.subject,
      grantee: hospitalA.address,
      purpose: 'TREAT',
      resourceType: 'Observation',
    };
    const nonce = await nonceOf(towardA.key.address);
    const deadline = BigInt((await now()) + 600);
    const signature = await towardA.key.signTypedData(
      consentDomain(chainId, ledgerAddress),
      consentTypesOf('WithdrawConsent'),
      { consentId: id, nonce, deadline },
    );
    const receipt = await send(ledger, hospitalB, 'withdrawConsent', id, nonce, deadline, signature);
    expect((await checkConsent(ledger, query, receipt.blockNumber - 1)).decision).toBe('permit');
    expect((await checkConsent(ledger, query, receipt.blockNumber)).decision).toBe('deny');
    expect((await readConsent(ledger, id)).status).toBe('withdrawn');
  });

  it('let a deny win over a permit, and a block deny everything until it is lifted', async () => {
    const { towardA } = await patient();
    const query = {
      subject: towardA.subject,
      grantee: hospitalA.address,
      purpose: 'TREAT',
      resourceType: 'Observation',
    };
    await give(hospitalA, towardA.key, terms(towardA, hospitalA.address));
    const deny = await give(
      hospitalA,
      towardA.key,
      terms(towardA, hospitalA.address, { permit: false, resourceTypes: [codeWord('Observation')] }),
    );
    expect(await checkConsent(ledger, query)).toEqual({ decision: 'deny', consentId: deny });
    expect((await checkConsent(ledger, { ...query, resourceType: 'MedicationStatement' })).decision).toBe('permit');

    const setBlock = async (blocked: boolean) => {
      const nonce = await nonceOf(towardA.key.address);
      const deadline = BigInt((await now()) + 600);
      const message = { subject: towardA.subject, grantee: hospitalA.address, blocked, nonce, deadline };
      const signature = await towardA.key.signTypedData(
        consentDomain(chainId, ledgerAddress),
        consentTypesOf('SetBlock'),
        message,
      );
      await send(
        ledger,
        hospitalA,
        'setBlock',
        towardA.subject,
        hospitalA.address,
        blocked,
        nonce,
        deadline,
        signature,
      );
    };
    await setBlock(true);
    expect(await checkConsent(ledger, { ...query, resourceType: 'MedicationStatement' })).toEqual({
      decision: 'deny',
      consentId: undefined,
    });
    await setBlock(false);
    expect((await checkConsent(ledger, { ...query, resourceType: 'MedicationStatement' })).decision).toBe('permit');
  });

  it('let a new consent supersede an older one', async () => {
    const { towardA } = await patient();
    const first = await give(hospitalA, towardA.key, terms(towardA, hospitalA.address));
    const second = await give(
      hospitalA,
      towardA.key,
      terms(towardA, hospitalA.address, { resourceTypes: [codeWord('Immunization')], supersedes: first }),
    );
    expect((await readConsent(ledger, first)).status).toBe('superseded');
    expect((await readConsent(ledger, second)).supersedes).toBe(first);
    const query = { subject: towardA.subject, grantee: hospitalA.address, purpose: 'TREAT' };
    expect((await checkConsent(ledger, { ...query, resourceType: 'Observation' })).decision).toBe('deny');
    expect((await checkConsent(ledger, { ...query, resourceType: 'Immunization' })).decision).toBe('permit');
  });

  it('hold validity periods', async () => {
    const { towardA } = await patient();
    const start = await now();
    await give(
      hospitalA,
      towardA.key,
      terms(towardA, hospitalA.address, { validFrom: BigInt(start + 100), validUntil: BigInt(start + 200) }),
    );
    const query = {
      subject: towardA.subject,
      grantee: hospitalA.address,
      purpose: 'TREAT',
      resourceType: 'Observation',
    };
    expect((await checkConsent(ledger, query)).decision).toBe('deny');
    await chain.advanceTime(150);
    expect((await checkConsent(ledger, query)).decision).toBe('permit');
    await chain.advanceTime(100);
    expect((await checkConsent(ledger, query)).decision).toBe('deny');
  });
});

describe('signatures that do not count', () => {
  it('refuses a replayed signature, an expired one and a forged one, and changes nothing', async () => {
    const { towardA } = await patient();
    const consentTerms = terms(towardA, hospitalA.address);
    const { args } = await signedGive(towardA.key, consentTerms);
    await send(ledger, hospitalA, 'giveConsent', ...args);
    const count = async () =>
      ((await ledger.getFunction('consentsOf')(towardA.subject, hospitalA.address)) as []).length;
    expect(await count()).toBe(1);

    expect(await refusal(send(ledger, hospitalB, 'giveConsent', ...args))).toBe('InvalidNonce');

    const expired = await signedGive(towardA.key, consentTerms, -1);
    expect(await refusal(send(ledger, hospitalA, 'giveConsent', ...expired.args))).toBe('SignatureExpired');

    // Someone who learnt the pseudonym (the hospital, a node operator) cannot act under it with a key of their own.
    const forger = chain.newWallet();
    const forged = await signedGive(forger, { ...consentTerms, patientKey: forger.address });
    expect(await refusal(send(ledger, hospitalA, 'giveConsent', ...forged.args))).toBe('InvalidTerms');
    const signedByForger = await signedGive(forger, consentTerms);
    expect(await refusal(send(ledger, hospitalA, 'giveConsent', ...signedByForger.args))).toBe('WrongSigner');

    // A signature over other terms does not fit these terms.
    const { args: signedOther } = await signedGive(towardA.key, terms(towardA, hospitalA.address));
    const tampered = [{ ...consentTerms, permit: true, purpose: codeWord('HRESCH') }, ...signedOther.slice(1)] as const;
    expect(await refusal(send(ledger, hospitalA, 'giveConsent', ...tampered))).toBe('WrongSigner');
    expect(await count()).toBe(1);
  });

  it('takes relays from consortium members only', async () => {
    const { towardA } = await patient();
    const { args } = await signedGive(towardA.key, terms(towardA, hospitalA.address));
    expect(await refusal(send(ledger, outsider, 'giveConsent', ...args))).toBe('NotAMember');
  });

  it('signs exactly the types the contract hashes', () => {
    expect(CONSENT_TYPES.GiveConsent.map((f) => f.name)).toEqual([
      'subject',
      'patientKey',
      'didCommitment',
      'grantee',
      'purpose',
      'resourceTypes',
      'dataFrom',
      'dataUntil',
      'validFrom',
      'validUntil',
      'permit',
      'policyHash',
      'receiptHash',
      'supersedes',
      'nonce',
      'deadline',
    ]);
  });
});

describe('the access log', () => {
  it('logs a permitted access, refuses one without consent, and logs an emergency access as such', async () => {
    const { towardA } = await patient();
    const id = await give(hospitalA, towardA.key, terms(towardA, hospitalA.address));
    const logged = await send(
      ledger,
      hospitalA,
      'logAccess',
      towardA.subject,
      codeWord('TREAT'),
      codeWord('Observation'),
      false,
    );
    const access = ledger.interface.parseLog(logged.logs[0] as never);
    expect(access?.name).toBe('AccessLogged');
    expect(access?.args.consentId).toBe(id);
    expect(access?.args.emergency).toBe(false);

    expect(
      await refusal(
        send(ledger, hospitalB, 'logAccess', towardA.subject, codeWord('TREAT'), codeWord('Observation'), false),
      ),
    ).toBe('NotPermitted');
    const emergency = await send(
      ledger,
      hospitalB,
      'logAccess',
      towardA.subject,
      codeWord('ETREAT'),
      codeWord('AllergyIntolerance'),
      true,
    );
    const record = ledger.interface.parseLog(emergency.logs[0] as never);
    expect(record?.args.emergency).toBe(true);
    expect(record?.args.consentId).toBe(ZeroHash);
    expect(record?.args.grantee).toBe(hospitalB.address);
    expect(
      await refusal(
        send(ledger, outsider, 'logAccess', towardA.subject, codeWord('ETREAT'), codeWord('Observation'), true),
      ),
    ).toBe('NotAMember');
  });
});

describe('where to find accesses', () => {
  it('keeps, per pseudonym and per grantee, the blocks with accesses and the counts by purpose', async () => {
    const { towardA } = await patient();
    await give(hospitalA, towardA.key, terms(towardA, hospitalA.address));
    const countsBefore = {
      treat: (await ledger.getFunction('accessCounts')(hospitalB.address, codeWord('TREAT'))) as bigint,
      etreat: (await ledger.getFunction('accessCounts')(hospitalB.address, codeWord('ETREAT'))) as bigint,
      emergency: (await ledger.getFunction('emergencyAccessCounts')(hospitalB.address)) as bigint,
    };
    const first = await send(
      ledger,
      hospitalA,
      'logAccess',
      towardA.subject,
      codeWord('TREAT'),
      codeWord('Observation'),
      false,
    );
    const second = await send(
      ledger,
      hospitalB,
      'logAccess',
      towardA.subject,
      codeWord('ETREAT'),
      codeWord('Observation'),
      true,
    );
    const [blocks, total] = (await ledger.getFunction('accessBlocksOfSubject')(towardA.subject, 0, 10)) as [
      bigint[],
      bigint,
    ];
    expect(total).toBe(2n);
    expect(blocks.map(Number)).toEqual([first.blockNumber, second.blockNumber]);
    const [tail] = (await ledger.getFunction('accessBlocksOfSubject')(towardA.subject, 1, 10)) as [bigint[]];
    expect(tail.map(Number)).toEqual([second.blockNumber]);
    const [granteeBlocks] = (await ledger.getFunction('accessBlocksOfGrantee')(hospitalB.address, 0, 1000)) as [
      bigint[],
    ];
    expect(granteeBlocks.map(Number)).toContain(second.blockNumber);
    expect(await ledger.getFunction('accessCounts')(hospitalB.address, codeWord('ETREAT'))).toBe(
      countsBefore.etreat + 1n,
    );
    expect(await ledger.getFunction('accessCounts')(hospitalB.address, codeWord('TREAT'))).toBe(countsBefore.treat);
    expect(await ledger.getFunction('emergencyAccessCounts')(hospitalB.address)).toBe(countsBefore.emergency + 1n);
    const logs = await chain.provider.getLogs({
      address: ledgerAddress,
      topics: [ledger.interface.getEvent('AccessLogged')?.topicHash ?? null, towardA.subject],
      fromBlock: second.blockNumber,
      toBlock: second.blockNumber,
    });
    expect(logs).toHaveLength(1);
  });
});
