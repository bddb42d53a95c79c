/**
 * A stand-in `besu` executable for the Besu runtime's tests, because Besu cannot be installed on the machines
 * they run on. It models the parts of Besu that a local QBFT network depends on, so that tests fail when the
 * control plane gets them wrong:
 * - Options: `--config-file=<path>` and the TOML keys genesis-file, data-path, node-private-key-file, network-id,
 *   p2p-port, p2p-host, bootnodes, static-nodes-file, rpc-http-enabled, rpc-http-port, rpc-http-api; relative
 *   paths are taken from the working directory, as Besu takes them.
 * - The node key: `<data-path>/key` (or node-private-key-file), made on first start as `0x` + 64 hex characters
 *   (mode 0600) and used as found afterwards; a file that holds no secp256k1 key stops the start. The enode's node
 *   id is the uncompressed public key without its 0x04 prefix, the node address the last 20 bytes of its Keccak-256.
 * - Validators: the genesis's (QBFT and IBFT 2.0: element 1 of the RLP extraData; Clique: between the 32-byte
 *   vanity and the 65-byte seal). Only a node whose address is one of them seals, and only while it reaches a
 *   quorum of them (itself and the validators among its peers): ceil(2n/3) for QBFT and IBFT 2.0, as Besu's BFT
 *   quorum, and a majority for Clique (a signer may seal one block in any floor(n/2)+1). Then its height grows by
 *   one every `blockperiodseconds`. The head (height, timestamp, round, proposer) is kept in
 *   `<data-path>/stand-in-height`, so a restart, or a node restored from a copy of the data path, resumes it.
 * - Round changes and the stall Besu users report (besu#7642, besu-docs#611): a validator that has sealed with a
 *   quorum once since it started and then misses one at a block period moves to the next round; after
 *   STALL_ROUNDS round changes in a row its round timer no longer meets the others' and it stops taking part,
 *   while it still answers and follows, until it is restarted. So a network that lost its quorum for a while stays
 *   stalled when the missing validators come back, and restarting its validators together (fresh round timers)
 *   brings it back, as restarting them one by one does not. This models the failure and its remedy, not QBFT.
 * - The version: `web3_clientVersion` answers `besu/v<version>/…` for the version the script was written with;
 *   options starting with `--X` on the command line are accepted and ignored. A node whose data path holds
 *   `stand-in-refuse-start` naming this version exits 1 at start (an injected failure for upgrade tests).
 * - Peers, over a one-line JSON protocol on 127.0.0.1:<p2p-port> instead of devp2p: the node dials the loopback
 *   enodes of its static nodes and bootnodes every 250 ms. Each side sends `{"nodeId", "chainId", "networkId",
 *   "genesis", "height", …}` ("genesis" is a digest of the genesis file's JSON, not the genesis block's hash);
 *   the dialler also names the node id it expects, so, as with RLPx, a wrong node id in an enode connects neither
 *   side, and a different chain, network id or genesis connects neither. A node seen within 1.5 s is a peer
 *   (either direction), and a node follows the highest height among its peers. Nothing is signed: a node id
 *   claimed on this socket is believed.
 * - JSON-RPC over HTTP on 127.0.0.1 when rpc-http-enabled is true (single calls and batches), only for the APIs
 *   named in rpc-http-api ("Method not enabled" otherwise): eth_chainId, eth_blockNumber, eth_syncing (always false), eth_coinbase, net_peerCount,
 *   web3_clientVersion, admin_nodeInfo, admin_peers, eth_getBlockByNumber (number, hash, timestamp, miner and
 *   the QBFT extraData with the round the block was sealed in; blocks below the head get timestamps one block
 *   period apart), qbft_getSignerMetrics (Besu's shape: address, proposedBlockCount, lastProposedBlockNumber, for
 *   the blocks this node sealed or saw as a peer's head), and the genesis validators through
 *   qbft_getValidatorsByBlockNumber, ibft_getValidatorsByBlockNumber or clique_getSigners.
 * - "Port(s) already in use" and exit code 1 when the RPC or P2P port is taken; exit code 0 on SIGTERM.
 * Not modelled: devp2p and discovery, QBFT proposers and round-change messages (every validator with a quorum seals,
 * and all follow the highest height), validator votes, blocks' contents and transactions.
 */
