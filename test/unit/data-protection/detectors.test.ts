/**
 * The detectors, data-driven over the corpus: every positive is named by its detector at its byte offset, every
 * negative by none (as a message, as an ABI string argument, and as a bytes32 argument), and no finding ever
 * prints the value it matched.
 */
import { AbiCoder, concat, encodeBytes32String, Interface, id, toUtf8Bytes } from 'ethers';
import { describe, expect, it } from 'vitest';
import { PersonalDataScanner } from '../../../shared/data-protection/personal-data-scanner.ts';
import { NEGATIVES, POSITIVES } from './personal-data-corpus.ts';

const inspector = new PersonalDataScanner();
await inspector.prepare();
const record = new Interface(['function record(string note)', 'function attest(bytes32 subject, bytes evidence)']);
const CONTRACT = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

describe('the corpus of personal data', () => {
  it.each(POSITIVES)('names $detector in "$text" ($why)', ({ text, detector, offset }) => {
    const findings = inspector.inspectMessage(text);
    expect(findings.map((f) => [f.detector, f.location])).toContainEqual([detector, `message offset ${offset}`]);
  });

  it.each(POSITIVES)(
    'finds $detector in "$text" as an ABI string argument, 64 bytes on',
    ({ text, detector, offset }) => {
      const data = record.encodeFunctionData('record', [text]);
      const findings = inspector.inspectTransaction({ to: CONTRACT, data });
      // selector (4) + offset word (32) + length word (32): the string's first byte is at 68.
      expect(findings.map((f) => [f.detector, f.location])).toContainEqual([
        detector,
        `calldata offset ${68 + offset}`,
      ]);
    },
  );

  it.each(POSITIVES)('finds $detector in "$text" in a bytes argument', ({ text, detector }) => {
    const data = record.encodeFunctionData('attest', [id('subject'), toUtf8Bytes(text)]);
    expect(inspector.inspectTransaction({ to: CONTRACT, data }).map((f) => f.detector)).toContain(detector);
  });

  it.each(POSITIVES)('finds $detector in "$text" in constructor arguments of init code', ({ text, detector }) => {
    const initCode = concat([
      '0x6080604052348015600e575f5ffd5b50',
      AbiCoder.defaultAbiCoder().encode(['string'], [text]),
    ]);
    expect(inspector.inspectTransaction({ data: initCode }).map((f) => f.detector)).toContain(detector);
  });
});

describe('text that identifies nobody', () => {
  it.each(NEGATIVES)('finds nothing in "$text" ($why)', ({ text }) => {
    expect(inspector.inspectMessage(text)).toEqual([]);
  });

  it.each(NEGATIVES)('finds nothing in "$text" as an ABI string argument', ({ text }) => {
    expect(inspector.inspectTransaction({ to: CONTRACT, data: record.encodeFunctionData('record', [text]) })).toEqual(
      [],
    );
  });

  it.each(NEGATIVES.filter(({ text }) => toUtf8Bytes(text).length < 32))(
    'finds nothing in "$text" as a bytes32 argument',
    ({ text }) => {
      const data = record.encodeFunctionData('attest', [encodeBytes32String(text), '0x']);
      expect(inspector.inspectTransaction({ to: CONTRACT, data })).toEqual([]);
    },
  );
});

describe('what a finding shows', () => {
  it('keeps the value in a canonical form for the fingerprint, one per person however it is written', () => {
    const forms = ['19121212-1212', '191212121212', 'pnr 19121212-1212'];
    const values = forms.map((text) => inspector.inspectMessage(text)[0]?.matched.reveal());
    expect(new Set(values)).toEqual(new Set(['191212121212']));
  });

  it('never prints the matched value: text, JSON and inspection all show a placeholder', async () => {
    const [finding] = inspector.inspectMessage('call 070-123 45 67 about 19121212-1212');
    const { inspect } = await import('node:util');
    for (const shown of [String(finding?.matched), JSON.stringify(finding), inspect(finding, { depth: 5 })]) {
      expect(shown).not.toMatch(/1212|070|123 45/);
    }
  });

  it('reports a personnummer written without separators once, as a personnummer and not also as a phone number', () => {
    // 080808-1236 is a valid personnummer and, read as 08-080 812 36, a valid Stockholm number.
    const findings = inspector.inspectMessage('0808081236 and 070-123 45 67');
    expect(findings.map((f) => `${f.detector} @ ${f.location}`)).toEqual([
      'personnummer @ message offset 0',
      'phone @ message offset 15',
    ]);
  });

  it('inspects every string of EIP-712 typed data at its path, keys included', () => {
    const findings = inspector.inspectTypedData({
      domain: { name: 'CareChain Consent', chainId: 1337777, verifyingContract: CONTRACT },
      message: { patient: { note: 'mail anna@region.se' }, refs: ['x', '19121212-1212'], '070-123 45 67': true },
    });
    expect(findings.map((f) => `${f.detector} @ ${f.location}`)).toEqual([
      'email @ typed data message.patient.note offset 5',
      'personnummer @ typed data message.refs[1] offset 0',
      'phone @ typed data message key offset 0',
    ]);
  });

  it('inspects a hex message by the bytes it encodes', () => {
    const findings = inspector.inspectMessage(toUtf8Bytes('prefix 19121212-1212'));
    expect(findings.map((f) => f.location)).toEqual(['message offset 7']);
  });
});
