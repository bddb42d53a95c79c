/**
 * The files of one local Besu node under `<dataDir>/besu/<nodeId>/`:
 *
 *   node.json          what the node is (organisation, network, chain id, client token) and whether it should serve
 *   genesis.json       the network's genesis, written once (a different genesis is a different chain)
 *   config.toml        Besu's options, rendered again before each start with the ports and peers of that start
 *   static-nodes.json  the enodes of the network's other local Besu nodes
 *   data/              Besu's database
 *   data/key           the node key, written before the first start (Besu's own file and format), never read back
 *                      by anything but Besu and the identity check below
 *   besu.pid, besu.rpc-port, besu.p2p-port   the running process, so a restarted control plane can re-adopt it
 *   enode              the enode the node itself last reported (`admin_nodeInfo`), for its peers' static nodes
 *   besu.log           Besu's output
 */
import { link, mkdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { type NodeKeyIdentity, newNodeKeyFile, nodeKeyIdentity } from '../../chain/besu/node-key.ts';
import { CONSENSUS_PROTOCOLS, type Network } from '../../domain/network.ts';
import { NODE_ROLES } from '../../domain/node.ts';
import { writeFileAtomic } from './anvil-chain-files.ts';

const BesuNodeRegistrationSchema = z.object({
  nodeId: z.string(),
  orgId: z.string(),
  networkId: z.string(),
  clientToken: z.string(),
  serving: z.boolean(),
  registeredAt: z.string(),
  /** What config.toml is rendered from, kept so a restarted control plane can start the node on its own. */
  network: z.object({
    id: z.string(),
    name: z.string(),
    chainId: z.number().int().positive(),
    consensus: z.enum(CONSENSUS_PROTOCOLS),
    bootnodes: z.array(z.string()),
  }),
  node: z.object({ id: z.string(), name: z.string(), networkId: z.string(), role: z.enum(NODE_ROLES) }),
  /** The Besu release the node runs (a rolling upgrade sets it); absent: the `besu` on the PATH. */
  release: z.object({ version: z.string(), sha256: z.string() }).optional(),
  /** Options the node starts with besides its config file (compatibility flags). */
  flags: z.array(z.string().regex(/^--X[A-Za-z0-9-]+(=[A-Za-z0-9._-]+)?$/)).optional(),
});
export type BesuNodeRegistration = z.infer<typeof BesuNodeRegistrationSchema>;

/** What config.toml needs of the network, as the registration keeps it. */
export function registeredNetwork(network: Network): BesuNodeRegistration['network'] {
  return {
    id: network.id,
    name: network.name,
    chainId: network.chainId,
    consensus: network.consensus,
    bootnodes: [...network.bootnodes],
  };
}

export interface RecordedBesuProcess {
  readonly pid: number | undefined;
  readonly rpcPort: number | undefined;
  readonly p2pPort: number | undefined;
}

export class BesuNodeFiles {
  readonly registrationPath: string;
  readonly genesisPath: string;
  readonly configPath: string;
  readonly staticNodesPath: string;
  readonly dataPath: string;
  readonly keyPath: string;
  readonly pidPath: string;
  readonly rpcPortPath: string;
  readonly p2pPortPath: string;
  readonly enodePath: string;
  readonly logPath: string;

  constructor(readonly dir: string) {
    this.registrationPath = join(dir, 'node.json');
    this.genesisPath = join(dir, 'genesis.json');
    this.configPath = join(dir, 'config.toml');
    this.staticNodesPath = join(dir, 'static-nodes.json');
    this.dataPath = join(dir, 'data');
    this.keyPath = join(this.dataPath, 'key');
    this.pidPath = join(dir, 'besu.pid');
    this.rpcPortPath = join(dir, 'besu.rpc-port');
    this.p2pPortPath = join(dir, 'besu.p2p-port');
    this.enodePath = join(dir, 'enode');
    this.logPath = join(dir, 'besu.log');
  }

  /** The argument Besu is started with; also how a recorded pid is recognised as this node's process. */
  get configArgument(): string {
    return `--config-file=${this.configPath}`;
  }

  async ensureDir(): Promise<void> {
    await mkdir(this.dataPath, { recursive: true, mode: 0o700 });
  }

  async readRegistration(): Promise<BesuNodeRegistration | undefined> {
    const text = await readOptional(this.registrationPath);
    return text === undefined ? undefined : BesuNodeRegistrationSchema.parse(JSON.parse(text));
  }

  async writeRegistration(registration: BesuNodeRegistration): Promise<void> {
    await writeFileAtomic(this.registrationPath, `${JSON.stringify(registration, null, 2)}\n`);
  }

  async readGenesis(): Promise<string | undefined> {
    return readOptional(this.genesisPath);
  }

  async write(path: string, content: string): Promise<void> {
    await writeFileAtomic(path, content);
  }

  /**
   * The node key's identity, making the key first when the node has none. The key appears whole or not at all
   * (written aside, then hard-linked into place, which fails rather than replaces when a key is already there), so
   * a crash can neither leave half a key nor swap the key of a node whose address is already in a genesis.
   */
  async ensureNodeKey(): Promise<NodeKeyIdentity> {
    const existing = await readOptional(this.keyPath);
    if (existing !== undefined) return nodeKeyIdentity(existing);
    await this.ensureDir();
    const aside = `${this.keyPath}.${process.pid}.new`;
    await writeFile(aside, newNodeKeyFile(), { mode: 0o600 });
    try {
      await link(aside, this.keyPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      await unlink(aside);
    }
    return nodeKeyIdentity(await readFile(this.keyPath, 'utf8'));
  }

  /** The node key's identity, or undefined while the node has no key. */
  async readNodeKeyIdentity(): Promise<NodeKeyIdentity | undefined> {
    const text = await readOptional(this.keyPath);
    return text === undefined ? undefined : nodeKeyIdentity(text);
  }

  async readProcess(): Promise<RecordedBesuProcess> {
    const [pid, rpcPort, p2pPort] = await Promise.all(
      [this.pidPath, this.rpcPortPath, this.p2pPortPath].map(async (path) => positiveInteger(await readOptional(path))),
    );
    return { pid, rpcPort, p2pPort };
  }

  async writeProcess(pid: number, rpcPort: number, p2pPort: number): Promise<void> {
    await writeFileAtomic(this.rpcPortPath, `${rpcPort}\n`);
    await writeFileAtomic(this.p2pPortPath, `${p2pPort}\n`);
    await writeFileAtomic(this.pidPath, `${pid}\n`);
  }

  /** Forgets the process; the port files stay so the next start asks for the same ports (stable URLs, enode). */
  async clearPid(): Promise<void> {
    await rm(this.pidPath, { force: true });
  }

  async readEnode(): Promise<string | undefined> {
    return (await readOptional(this.enodePath))?.trim() || undefined;
  }

  async writeEnode(enode: string): Promise<void> {
    await writeFileAtomic(this.enodePath, `${enode}\n`);
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function positiveInteger(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}
