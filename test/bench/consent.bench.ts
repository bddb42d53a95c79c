/**
 * Consent checks and the gas of the consent ledger, on the local runtime (what `npm start` runs: real dynalite,
 * real anvil, the local vault) in this process. Two hospitals join the consortium, a patient (an ethers wallet)
 * gives hospital A a consent, then:
 * - consent checks per second through the HTTP API with A's API key, side by side in one run: the same question
 *   again and again (answered from the cache of the block) and a new question every time (each one reads the
 *   ledger on the node);
 * - the gas of give, withdraw, block and log-access, read from the receipts of what the API relayed and sent.
 * Run: node --import tsx test/bench/consent.bench.ts [seconds per measurement] [concurrency]
 * (or `npm run bench -- consent`).
 */
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hexlify, JsonRpcProvider, randomBytes, Wallet } from 'ethers';
import { consentDomain, consentTypesOf } from '../../shared/domain/consent.ts';
import { type ConsentEnv, startConsentEnv } from '../support/consent-fixture.ts';
import { type Measurement as LoadFigures, timedLoad } from './gateway-load.ts';

interface Measurement extends LoadFigures {
  /** Answers that said they came from the cache. */
  readonly cachedShare: number;
}

export interface ConsentBenchFigures {
  readonly seconds: number;
  readonly concurrency: number;
  readonly cached: Measurement;
  readonly uncached: Measurement;
  /** A plain read with the same API key (the network): what any authenticated, metered call costs here. */
  readonly baseline: Measurement;
  /** The machine's 1-minute load average when the run ended, and its cores. */
  readonly load: { readonly average: number; readonly cores: number };
  /** Cached throughput over uncached throughput. */
  readonly cacheRatio: number;
  readonly gas: Record<'give' | 'withdraw' | 'block' | 'logAccess' | 'emergencyAccess', number>;
}

export async function run(seconds = 3, concurrency = 16): Promise<ConsentBenchFigures> {
  const c = await startConsentEnv();
  const rpc = new JsonRpcProvider(`${c.env.runtime.url}/rpc/${c.a.nodeId}/${c.a.apiKey}`, c.network.chainId, {
    staticNetwork: true,
    cacheTimeout: -1,
  });
  try {
    const patient = Wallet.createRandom();
    const towardA = await c.identity(patient, c.a);
    const gasOf = async (hash: string) => Number((await rpc.getTransactionReceipt(hash))?.gasUsed ?? 0);
    const consents = `/v1/networks/${c.network.id}/consents`;

    const given = await c.ok(
      c.call('POST', consents, {
        token: c.a.token,
        body: { keyId: c.a.key.id, ...(await c.signedGive(towardA, c.terms(towardA), { nonce: 0 })) },
      }),
      201,
    );
    const accesses = `/v1/orgs/${c.a.orgId}/networks/${c.network.id}/accesses`;
    const access = (emergency: boolean) =>
      c.ok(
        c.call('POST', accesses, {
          token: c.a.token,
          body: {
            keyId: c.a.key.id,
            subject: towardA.subject,
            purpose: emergency ? 'ETREAT' : 'TREAT',
            resourceType: emergency ? 'AllergyIntolerance' : 'Observation',
            ...(emergency ? { emergency: true } : {}),
          },
        }),
        201,
      );
    const logged = await access(false);

    const question = (subject: string) =>
      `${consents}/check?${new URLSearchParams({ subject, grantee: c.a.key.address, purpose: 'TREAT', resourceType: 'Observation' })}`;
    const cached = await measure(c, () => question(towardA.subject), seconds, concurrency);
    const uncached = await measure(c, () => question(hexlify(randomBytes(32))), seconds, concurrency);
    const baseline = await measure(c, () => `/v1/networks/${c.network.id}`, seconds, concurrency);

    const withdrawn = await c.ok(
      c.call('POST', `${consents}/${given.consent.id}/withdrawal`, {
        token: c.a.token,
        body: { keyId: c.a.key.id, ...(await c.signedWithdrawal(towardA, given.consent.id, 1)) },
      }),
      200,
    );
    const blocked = await c.ok(
      c.call('POST', `${consents}/blocks`, { token: c.a.token, body: { keyId: c.a.key.id, ...(await block(c)) } }),
      200,
    );
    const emergency = await access(true);

    const figures: ConsentBenchFigures = {
      seconds,
      concurrency,
      cached,
      uncached,
      baseline,
      load: { average: Math.round((loadavg()[0] ?? 0) * 100) / 100, cores: cpus().length },
      cacheRatio: Math.round((cached.perSecond / Math.max(1, uncached.perSecond)) * 100) / 100,
      gas: {
        give: await gasOf(given.transactionHash),
        withdraw: await gasOf(withdrawn.transactionHash),
        block: await gasOf(blocked.transactionHash),
        logAccess: await gasOf(logged.transactionHash),
        emergencyAccess: await gasOf(emergency.transactionHash),
      },
    };
    print(figures);
    return figures;

    /** A block (spärr) of A by the same patient, signed with the pairwise key. */
    async function block(env: ConsentEnv) {
      const deadline = (await env.chainTime()) + 600;
      const message = { subject: towardA.subject, grantee: env.a.key.address, blocked: true };
      const signature = await towardA.key.signTypedData(
        consentDomain(env.network.chainId, env.network.consentLedgerAddress),
        consentTypesOf('SetBlock'),
        { ...message, nonce: 2, deadline },
      );
      return { ...message, nonce: 2, deadline, signature };
    }
  } finally {
    rpc.destroy();
    await c.close();
  }
}