import { chmod, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const resolveModule = createRequire(import.meta.url).resolve;
const smolToml = pathToFileURL(resolveModule('smol-toml')).href;
// The script is CommonJS: ethers is required by the path of its CommonJS build.
const ethers = resolveModule('ethers');

const SCRIPT = String.raw`#!/usr/bin/env node
'use strict';
const { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { createServer } = require('node:http');
const net = require('node:net');
const { randomBytes } = require('node:crypto');
const { join, resolve } = require('node:path');

const NAME = 'besu-stand-in/v0';
const VERSION = __VERSION__;
const STALL_ROUNDS = 5;
const DIAL_INTERVAL_MS = 250;
const PEER_TTL_MS = 1500;
const SOCKET_TIMEOUT_MS = 1000;
const NODE_ID = /^[0-9a-f]{128}$/;
const ENODE = /^enode:\/\/([0-9a-fA-F]{128})@([^:\/?\[\]]+|\[[0-9a-fA-F:.]+\]):(\d{1,5})(?:\?discport=(\d{1,5}))?$/;

function fail(message) {
  console.error(message);
  process.exit(1);
}

function hex(n) {
  return '0x' + n.toString(16);
}

function canonicalJson(value) {
  if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']';
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return '{' + keys.map((key) => JSON.stringify(key) + ':' + canonicalJson(value[key])).join(',') + '}';
  }
  return JSON.stringify(value);
}

function writeAtomic(path, content, mode) {
  const aside = path + '.' + process.pid + '.tmp';
  writeFileSync(aside, content, mode === undefined ? undefined : { mode });
  renameSync(aside, path);
}

(async () => {
  const { parse } = await import(${JSON.stringify(smolToml)});
  const { SigningKey, dataSlice, decodeRlp, encodeRlp, getBytes, hexlify, keccak256, toBeArray, toUtf8Bytes, zeroPadValue } =
    require(${JSON.stringify(ethers)});

  const unknown = process.argv.slice(2).find((arg) => !arg.startsWith('--config-file=') && !arg.startsWith('--X'));
  if (unknown) {
    console.error('Unknown option: ' + unknown);
    process.exit(2);
  }
  const argument = process.argv.find((arg) => arg.startsWith('--config-file='));
  if (!argument) {
    console.error('Missing required option: --config-file');
    process.exit(2);
  }
  const configPath = resolve(argument.slice('--config-file='.length));
  let config;
  try {
    config = parse(readFileSync(configPath, 'utf8'));
  } catch (error) {
    fail('Unable to read TOML configuration file ' + configPath + ': ' + error.message);
  }

  // Genesis: chain id, validators and block period.
  let genesis;
  try {
    genesis = JSON.parse(readFileSync(resolve(config['genesis-file']), 'utf8'));
  } catch (error) {
    fail('Unable to load genesis file ' + config['genesis-file'] + ': ' + error.message);
  }
  const chainConfig = genesis.config || {};
  const chainId = chainConfig.chainId;
  if (!Number.isSafeInteger(chainId) || chainId < 1) fail('Genesis config has no valid chainId');
  const networkId = config['network-id'] === undefined ? chainId : Number(config['network-id']);
  const genesisDigest = keccak256(toUtf8Bytes(canonicalJson(genesis)));
  const consensus = chainConfig.qbft ? 'qbft' : chainConfig.ibft2 ? 'ibft2' : chainConfig.clique ? 'clique' : undefined;
  if (!consensus) fail('Genesis config names no consensus protocol (qbft, ibft2 or clique)');
  const period = Number(chainConfig[consensus].blockperiodseconds ?? 2);
  if (!(period > 0)) fail('blockperiodseconds must be positive');
  let validators;
  try {
    validators = genesisValidators(consensus, genesis.extraData);
  } catch (error) {
    fail('Invalid extraData in genesis: ' + error.message);
  }

  function genesisValidators(protocol, extraData) {
    if (protocol === 'clique') {
      const bytes = getBytes(extraData);
      const signers = bytes.length - 32 - 65;
      if (signers < 0 || signers % 20 !== 0) throw new Error('not vanity + 20-byte signers + seal');
      const list = [];
      for (let at = 32; at < 32 + signers; at += 20) list.push(hexlify(bytes.slice(at, at + 20)));
      return list;
    }
    const decoded = decodeRlp(extraData);
    if (!Array.isArray(decoded) || !Array.isArray(decoded[1])) throw new Error('element 1 is not a list');
    return decoded[1].map((address) => {
      if (typeof address !== 'string' || getBytes(address).length !== 20) throw new Error('a validator is not 20 bytes');
      return address.toLowerCase();
    });
  }

  // Node key, made like Besu makes it when the data path has none.
  const dataPath = resolve(config['data-path'] ?? '.');
  mkdirSync(dataPath, { recursive: true });
  const refusePath = join(dataPath, 'stand-in-refuse-start');
  if (existsSync(refusePath) && readFileSync(refusePath, 'utf8').trim() === VERSION) {
    fail('Simulated start failure of Besu ' + VERSION + ' (' + refusePath + ')');
  }
  const keyPath = config['node-private-key-file'] ? resolve(config['node-private-key-file']) : join(dataPath, 'key');
  if (!existsSync(keyPath)) {
    let fresh = '0x' + randomBytes(32).toString('hex');
    while (!publicKeyOf(fresh)) fresh = '0x' + randomBytes(32).toString('hex');
    writeFileSync(keyPath, fresh, { mode: 0o600, flag: 'wx' });
  }
  const keyText = readFileSync(keyPath, 'utf8').trim();
  const keyMatch = /^(?:0x)?([0-9a-fA-F]{64})$/.exec(keyText);
  const publicKey = keyMatch ? publicKeyOf('0x' + keyMatch[1]) : undefined;
  if (!publicKey) fail('Invalid node key in ' + keyPath + ': not a secp256k1 private key');
  const nodeId = publicKey.slice(4).toLowerCase();
  const nodeAddress = dataSlice(keccak256('0x' + nodeId), 12).toLowerCase();
  const isValidator = validators.includes(nodeAddress);
  const quorum = consensus === 'clique' ? Math.floor(validators.length / 2) + 1 : Math.ceil((2 * validators.length) / 3);

  function publicKeyOf(privateKey) {
    try {
      // SigningKey checks only the length; deriving the public key rejects zero and values past the curve order.
      return new SigningKey(privateKey).publicKey;
    } catch {
      return undefined;
    }
  }

  // Peers to dial: static nodes and bootnodes, read once at start as Besu reads them.
  const staticNodesPath = resolve(config['static-nodes-file'] ?? join(dataPath, 'static-nodes.json'));
  let staticNodes = [];
  if (existsSync(staticNodesPath)) {
    const text = readFileSync(staticNodesPath, 'utf8');
    try {
      staticNodes = text.trim() === '' ? [] : JSON.parse(text);
    } catch (error) {
      fail('Static nodes file ' + staticNodesPath + ' is not JSON: ' + error.message);
    }
    if (!Array.isArray(staticNodes)) fail('Static nodes file ' + staticNodesPath + ' is not a JSON array');
  }
  const bootnodes = config.bootnodes ?? [];
  const targets = new Map();
  for (const url of [...staticNodes, ...bootnodes]) {
    const match = typeof url === 'string' ? ENODE.exec(url.trim()) : null;
    if (!match) fail('Invalid enode URL: ' + url);
    const target = { id: match[1].toLowerCase(), host: match[2].replace(/^\[|\]$/g, ''), port: Number(match[3]) };
    const loopback = /^127\./.test(target.host) || target.host === 'localhost' || target.host === '::1';
    if (loopback && target.id !== nodeId) targets.set(target.id + '@' + target.host + ':' + target.port, target);
  }

  // Head: sealed by validators, followed from peers, kept across restarts.
  const heightPath = join(dataPath, 'stand-in-height');
  let head = { height: 0, timestamp: Math.floor(Date.now() / 1000), round: 0, proposer: undefined };
  if (existsSync(heightPath)) {
    const text = readFileSync(heightPath, 'utf8').trim();
    let stored;
    try {
      stored = JSON.parse(text);
    } catch {
      stored = undefined;
    }
    if (typeof stored === 'number') stored = { height: stored };
    if (stored && Number.isSafeInteger(stored.height) && stored.height >= 0) head = { ...head, ...stored };
  }
  /** Proposed blocks per validator address, for qbft_getSignerMetrics. */
  const proposals = new Map();
  function noteProposal(address, height) {
    if (typeof address !== 'string') return;
    const known = proposals.get(address) ?? { count: 0, last: 0 };
    if (height > known.last) proposals.set(address, { count: known.count + 1, last: height });
  }
  function setHead(next) {
    if (!Number.isSafeInteger(next.height) || next.height <= head.height) return false;
    head = {
      height: next.height,
      timestamp: Number.isSafeInteger(next.timestamp) ? next.timestamp : Math.floor(Date.now() / 1000),
      round: Number.isSafeInteger(next.round) ? next.round : 0,
      proposer: typeof next.proposer === 'string' ? next.proposer : undefined,
    };
    noteProposal(head.proposer, head.height);
    writeAtomic(heightPath, JSON.stringify(head) + '\n');
    return true;
  }

  const p2pPort = config['p2p-port'] ?? 30303;
  const advertisedHost = config['p2p-host'] && !['0.0.0.0', '::'].includes(config['p2p-host']) ? config['p2p-host'] : '127.0.0.1';
  const enode = 'enode://' + nodeId + '@' + advertisedHost + ':' + p2pPort + '?discport=' + p2pPort;
  /** nodeId → { enode, height, stuck, seenAt } */
  const peers = new Map();
  const bft = { round: 0, missed: 0, joined: false, stuck: false };

  function hello(extra) {
    const state = { height: head.height, head, round: bft.round, stuck: bft.stuck };
    return JSON.stringify({ nodeId, chainId, networkId, genesis: genesisDigest, enode, ...state, ...extra }) + '\n';
  }
  function sameChain(message) {
    return message.chainId === chainId && message.networkId === networkId && message.genesis === genesisDigest;
  }
  function seen(id, peerEnode, message) {
    peers.set(id, { enode: peerEnode, height: message.height, stuck: message.stuck === true, seenAt: Date.now() });
    if (message.head && typeof message.head === 'object' && setHead(message.head)) {
      // A block came: this validator's round starts afresh.
      bft.round = 0;
      bft.missed = 0;
    }
  }
  function connectedPeers() {
    const now = Date.now();
    for (const [id, peer] of peers) if (now - peer.seenAt > PEER_TTL_MS) peers.delete(id);
    return [...peers.entries()];
  }
  /** This validator and the validators among its peers that still take part: how many of them it reaches. */
  function validatorsReached() {
    const reached = new Set([nodeAddress]);
    for (const [id, peer] of connectedPeers()) {
      const address = dataSlice(keccak256('0x' + id), 12).toLowerCase();
      if (validators.includes(address) && !peer.stuck) reached.add(address);
    }
    return reached.size;
  }
  /** Once per block period: seal with a quorum, or move to the next round (and stall after STALL_ROUNDS). */
  function consensusTick() {
    if (bft.stuck) return;
    if (validatorsReached() >= quorum) {
      bft.joined = true;
      setHead({ height: head.height + 1, timestamp: Math.floor(Date.now() / 1000), round: bft.round, proposer: nodeAddress });
      bft.round = 0;
      bft.missed = 0;
      return;
    }
    if (!bft.joined) return;
    bft.round += 1;
    bft.missed += 1;
    console.log('round change: round ' + bft.round + ' at height ' + (head.height + 1));
    if (bft.missed >= STALL_ROUNDS) {
      bft.stuck = true;
      console.log('round timer out of step after ' + bft.missed + ' round changes: no longer sealing');
    }
  }
  function readLine(socket, onLine) {
    let buffer = '';
    let done = false;
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      buffer += chunk;
      const end = buffer.indexOf('\n');
      if (done || end < 0) return;
      done = true;
      let message;
      try {
        message = JSON.parse(buffer.slice(0, end));
      } catch {
        message = undefined;
      }
      if (message && typeof message === 'object') onLine(message);
      socket.end();
    });
  }

  const p2pServer = net.createServer((socket) => {
    socket.setTimeout(SOCKET_TIMEOUT_MS, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.write(hello());
    readLine(socket, (message) => {
      // A dialler that expected another node id would fail the RLPx handshake: no peer on either side.
      if (message.to === nodeId && typeof message.nodeId === 'string' && NODE_ID.test(message.nodeId) && sameChain(message)) {
        seen(message.nodeId, String(message.enode), message);
      }
    });
  });

  function dial(target) {
    return new Promise((done) => {
      const socket = net.connect({ host: target.host, port: target.port });
      socket.setTimeout(SOCKET_TIMEOUT_MS, () => socket.destroy());
      socket.on('error', () => socket.destroy());
      socket.on('close', () => done());
      socket.on('connect', () => socket.write(hello({ to: target.id })));
      readLine(socket, (message) => {
        if (message.nodeId === target.id && sameChain(message)) {
          const url = 'enode://' + target.id + '@' + (target.host.includes(':') ? '[' + target.host + ']' : target.host) + ':' + target.port;
          seen(target.id, url, message);
        }
      });
    });
  }

  let dialling = false;
  async function dialAll() {
    if (dialling) return;
    dialling = true;
    try {
      await Promise.all([...targets.values()].map(dial));
    } finally {
      dialling = false;
    }
  }

  // JSON-RPC, only for the APIs the configuration enables.
  const enabledApis = new Set((config['rpc-http-api'] ?? ['ETH', 'NET', 'WEB3']).map((api) => String(api).toUpperCase()));
  const validatorsMethod = { qbft: 'qbft_getValidatorsByBlockNumber', ibft2: 'ibft_getValidatorsByBlockNumber', clique: 'clique_getSigners' }[consensus];
  const answers = {
    eth_chainId: () => hex(chainId),
    eth_blockNumber: () => hex(head.height),
    eth_getBlockByNumber: (params) => block(Array.isArray(params) ? params[0] : undefined),
    qbft_getSignerMetrics: () =>
      [...proposals.entries()].map(([address, p]) => ({
        address,
        proposedBlockCount: hex(p.count),
        lastProposedBlockNumber: hex(p.last),
      })),
    eth_syncing: () => false,
    eth_coinbase: () => nodeAddress,
    net_peerCount: () => hex(connectedPeers().length),
    web3_clientVersion: () => 'besu/v' + VERSION + '/linux-x86_64/stand-in',
    admin_nodeInfo: () => ({
      enode,
      id: nodeId,
      ip: advertisedHost,
      listenAddr: advertisedHost + ':' + p2pPort,
      name: NAME,
      ports: { discovery: p2pPort, listener: p2pPort },
      protocols: {},
    }),
    admin_peers: () => connectedPeers().map(([id, peer]) => ({ enode: peer.enode, id: '0x' + id })),
    [validatorsMethod]: () => validators,
  };

  function blockHash(number) {
    return keccak256(toUtf8Bytes(genesisDigest + ':' + number));
  }
  function block(tag) {
    const number = tag === undefined || tag === 'latest' || tag === 'pending' || tag === 'safe' || tag === 'finalized'
      ? head.height
      : tag === 'earliest'
        ? 0
        : Number.parseInt(String(tag), 16);
    if (!Number.isSafeInteger(number) || number < 0 || number > head.height) return null;
    const atHead = number === head.height;
    const round = atHead ? head.round : 0;
    const extraData = consensus === 'qbft'
      ? encodeRlp([zeroPadValue('0x', 32), validators, [], round === 0 ? '0x' : toBeArray(round), []])
      : '0x';
    return {
      number: hex(number),
      hash: blockHash(number),
      parentHash: number === 0 ? '0x' + '00'.repeat(32) : blockHash(number - 1),
      timestamp: hex(atHead ? head.timestamp : Math.max(0, head.timestamp - (head.height - number) * period)),
      miner: (atHead && head.proposer) || '0x' + '00'.repeat(20),
      extraData,
      transactions: [],
    };
  }

  function answer(call) {
    const id = call && typeof call === 'object' && 'id' in call ? call.id : null;
    if (!call || typeof call !== 'object' || typeof call.method !== 'string') {
      return { jsonrpc: '2.0', id, error: { code: -32600, message: 'Invalid Request' } };
    }
    const method = Object.hasOwn(answers, call.method) ? answers[call.method] : undefined;
    if (!method) return { jsonrpc: '2.0', id, error: { code: -32601, message: 'Method not found' } };
    if (!enabledApis.has(call.method.split('_')[0].toUpperCase())) {
      return { jsonrpc: '2.0', id, error: { code: -32604, message: 'Method not enabled' } };
    }
    return { jsonrpc: '2.0', id, result: method(call.params) };
  }

  const rpcServer = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      let call;
      try {
        call = JSON.parse(body);
      } catch {
        const reply = { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } };
        response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
        return;
      }
      const reply = Array.isArray(call)
        ? call.length === 0
          ? answer(undefined)
          : call.map(answer)
        : answer(call);
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
    });
  });

  function listen(server, port) {
    return new Promise((ready) => {
      server.once('error', (error) => fail('Port(s) already in use: ' + port + ' (' + error.message + ')'));
      server.listen(port, '127.0.0.1', ready);
    });
  }

  await listen(p2pServer, p2pPort);
  // One round of dialling before JSON-RPC answers, so a node that reports ready already has its reachable peers.
  await dialAll();
  const timers = [setInterval(dialAll, DIAL_INTERVAL_MS)];
  if (isValidator) {
    timers.push(setInterval(consensusTick, period * 1000));
  }
  if (config['rpc-http-enabled'] === true) {
    await listen(rpcServer, config['rpc-http-port'] ?? 8545);
  }
  console.log('stand-in besu ' + VERSION + ' running: ' + enode + (isValidator ? ' (validator ' + nodeAddress + ')' : ''));

  function shutDown() {
    for (const timer of timers) clearInterval(timer);
    p2pServer.close();
    if (rpcServer.listening) rpcServer.close();
    process.exit(0);
  }
  process.on('SIGTERM', shutDown);
  process.on('SIGINT', shutDown);
})();
`;

/** The version the stand-in reports unless told another. */
export const STAND_IN_VERSION = '25.10.0';

/** Writes the stand-in as an executable file named `besu` in `dir` and returns its path. */
export async function writeBesuStandIn(dir: string, options: { readonly version?: string } = {}): Promise<string> {
  const path = join(dir, 'besu');
  await writeFile(path, SCRIPT.replace('__VERSION__', JSON.stringify(options.version ?? STAND_IN_VERSION)));
  await chmod(path, 0o755);
  return path;
}
