/**
 * A stand-in control plane for crash tests: opens a LocalNodeProvider, provisions one node, reports the chain's
 * pid and RPC URL on stdout, then idles until it is killed (with -9, so it gets no chance to clean up).
 */
import { LocalNodeProvider } from '../../../shared/adapters/local/local-node-provider.ts';
import type { Network } from '../../../shared/domain/network.ts';
import type { NodeRecord } from '../../../shared/domain/node.ts';

const input = JSON.parse(process.env.CARECHAIN_TEST_INPUT ?? '{}') as {
  dataDir: string;
  network: Network;
  node: NodeRecord;
};
const provider = await LocalNodeProvider.open({ dataDir: input.dataDir, stateIntervalSeconds: 1 });
await provider.provision({ node: input.node, network: input.network, clientToken: input.node.id });
const description = await provider.describe(input.node);
process.stdout.write(
  `${JSON.stringify({ chainPid: provider.chainPid(input.network.id), rpcUrl: description.rpcUrl })}\n`,
);
setInterval(() => {}, 60_000);
