/**
 * Signatures through the API: sequential `POST …/keys/{keyId}/sign-message` requests per second against the local
 * server (session auth, role check, vault signature, audit entry, metering — all of it), beside what the vault
 * alone does, so the API's own share of a signature is visible.
 * Run: node --import tsx test/bench/api-signing.bench.ts [requests]
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Agent, request } from 'undici';
import { startInProcessRuntime } from '../support/in-process-runtime.ts';

export interface ApiSigningFigures {
  readonly requests: number;
  readonly apiSignaturesPerSecond: number;
  readonly apiMillisPerSignature: number;
  readonly vaultSignaturesPerSecond: number;
}

export async function run(requests = 500): Promise<ApiSigningFigures> {
  const env = await startInProcessRuntime({ CARECHAIN_LOG_LEVEL: 'silent' });
  const agent = new Agent({ connections: 1 });
  try {
    const { token, orgId } = await env.user('Bench Hospital');
    const key = await env.call('POST', `/v1/orgs/${orgId}/keys`, { token, body: { alias: 'bench' } });
    const keyId = key.json.id as string;
    const url = `${env.runtime.url}/v1/orgs/${orgId}/keys/${keyId}/sign-message`;
    const send = async (i: number) => {
      const res = await request(url, {
        method: 'POST',
        dispatcher: agent,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ message: `consent receipt ${i}` }),
      });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`sign-message answered ${res.statusCode}`);
    };
    for (let i = 0; i < 20; i++) await send(i);
    let started = performance.now();
    for (let i = 0; i < requests; i++) await send(i);
    const apiSeconds = (performance.now() - started) / 1000;

    const vault = env.runtime.deps.vault;
    const record = await env.runtime.deps.stores.signingKeys.get(orgId, keyId);
    const digest = new Uint8Array(32).fill(7);
    started = performance.now();
    for (let i = 0; i < requests; i++) await vault.sign(record?.keyRef as string, digest);
    const vaultSeconds = (performance.now() - started) / 1000;

    const figures = {
      requests,
      apiSignaturesPerSecond: Math.round(requests / apiSeconds),
      apiMillisPerSignature: Math.round((apiSeconds / requests) * 1000 * 100) / 100,
      vaultSignaturesPerSecond: Math.round(requests / vaultSeconds),
    };
    process.stdout.write(
      [
        `sign-message through the API, sequential: ${figures.apiSignaturesPerSecond}/s (${figures.apiMillisPerSignature} ms each)`,
        `the vault alone: ${figures.vaultSignaturesPerSecond}/s`,
        '',
      ].join('\n'),
    );
    return figures;
  } finally {
    await agent.close();
    await env.close();
  }
}

if (import.meta.url === pathToFileURL(resolve(process.argv[1] ?? '')).href) {
  await run(Number(process.argv[2] ?? 500));
}
