/**
 * The inspector loads the numbering plans it validates telephone numbers with before its first inspection
 * (`prepare`, or `compilePatterns`, which every caller runs first). This file's module state starts without them.
 */
import { describe, expect, it } from 'vitest';
import { numberingPlansLoaded } from '../../../shared/data-protection/contact-detectors.ts';
import { PersonalDataScanner } from '../../../shared/data-protection/personal-data-scanner.ts';

const NOT_PREPARED = /once prepare\(\) has finished/;
const PHONE = 'Ring mig på +46 70 123 45 67';
// An unsigned type 2 transaction to 0x…01 without data: the inspector reads it without checking a signature.
const RAW = '0x02dd01808080809400000000000000000000000000000000000000018080c0';

describe('inspector preparation', () => {
  it('refuses every inspection before the numbering plans are loaded, whatever the input holds', () => {
    const inspector = new PersonalDataScanner();
    expect(numberingPlansLoaded()).toBe(false);
    expect(() => inspector.inspectMessage('nothing personal')).toThrow(NOT_PREPARED);
    expect(() => inspector.inspectMessage(PHONE)).toThrow(NOT_PREPARED);
    expect(() => inspector.inspectTransaction({ to: undefined, data: '0x' })).toThrow(NOT_PREPARED);
    expect(() => inspector.inspectRawTransaction(RAW)).toThrow(NOT_PREPARED);
    expect(() => inspector.inspectTypedData({ domain: {}, message: { note: PHONE } })).toThrow(NOT_PREPARED);
  });

  it('is prepared by compiling patterns, for every inspector of the process, and finds the number then', async () => {
    await new PersonalDataScanner().compilePatterns([]);
    expect(numberingPlansLoaded()).toBe(true);
    const another = new PersonalDataScanner();
    expect(another.inspectMessage(PHONE).map((finding) => finding.detector)).toEqual(['phone']);
    expect(another.inspectRawTransaction(RAW)).toMatchObject({ decoded: true, findings: [] });
    // Again is quick and harmless.
    await another.prepare();
    expect(another.inspectMessage('nothing personal')).toEqual([]);
  });
});
