/**
 * An organisation's own patterns for its patient ids, run with `re2js` (a pure-JavaScript port of RE2): matching
 * takes time linear in the text whatever the pattern, so no pattern can hang the gateway; RE2 syntax has no
 * backreferences or lookaround, and a pattern using them is refused when it is saved, as is one that matches the
 * empty string (it would match everything) or is longer than `MAX_ORG_PATTERN_LENGTH`.
 */
import { RE2JS } from 're2js';
import { MAX_ORG_PATTERN_LENGTH, type OrgPattern } from '../domain/data-protection.ts';
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

/** Why `pattern` cannot be used, or undefined. */
export function checkOrgPattern(pattern: string): string | undefined {
  if (pattern.length === 0) return 'Enter a pattern';
  if (pattern.length > MAX_ORG_PATTERN_LENGTH) return `Use at most ${MAX_ORG_PATTERN_LENGTH} characters`;
  let regex: RE2JS;
  try {
    regex = RE2JS.compile(pattern);
  } catch (error) {
    // RE2's own words say what is wrong (`invalid escape sequence: \1`, `missing closing )`).
    return `Not an RE2 pattern: ${(error as Error).message.replace(/^error parsing regexp: /, '')}`;
  }
  if (regex.matcher('').find()) return 'The pattern matches empty text, so it would match everything';
  return undefined;
}

/** Patterns checked by `checkOrgPattern` when saved; one that no longer compiles is left out rather than thrown. */
export function compileOrgPatterns(patterns: readonly OrgPattern[]): OrgPatternSet {
  const compiled: CompiledPattern[] = [];
  for (const { id, pattern } of patterns) {
    if (checkOrgPattern(pattern) === undefined) compiled.push({ id, regex: RE2JS.compile(pattern) });
  }
  return new OrgPatternSet(compiled);
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
