/**
 * The bundling plugin that lets esbuild drop the AWS SDK shapes a function does not use (`literalSchemaKeys`):
 * the schemas it loads must be the SDK's own, shape for shape, for every client the functions bundle; the shapes
 * must then be dropped; and a bundled EC2 client must still write and read the EC2 query protocol.
 */
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { REPOSITORY_ROOT } from '../../infra/constructs/carechain-function.ts';
import { LAMBDA_ENTRY_FILE, lambdaBuildOptions, literalSchemaKeys } from '../../infra/constructs/lambda-bundling.ts';

const CLIENTS = [
  'client-ec2',
  'client-s3',
  'client-dynamodb',
  'client-kms',
  'client-sqs',
  'client-secrets-manager',
  'client-sts',
  'client-apigatewaymanagementapi',
];
const schemaModule = (client: string) =>
  path.join(REPOSITORY_ROOT, 'node_modules/@aws-sdk', client, 'dist-es/schemas/schemas_0.js');
const workDir = mkdtempSync(path.join(tmpdir(), 'carechain-sdk-schemas-'));

/**
 * Bundles `source` (resolved from the repository) into ES modules in a directory of the work directory (the entry and
 * its chunks, as a Lambda bundle) and imports the entry; `inputs` counts what every module holds.
 */
async function bundleAndImport(name: string, source: string, plugins: boolean, minify = false) {
  const outdir = path.join(workDir, name);
  const options = lambdaBuildOptions();
  const result = await build({
    ...options,
    plugins: plugins ? options.plugins : [],
    minify,
    sourcemap: false,
    metafile: true,
    outdir,
    stdin: { contents: source, resolveDir: REPOSITORY_ROOT, loader: 'ts', sourcefile: `${name}.ts` },
  });
  const inputs: Record<string, { bytesInOutput: number }> = {};
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      inputs[input] = { bytesInOutput: (inputs[input]?.bytesInOutput ?? 0) + bytesInOutput };
    }
  }
  return { module: await import(pathToFileURL(path.join(outdir, LAMBDA_ENTRY_FILE)).href), inputs };
}

/** Where two schema graphs differ: thunks are followed, classes compared by name, cycles visited once. */
function differences(a: unknown, b: unknown, at: string, seen = new Set<unknown>(), found: string[] = []): string[] {
  if (found.length > 10 || Object.is(a, b)) return found;
  if (typeof a !== typeof b) {
    found.push(`${at}: ${typeof a} against ${typeof b}`);
  } else if (typeof a === 'function') {
    const [fa, fb] = [a as () => unknown, b as () => unknown];
    if (fa.prototype === undefined && fa.length === 0) differences(fa(), fb(), `${at}()`, seen, found);
    else if (fa.name !== fb.name) found.push(`${at}: ${fa.name} against ${fb.name}`);
  } else if (a !== null && typeof a === 'object' && b !== null) {
    if (seen.has(a)) return found;
    seen.add(a);
    const [ea, eb] = [entriesOf(a), entriesOf(b as object)];
    const [ka, kb] = [ea.map(([key]) => key), eb.map(([key]) => key)];
    if (ka.join('\u0000') !== kb.join('\u0000')) found.push(`${at}: keys ${ka.join(',')} against ${kb.join(',')}`);
    else for (const [i, [key, value]] of ea.entries()) differences(value, eb[i]![1], `${at}.${key}`, seen, found);
  } else {
    found.push(`${at}: ${String(a)} against ${String(b)}`);
  }
  return found;
}
const entriesOf = (value: object): [string, unknown][] =>
  value instanceof Map ? [...value].map(([key, item]) => [String(key), item]) : Object.entries(value);

