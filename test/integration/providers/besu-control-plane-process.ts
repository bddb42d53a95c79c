/**
 * A stand-in control plane for the Besu runtime's crash tests: opens a BesuNodeProvider, provisions the nodes it
 * is given, reports their pids on stdout, then idles until it is killed (with -9, so it gets no chance to clean up).
 */
import { BesuNodeProvider } from '../../../shared/adapters/local/besu-node-provider.ts';
import type { Network } from '../../../shared/domain/network.ts';
import type { NodeRecord } from '../../../shared/domain/node.ts';

const input = JSON.parse(process.env.CARECHAIN_TEST_INPUT ?? '{}') as {
  dataDir: string;
  besuPath: string;
  network: Network;
  nodes: NodeRecord[];
};
const provider = await BesuNodeProvider.open({ dataDir: input.dataDir, besuPath: input.besuPath });
const pids: Record<string, number | undefined> = {};
for (const node of input.nodes) {
  await provider.provision({ node, network: input.network, clientToken: node.id });
  pids[node.id] = provider.nodePid(node.id);
}
process.stdout.write(`${JSON.stringify(pids)}\n`);
setInterval(() => {}, 60_000);
