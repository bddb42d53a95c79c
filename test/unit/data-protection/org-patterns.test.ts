/**
 * Organisations' own patterns: refused when saved if RE2 cannot run them (backreferences, lookaround, bad syntax),
 * if they match empty text or are too long; once saved they find the organisation's ids with the pattern's id, and
 * a pattern that backtracks catastrophically in other engines is matched in linear time.
 */
import { describe, expect, it } from 'vitest';
import { PersonalDataScanner } from '../../../shared/data-protection/personal-data-scanner.ts';
import { MAX_ORG_PATTERN_LENGTH } from '../../../shared/domain/data-protection.ts';

const inspector = new PersonalDataScanner();
await inspector.prepare();

describe('checking a pattern when it is saved', () => {
  it.each([['JRN-\\d{8}'], ['(?i)pat[-_ ]?id:\\s*[A-Z0-9]{6}'], ['\\bKS\\d{6}[A-Z]\\b'], ['(a+)+$']])(
    'accepts %s',
    async (pattern) => {
      expect(await inspector.checkPattern(pattern)).toBeUndefined();
    },
  );

  it.each([
    ['(a)\\1', /invalid escape sequence/],
    ['(?=JRN)', /Perl syntax/],
    ['(?<!x)JRN', /invalid named capture/],
    ['JRN-(\\d{8}', /missing closing \)/],
    ['a*', /matches empty text/],
    ['x?|', /matches empty text/],
    ['', /Enter a pattern/],
    ['x'.repeat(MAX_ORG_PATTERN_LENGTH + 1), /at most/],
  ])('refuses %s, saying why', async (pattern, why) => {
    expect(await inspector.checkPattern(pattern)).toMatch(why);
  });
});

const patterns = await inspector.compilePatterns([
  { id: 'pat_journal', name: 'Journal number', pattern: 'JRN-\\d{8}' },
  { id: 'pat_lab', name: 'Lab sample', pattern: '(?i)lab:[a-z]{2}\\d{4}' },
]);

describe('running saved patterns', () => {
  it('names the organisation’s pattern and where it matched', () => {
    const findings = inspector.inspectMessage('Åsa: JRN-20241234 and LAB:xy1234', patterns);
    expect(findings.map((f) => [f.detector, f.patternId, f.location])).toEqual([
      ['org-pattern', 'pat_journal', 'message offset 6'],
      ['org-pattern', 'pat_lab', 'message offset 23'],
    ]);
  });

  it('finds nothing of the organisation’s own when it has no patterns', async () => {
    expect(inspector.inspectMessage('JRN-20241234')).toEqual([]);
    const none = await inspector.compilePatterns([]);
    expect(none.size).toBe(0);
    expect(inspector.inspectMessage('JRN-20241234', none)).toEqual([]);
  });

  it('leaves out a saved pattern that no longer compiles, and keeps the others', async () => {
    const set = await inspector.compilePatterns([
      { id: 'pat_bad', name: 'Bad', pattern: '(a)\\1' },
      { id: 'pat_journal', name: 'Journal number', pattern: 'JRN-\\d{8}' },
    ]);
    expect(set.size).toBe(1);
    expect(inspector.inspectMessage('JRN-20241234', set).map((f) => f.patternId)).toEqual(['pat_journal']);
  });

  it('matches a pattern that backtracks catastrophically elsewhere, on hostile text, to the end', async () => {
    const nested = await inspector.compilePatterns([{ id: 'pat_nested', name: 'Nested', pattern: '(a+)+$' }]);
    const hostile = `${'a'.repeat(20_000)}!`;
    // A backtracking engine would need 2^20000 steps here; RE2 answers, and finds the run before the end.
    expect(inspector.inspectMessage(hostile, nested)).toEqual([]);
    expect(inspector.inspectMessage(`x ${'a'.repeat(20_000)}`, nested).map((f) => f.location)).toEqual([
      'message offset 2',
    ]);
  });
});
