/**
 * Throttling goes through the real SDK retry strategy: a real EC2Client talks to a local HTTP endpoint that answers
 * like EC2 (query protocol, XML), first with RequestLimitExceeded and then with the instance.
 * (aws-sdk-client-mock replaces `send` and so bypasses the retry middleware; it cannot show this.)
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Ec2NodeProvider } from '../../../shared/adapters/aws/ec2-node-provider.ts';
import { ServiceUnavailableError } from '../../../shared/errors.ts';
import { aNetwork, aNode } from './node-fixtures.ts';

const INSTANCE_ID = 'i-0a1b2c3d4e5f60718';
const THROTTLED = `<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>5f7a1b2c-0000-4000-8000-000000000001</RequestID></Response>`;
const DESCRIBED = `<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>5f7a1b2c-0000-4000-8000-000000000002</requestId>
  <reservationSet>
    <item>
      <reservationId>r-0123456789abcdef0</reservationId>
      <ownerId>123456789012</ownerId>
      <groupSet/>
      <instancesSet>
        <item>
          <instanceId>${INSTANCE_ID}</instanceId>
          <imageId>ami-0f1e2d3c4b5a69788</imageId>
          <instanceState><code>16</code><name>running</name></instanceState>
          <privateIpAddress>10.0.1.23</privateIpAddress>
          <instanceType>m7g.large</instanceType>
          <launchTime>2026-03-01T11:00:05.000Z</launchTime>
          <tagSet>
            <item><key>carechain:node</key><value>NODE_ID</value></item>
          </tagSet>
        </item>
      </instancesSet>
    </item>
  </reservationSet>
</DescribeInstancesResponse>`;

let server: Server;
let endpoint: string;
let answers: Array<{ status: number; body: string }>;
const requests: string[] = [];

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

beforeAll(async () => {
  server = createServer(async (request, response) => {
    requests.push(await body(request));
    const answer = answers.shift() ?? { status: 500, body: THROTTLED };
    response.writeHead(answer.status, { 'content-type': 'text/xml;charset=UTF-8' }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  requests.length = 0;
});

function providerWith(maxAttempts: number): Ec2NodeProvider {
  const client = new EC2Client({
    region: 'eu-north-1',
    endpoint,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example-secret' },
    maxAttempts,
    retryMode: 'standard',
  });
  return new Ec2NodeProvider({ client, launchTemplate: { id: 'lt-0123456789abcdef0', version: '1' } });
}

describe('Ec2NodeProvider under EC2 throttling', () => {
  it('succeeds when EC2 throttles once, through the SDK retrying the same request', async () => {
    const network = aNetwork();
    const node = aNode(network, { runtime: 'ec2', providerRef: INSTANCE_ID });
    answers = [
      { status: 503, body: THROTTLED },
      { status: 200, body: DESCRIBED.replace('NODE_ID', node.id) },
    ];

    const description = await providerWith(3).describe(node);

    expect(description).toMatchObject({ status: 'running', rpcUrl: 'http://10.0.1.23:8545' });
    expect(requests).toHaveLength(2);
    expect(requests[1]).toBe(requests[0]);
    expect(requests[0]).toContain('Action=DescribeInstances');
    expect(requests[0]).toContain(`InstanceId.1=${INSTANCE_ID}`);
  });

  it('reports the service as unavailable when throttling outlasts the retry budget', async () => {
    const network = aNetwork();
    answers = [
      { status: 503, body: THROTTLED },
      { status: 503, body: THROTTLED },
    ];

    await expect(
      providerWith(2).describe(aNode(network, { runtime: 'ec2', providerRef: INSTANCE_ID })),
    ).rejects.toThrow(ServiceUnavailableError);
    expect(requests).toHaveLength(2);
  });
});
