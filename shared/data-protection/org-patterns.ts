/**
 * An organisation's own patterns for its patient ids, run with `re2js` (a pure-JavaScript port of RE2): matching
 * takes time linear in the text whatever the pattern, so no pattern can hang the gateway; RE2 syntax has no
 * backreferences or lookaround, and a pattern using them is refused when it is saved, as is one that matches the
 * empty string (it would match everything) or is longer than `MAX_ORG_PATTERN_LENGTH`.
 *
 * The engine is loaded the first time an organisation's patterns are checked or compiled: most organisations have
 * none, and its 147 KiB would otherwise be read at every cold start of the gateway (a Lambda bundle keeps it in a
 * chunk of its own, infra/constructs/lambda-bundling.ts). Matching compiled patterns stays synchronous.
 */
import type { RE2JS } from 're2js';
import { MAX_ORG_PATTERN_LENGTH, type OrgPattern } from '../domain/data-protection.ts';
import { lazyOnce } from '../lazy-once.ts';
import type { CompiledPatterns } from '../ports/personal-data-inspector.ts';
import type { TextMatch } from './text-match.ts';

interface CompiledPattern {
  readonly id: string;
  readonly regex: RE2JS;
}

/** Compiled patterns; only this module makes them, so a `CompiledPatterns` it is handed is always one. */
export class OrgPatternSet implements CompiledPatterns {
  constructor(readonly patterns: readonly CompiledPattern[]) {}

  get size(): number {
    return this.patterns.length;
  }
}

export const NO_PATTERNS = new OrgPatternSet([]);

type Engine = typeof RE2JS;

const re2: () => Promise<Engine> = lazyOnce(async () => (await import('re2js')).RE2JS);

/** Why `pattern` cannot be used, or undefined. */
export async function checkOrgPattern(pattern: string): Promise<string | undefined> {
  const problem = lengthProblem(pattern);
  if (problem !== undefined) return problem;
  const regex = compiled(await re2(), pattern);
  return typeof regex === 'string' ? regex : undefined;
}

/**
 * Patterns checked by `checkOrgPattern` when saved; one that no longer compiles is left out rather than thrown. No
 * patterns, no engine loaded.
 */
export async function compileOrgPatterns(patterns: readonly OrgPattern[]): Promise<OrgPatternSet> {
  if (patterns.length === 0) return NO_PATTERNS;
  const engine = await re2();
  const set: CompiledPattern[] = [];
  for (const { id, pattern } of patterns) {
    const regex = lengthProblem(pattern) === undefined ? compiled(engine, pattern) : undefined;
    if (typeof regex === 'object') set.push({ id, regex });
  }
  return new OrgPatternSet(set);
}

function lengthProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'Enter a pattern';
  if (pattern.length > MAX_ORG_PATTERN_LENGTH) return `Use at most ${MAX_ORG_PATTERN_LENGTH} characters`;
  return undefined;
}

/** The pattern compiled, or why RE2 cannot use it. */
function compiled(engine: Engine, pattern: string): RE2JS | string {
  let regex: RE2JS;
  try {
    regex = engine.compile(pattern);
  } catch (error) {
    // RE2's own words say what is wrong (`invalid escape sequence: \1`, `missing closing )`).
    return `Not an RE2 pattern: ${(error as Error).message.replace(/^error parsing regexp: /, '')}`;
  }
  if (regex.matcher('').find()) return 'The pattern matches empty text, so it would match everything';
  return regex;
}

const NONE: readonly TextMatch[] = Object.freeze([]);

export function findOrgPatterns(text: string, set: CompiledPatterns): readonly TextMatch[] {
  if (!(set instanceof OrgPatternSet) || set.size === 0) return NONE;
  const found: TextMatch[] = [];
  for (const { id, regex } of set.patterns) {
    const matcher = regex.matcher(text);
    while (matcher.find()) {
      const start = matcher.start();
      const end = matcher.end();
      found.push({
        detector: 'org-pattern',
        index: start,
        length: end - start,
        value: text.slice(start, end),
        patternId: id,
      });
    }
  }
  return found;
}
