/**
 * What a Lambda bundle's directory holds, split by when it is read: at a cold start (the entry and every chunk it
 * imports statically, transitively) or later (chunks reached only through `import()`). Read with `es-module-lexer`,
 * which parses the modules' import statements rather than searching their text.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ImportType, initSync, parse } from 'es-module-lexer';
import { LAMBDA_ENTRY_FILE } from '../../infra/constructs/lambda-bundling.ts';

initSync();

export interface BundleFiles {
  /** Absolute paths of the modules a cold start reads, the entry first. */
  readonly atStart: readonly string[];
  /** Absolute paths of the modules read only when the code asks for them. */
  readonly later: readonly string[];
  readonly startBytes: number;
  readonly laterBytes: number;
}

export function bundleFiles(directory: string): BundleFiles {
  const modules = readdirSync(directory, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.mjs'))
    .map((file) => path.join(directory, file));
  const entry = path.join(directory, LAMBDA_ENTRY_FILE);
  const atStart = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (atStart.has(file)) continue;
    atStart.add(file);
    const [imports] = parse(readFileSync(file, 'utf8'), file);
    for (const { t: type, n: specifier } of imports) {
      if (type === ImportType.Static && specifier?.startsWith('.')) {
        pending.push(path.resolve(path.dirname(file), specifier));
      }
    }
  }
  const later = modules.filter((file) => !atStart.has(file));
  const bytes = (files: Iterable<string>) => [...files].reduce((sum, file) => sum + statSync(file).size, 0);
  return { atStart: [...atStart], later, startBytes: bytes(atStart), laterBytes: bytes(later) };
}