describe('literalSchemaKeys', () => {
  it("writes a computed key naming one of the module's string constants as that string", () => {
    const source = [
      'const _xN = "xmlName";',
      'const _q = "say \\"hi\\"";',
      'export var A$ = [3, n0, _A, 0, [_a], [[0, { [_xN]: _x, [_q]: `q` }]]];',
      'export var B$ = [3, { [other]: 1, [_missing]: 2 }];',
    ].join('\n');
    expect(literalSchemaKeys(source).split('\n').slice(2)).toEqual([
      'export var A$ = [3, n0, _A, 0, [_a], [[0, { "xmlName": _x, "say \\"hi\\"": `q` }]]];',
      'export var B$ = [3, { [other]: 1, [_missing]: 2 }];',
    ]);
  });

  it('leaves no key naming a constant in the EC2 schemas', async () => {
    const original = await readFile(schemaModule('client-ec2'), 'utf8');
    const rewritten = literalSchemaKeys(original);
    expect(original.match(/\[_\w+\]:/g)?.length).toBeGreaterThan(1000);
    expect(rewritten.match(/\[_\w+\]:/g)).toBeNull();
  });
});

describe.each(CLIENTS)('the %s schemas, loaded through the plugin', (client) => {
  it("are the SDK's own, shape for shape", async () => {
    const source = `export * from ${JSON.stringify(schemaModule(client))};`;
    const [original, rewritten] = await Promise.all([
      bundleAndImport(`${client}-original`, source, false),
      bundleAndImport(`${client}-rewritten`, source, true),
    ]);
    const names = Object.keys(original.module);
    expect(names.length).toBeGreaterThan(5);
    expect(Object.keys(rewritten.module)).toEqual(names);
    expect(differences(original.module, rewritten.module, client)).toEqual([]);
  }, 60_000);
});

describe('a bundle that sends one EC2 command', () => {
  const source = `import { EC2Client, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
    export function describe(endpoint) {
      const ec2 = new EC2Client({ endpoint, region: 'eu-north-1', maxAttempts: 1 });
      return ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0abc1234def567890'] }));
    }`;
  const shapeBytes = (inputs: Record<string, { bytesInOutput: number }>) =>
    inputs['node_modules/@aws-sdk/client-ec2/dist-es/schemas/schemas_0.js']?.bytesInOutput ?? 0;
  let server: Server;
  let endpoint: string;
  const bodies: string[] = [];
  const authorizations: (string | undefined)[] = [];

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      authorizations.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'text/xml;charset=UTF-8' });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">' +
          '<requestId>8f7724cf-496f-496e-8fe3-example</requestId><reservationSet><item><reservationId>r-0123456789abcdef0</reservationId>' +
          '<instancesSet><item><instanceId>i-0abc1234def567890</instanceId><instanceState><code>16</code><name>running</name></instanceState>' +
          '<privateIpAddress>10.0.1.17</privateIpAddress><tagSet><item><key>carechain:node</key><value>node_01</value></item></tagSet>' +
          '</item></instancesSet></item></reservationSet></DescribeInstancesResponse>',
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('holds a small part of the EC2 shapes, where without the plugin it holds them all', async () => {
    const [shaken, whole] = await Promise.all([
      bundleAndImport('ec2-shaken', source, true, true),
      bundleAndImport('ec2-whole', source, false, true),
    ]);
    expect(shapeBytes(whole.inputs)).toBeGreaterThan(400 * 1024);
    expect(shapeBytes(shaken.inputs)).toBeGreaterThan(0);
    expect(shapeBytes(shaken.inputs)).toBeLessThan(shapeBytes(whole.inputs) / 5);
  }, 60_000);

  it('writes the query protocol and reads the answer as the SDK does', async () => {
    // Credentials from the environment, as in Lambda: the SDK's default chain loads its sources with import(), from
    // chunks of the bundle.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAEXAMPLEBUNDLE01');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'bundle-test-secret');
    const { module } = await bundleAndImport('ec2-call', source, true, true);
    const answer = await module.describe(endpoint);
    const instance = answer.Reservations[0].Instances[0];
    expect(instance).toMatchObject({
      InstanceId: 'i-0abc1234def567890',
      State: { Code: 16, Name: 'running' },
      PrivateIpAddress: '10.0.1.17',
      Tags: [{ Key: 'carechain:node', Value: 'node_01' }],
    });
    const form = new URLSearchParams(bodies.at(-1));
    expect(form.get('Action')).toBe('DescribeInstances');
    expect(form.get('InstanceId.1')).toBe('i-0abc1234def567890');
    expect(authorizations.at(-1)).toMatch(/Credential=AKIAEXAMPLEBUNDLE01\//);
    vi.unstubAllEnvs();
  }, 60_000);
});
