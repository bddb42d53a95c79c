/**
 * Compiles the consortium contracts with the pinned solc-js (offline, no compiler download) and shapes the
 * result as the artefact committed under build/. The build script writes it; a unit test recompiles and compares,
 * so the ABI and bytecode shipped with the control plane always come from the source beside them.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { keccak256 } from 'ethers/crypto';
import { toUtf8Bytes } from 'ethers/utils';
import solc from 'solc';
import { PlatformError } from '../../errors.ts';

const CONTRACTS_DIR = new URL('./', import.meta.url);

/** Settings are part of the artefact: the same source with other settings is other bytecode. */
export const COMPILER_SETTINGS = {
  evmVersion: 'cancun',
  optimizer: { enabled: true, runs: 200 },
} as const;

export interface ContractArtefact {
  readonly contractName: string;
  readonly sourceName: string;
  /** keccak256 of the source text, as solc records it in the contract metadata. */
  readonly sourceHash: string;
  readonly compiler: {
    readonly version: string;
    readonly evmVersion: string;
    readonly optimizer: { readonly enabled: boolean; readonly runs: number };
  };
  readonly abi: readonly unknown[];
  readonly bytecode: string;
  readonly deployedBytecode: string;
}

export interface CompileResult {
  readonly artefact: ContractArtefact;
  /** Formatted compiler warnings; errors throw instead. */
  readonly warnings: readonly string[];
}

export class SolidityCompileError extends PlatformError {
  constructor(readonly diagnostics: readonly string[]) {
    super(`solc reported ${diagnostics.length} error(s):\n${diagnostics.join('\n')}`);
  }
}

interface SolcDiagnostic {
  readonly severity: 'error' | 'warning' | 'info';
  readonly formattedMessage?: string;
  readonly message: string;
}

interface SolcContractOutput {
  readonly abi: unknown[];
  readonly evm: {
    readonly bytecode: { readonly object: string };
    readonly deployedBytecode: { readonly object: string };
  };
}

interface SolcOutput {
  readonly errors?: readonly SolcDiagnostic[];
  readonly contracts?: Record<string, Record<string, SolcContractOutput>>;
}

/** Compiles one contract from `<contractName>.sol` in this directory. */
export async function compileContract(contractName: string): Promise<CompileResult> {
  const sourceName = `${contractName}.sol`;
  const source = await readFile(new URL(sourceName, CONTRACTS_DIR), 'utf8');
  const input = {
    language: 'Solidity',
    // The bare file name (not a path) keeps the metadata hash, and so the bytecode, the same on every machine.
    sources: { [sourceName]: { content: source } },
    settings: {
      ...COMPILER_SETTINGS,
      outputSelection: {
        [sourceName]: { [contractName]: ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] },
      },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findLibraryImport })) as SolcOutput;
  const diagnostics = output.errors ?? [];
  const describe = (d: SolcDiagnostic) => (d.formattedMessage ?? d.message).trim();
  const errors = diagnostics.filter((d) => d.severity === 'error').map(describe);
  if (errors.length > 0) throw new SolidityCompileError(errors);
  const compiled = output.contracts?.[sourceName]?.[contractName];
  if (!compiled) throw new SolidityCompileError([`${sourceName} has no contract named ${contractName}`]);
  return {
    artefact: {
      contractName,
      sourceName,
      sourceHash: keccak256(toUtf8Bytes(source)),
      compiler: {
        version: solc.version() as string,
        evmVersion: COMPILER_SETTINGS.evmVersion,
        optimizer: { ...COMPILER_SETTINGS.optimizer },
      },
      abi: compiled.abi,
      bytecode: `0x${compiled.evm.bytecode.object}`,
      deployedBytecode: `0x${compiled.evm.deployedBytecode.object}`,
    },
    warnings: diagnostics.filter((d) => d.severity === 'warning').map(describe),
  };
}

const resolveFromHere = createRequire(import.meta.url);

/**
 * Imports of published Solidity libraries (`@openzeppelin/contracts/...`), read from the pinned npm package. The
 * import path, not the file's place on disk, is what the metadata records, so the bytecode is the same anywhere.
 */
function findLibraryImport(path: string): { contents: string } | { error: string } {
  if (!path.startsWith('@openzeppelin/contracts/')) return { error: `${path} is not a pinned library import` };
  try {
    return { contents: readFileSync(resolveFromHere.resolve(path), 'utf8') };
  } catch (error) {
    return { error: `${path}: ${(error as Error).message}` };
  }
}

/** The artefact's file form: stable key order and a trailing newline, so a rebuild of the same source is a no-op diff. */
export function serialiseArtefact(artefact: ContractArtefact | InterfaceArtefact): string {
  return `${JSON.stringify(artefact, null, 2)}\n`;
}

export function artefactUrl(contractName: string): URL {
  return new URL(`build/${contractName}.json`, CONTRACTS_DIR);
}

/** What calling a deployed contract needs of its artefact: all of it but the code, which only a deployment reads. */
export type InterfaceArtefact = Omit<ContractArtefact, 'bytecode' | 'deployedBytecode'>;

/**
 * The artefact without its code, committed beside it (`build/<name>.abi.json`): code that calls the contract
 * imports this, and a function's bundle reads the code (most of the artefact's bytes) only when it deploys.
 */
export function interfaceArtefact(artefact: ContractArtefact): InterfaceArtefact {
  const { bytecode: _bytecode, deployedBytecode: _deployedBytecode, ...rest } = artefact;
  return rest;
}

export function interfaceArtefactUrl(contractName: string): URL {
  return new URL(`build/${contractName}.abi.json`, CONTRACTS_DIR);
}