async function measure(c: ConsentEnv, path: () => string, seconds: number, concurrency: number): Promise<Measurement> {
  // Warm up (connections, look-ups, the first read of the block) before timing.
  await load(c, path, 0.5, concurrency);
  return load(c, path, seconds, concurrency);
}

async function load(c: ConsentEnv, path: () => string, seconds: number, concurrency: number): Promise<Measurement> {
  let cachedAnswers = 0;
  const figures = await timedLoad(seconds, concurrency, async () => {
    const res = await c.call('GET', path(), { apiKey: c.a.apiKey });
    if (res.json?.cached) cachedAnswers++;
    return res.status === 200;
  });
  return { ...figures, cachedShare: Math.round((cachedAnswers / Math.max(1, figures.requests)) * 100) / 100 };
}

function print(f: ConsentBenchFigures): void {
  const row = (name: string, m: Measurement) =>
    `  ${name.padEnd(26)} ${String(m.perSecond).padStart(6)} checks/s   p50 ${m.p50Ms.toFixed(2).padStart(6)} ms   p99 ${m.p99Ms
      .toFixed(2)
      .padStart(6)} ms   (${m.requests} requests, ${m.errors} errors, ${Math.round(m.cachedShare * 100)}% from cache)`;
  process.stdout.write(
    [
      `Consent checks through the API (local runtime, anvil), ${f.seconds} s per measurement, ${f.concurrency} concurrent`,
      row('same question (cached)', f.cached),
      row('new question each time', f.uncached),
      row('plain API read (baseline)', f.baseline),
      `  cached/uncached: throughput ×${f.cacheRatio}; machine load ${f.load.average} on ${f.load.cores} cores`,
      'Gas per action (relayed or sent by the member key):',
      `  give consent     ${String(f.gas.give).padStart(8)}`,
      `  withdraw consent ${String(f.gas.withdraw).padStart(8)}`,
      `  set block        ${String(f.gas.block).padStart(8)}`,
      `  log access       ${String(f.gas.logAccess).padStart(8)}`,
      `  emergency access ${String(f.gas.emergencyAccess).padStart(8)}`,
      '',
    ].join('\n'),
  );
}

const entry = process.argv[1] ? pathToFileURL(resolve(process.argv[1])).href : '';
if (entry === import.meta.url) {
  await run(Number(process.argv[2] ?? 3), Number(process.argv[3] ?? 16));
  process.exit(0);
}
