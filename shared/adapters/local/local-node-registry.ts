/**
 * The nodes of one network on the anvil runtime, kept in `<dataDir>/chains/<networkId>/nodes.json`. A node there
 * is an endpoint of the network's chain; `serving` says whether it should answer. The chain runs exactly while at
 * least one node of the network serves, and this file is how a restarted control plane knows which chains to bring
 * back.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { writeFileAtomic } from './anvil-chain-files.ts';

const RegisteredNodeSchema = z.object({
  nodeId: z.string(),
  orgId: z.string(),
  networkId: z.string(),
  clientToken: z.string(),
  serving: z.boolean(),
  registeredAt: z.string(),
});
export type RegisteredNode = z.infer<typeof RegisteredNodeSchema>;

const RegistrySchema = z.object({ nodes: z.array(RegisteredNodeSchema) });

export class LocalNodeRegistry {
  readonly #path: string;
  readonly #nodes = new Map<string, RegisteredNode>();

  private constructor(dir: string) {
    this.#path = join(dir, 'nodes.json');
  }

  static async load(dir: string): Promise<LocalNodeRegistry> {
    const registry = new LocalNodeRegistry(dir);
    let text: string;
    try {
      text = await readFile(registry.#path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return registry;
      throw error;
    }
    for (const node of RegistrySchema.parse(JSON.parse(text)).nodes) registry.#nodes.set(node.nodeId, node);
    return registry;
  }

  get(nodeId: string): RegisteredNode | undefined {
    return this.#nodes.get(nodeId);
  }

  list(): RegisteredNode[] {
    return [...this.#nodes.values()];
  }

  findByClientToken(clientToken: string): RegisteredNode | undefined {
    return this.list().find((node) => node.clientToken === clientToken);
  }

  get servingCount(): number {
    return this.list().filter((node) => node.serving).length;
  }

  async put(node: RegisteredNode): Promise<void> {
    this.#nodes.set(node.nodeId, node);
    await this.#save();
  }

  async remove(nodeId: string): Promise<void> {
    if (this.#nodes.delete(nodeId)) await this.#save();
  }

  async #save(): Promise<void> {
    await writeFileAtomic(this.#path, `${JSON.stringify({ nodes: this.list() }, null, 2)}\n`);
  }
}
