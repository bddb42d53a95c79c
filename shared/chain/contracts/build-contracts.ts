/**
 * Builds the committed contract artefacts: `node --import tsx shared/chain/contracts/build-contracts.ts`. Each
 * contract has two: `build/<name>.json` whole and `build/<name>.abi.json` without its code (see
 * `interfaceArtefact`). With `--check` it writes nothing and exits 1 when an artefact is missing or differs from
 * its source.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  artefactUrl,
  compileContract,
  interfaceArtefact,
  interfaceArtefactUrl,
  serialiseArtefact,
} from './solidity-compiler.ts';

const CONTRACTS = ['ConsortiumGovernance', 'ConsentLedger'] as const;

async function readIfPresent(url: URL): Promise<string | undefined> {
  try {
    return await readFile(url, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function main(): Promise<number> {
  const checkOnly = process.argv.includes('--check');
  let stale = 0;
  for (const name of CONTRACTS) {
    const { artefact, warnings } = await compileContract(name);
    for (const warning of warnings) console.warn(warning);
    const files = [
      {
        target: artefactUrl(name),
        text: serialiseArtefact(artefact),
        holds: `${(artefact.bytecode.length - 2) / 2} bytes of code`,
      },
      { target: interfaceArtefactUrl(name), text: serialiseArtefact(interfaceArtefact(artefact)), holds: 'ABI only' },
    ];
    for (const { target, text, holds } of files) {
      const current = await readIfPresent(target);
      const relative = fileURLToPath(target).replace(`${process.cwd()}/`, '');
      if (current === text) {
        console.log(`${relative} is up to date (${artefact.compiler.version})`);
      } else if (checkOnly) {
        console.error(`${relative} does not match ${artefact.sourceName}; run the contract build`);
        stale += 1;
      } else {
        await mkdir(new URL('./', target), { recursive: true });
        await writeFile(target, text);
        console.log(`wrote ${relative} (${artefact.compiler.version}, ${holds})`);
      }
    }
  }
  return stale === 0 ? 0 : 1;
}

process.exitCode = await main();
