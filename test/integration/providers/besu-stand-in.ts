/**
 * A stand-in `besu` executable for the Besu runtime's tests, because Besu cannot be installed on the machines
 * they run on. Like Besu it takes `--config-file=<path>`, reads the TOML (rpc-http-port, p2p-port, genesis-file,
 * data-path, static-nodes-file) and the chain id from the genesis, keeps a node id in its data path across
 * restarts, serves JSON-RPC on 127.0.0.1 and exits on SIGTERM. It proves the provider's process handling, not
 * consensus: it produces no blocks and opens no P2P socket.
 */
import { chmod, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const smolToml = pathToFileURL(createRequire(import.meta.url).resolve('smol-toml')).href;

const SCRIPT = `#!/usr/bin/env node
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { createServer } = require('node:http');
const { randomBytes } = require('node:crypto');
const { dirname, join, resolve } = require('node:path');

(async () => {
  const { parse } = await import(${JSON.stringify(smolToml)});
  const argument = process.argv.find((arg) => arg.startsWith('--config-file='));
  if (!argument) {
    console.error('Missing required option: --config-file');
    process.exit(2);
  }
  const configPath = argument.slice('--config-file='.length);
  const base = dirname(configPath);
  const config = parse(readFileSync(configPath, 'utf8'));
  const genesis = JSON.parse(readFileSync(resolve(base, config['genesis-file']), 'utf8'));
  const dataPath = resolve(base, config['data-path']);
  mkdirSync(dataPath, { recursive: true });
  const idPath = join(dataPath, 'stand-in-node-id');
  if (!existsSync(idPath)) writeFileSync(idPath, randomBytes(64).toString('hex'));
  const nodeId = readFileSync(idPath, 'utf8').trim();
  const staticNodes = JSON.parse(readFileSync(resolve(base, config['static-nodes-file']), 'utf8'));
  const p2pPort = config['p2p-port'];
  const enode = 'enode://' + nodeId + '@127.0.0.1:' + p2pPort + '?discport=' + p2pPort;
  const answers = {
    eth_chainId: () => '0x' + genesis.config.chainId.toString(16),
    eth_blockNumber: () => '0x0',
    net_peerCount: () => '0x' + staticNodes.length.toString(16),
    web3_clientVersion: () => 'besu-stand-in/v0',
    admin_nodeInfo: () => ({
      enode,
      id: nodeId,
      ip: '127.0.0.1',
      listenAddr: '127.0.0.1:' + p2pPort,
      name: 'besu-stand-in/v0',
      ports: { discovery: p2pPort, listener: p2pPort },
      protocols: {},
    }),
  };
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      let call;
      try {
        call = JSON.parse(body);
      } catch {
        response.writeHead(400).end();
        return;
      }
      const answer = answers[call.method];
      const reply = answer
        ? { jsonrpc: '2.0', id: call.id, result: answer() }
        : { jsonrpc: '2.0', id: call.id, error: { code: -32601, message: 'Method not found' } };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
    });
  });
  server.on('error', (error) => {
    console.error('Port(s) already in use: ' + error.message);
    process.exit(1);
  });
  server.listen(config['rpc-http-port'], '127.0.0.1', () => console.log('stand-in besu serving'));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
})();
`;

/** Writes the stand-in as an executable file named `besu` in `dir` and returns its path. */
export async function writeBesuStandIn(dir: string): Promise<string> {
  const path = join(dir, 'besu');
  await writeFile(path, SCRIPT);
  await chmod(path, 0o755);
  return path;
}
