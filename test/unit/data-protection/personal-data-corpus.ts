/**
 * The corpus the detectors are held to: text that identifies a person, each with the detector that must name it,
 * and text that must not be mistaken for it (dates, timestamps, amounts, hashes, addresses, UUIDs, versions,
 * order numbers). Personnummer and samordningsnummer are Skatteverket's published test numbers.
 */
import type { PersonalDataDetector } from '../../../shared/domain/data-protection.ts';

export interface Positive {
  readonly text: string;
  readonly detector: PersonalDataDetector;
  /** Byte offset of the match in the UTF-8 text. */
  readonly offset: number;
  readonly why: string;
}

export const POSITIVES: readonly Positive[] = [
  { text: '19121212-1212', detector: 'personnummer', offset: 0, why: 'YYYYMMDD-NNNN' },
  { text: '191212121212', detector: 'personnummer', offset: 0, why: 'YYYYMMDDNNNN' },
  { text: '121212-1212', detector: 'personnummer', offset: 0, why: 'YYMMDD-NNNN' },
  { text: '1212121212', detector: 'personnummer', offset: 0, why: 'YYMMDDNNNN' },
  { text: '121212+1212', detector: 'personnummer', offset: 0, why: 'YYMMDD+NNNN, over a hundred years old' },
  { text: '198112289874', detector: 'personnummer', offset: 0, why: 'another test number' },
  { text: '811228-9874', detector: 'personnummer', offset: 0, why: 'short form' },
  { text: '20000101-2384', detector: 'personnummer', offset: 0, why: 'born in this century' },
  { text: '701063-2391', detector: 'personnummer', offset: 0, why: 'samordningsnummer (day + 60)' },
  { text: '19701063-2391', detector: 'personnummer', offset: 0, why: 'samordningsnummer, long form' },
  { text: 'Patient 19121212-1212 admitted', detector: 'personnummer', offset: 8, why: 'inside a sentence' },
  { text: 'pnr:191212121212;', detector: 'personnummer', offset: 4, why: 'inside a record' },
  { text: 'PNR-19121212-1212', detector: 'personnummer', offset: 4, why: 'after a label and a hyphen' },
  { text: 'patient (19121212-1212)', detector: 'personnummer', offset: 9, why: 'in brackets' },
  { text: 'Åsa Öberg 19121212-1212', detector: 'personnummer', offset: 12, why: 'after multi-byte characters' },
  { text: 'anna.svensson@regionstockholm.se', detector: 'email', offset: 0, why: 'an address' },
  { text: 'mail: a.b+c@sub.example.org.', detector: 'email', offset: 6, why: 'with a plus tag, before a full stop' },
  { text: 'åsa@vård.se', detector: 'email', offset: 0, why: 'internationalised' },
  { text: 'kontakt <Lars.Nilsson@Sahlgrenska.SE>', detector: 'email', offset: 9, why: 'in angle brackets, upper case' },
  { text: '070-123 45 67', detector: 'phone', offset: 0, why: 'Swedish mobile, national' },
  { text: 'ring 0701234567', detector: 'phone', offset: 5, why: 'Swedish mobile, digits only' },
  { text: '+46 70 123 45 67', detector: 'phone', offset: 0, why: 'Swedish mobile, international' },
  { text: '0046701234567', detector: 'phone', offset: 0, why: 'international with 00' },
  { text: '08-123 456 78', detector: 'phone', offset: 0, why: 'Stockholm landline' },
  { text: 'tel +1 415 555 2671', detector: 'phone', offset: 4, why: 'United States' },
  { text: '+44 20 7946 0958', detector: 'phone', offset: 0, why: 'United Kingdom' },
  {
    text: '{"resourceType":"Patient","name":[{"family":"Svensson"}]}',
    detector: 'fhir-patient',
    offset: 1,
    why: 'a FHIR Patient',
  },
  { text: '{ "resourceType" : "RelatedPerson" }', detector: 'fhir-patient', offset: 2, why: 'a FHIR RelatedPerson' },
  {
    text: '{"identifier":[{"system":"http://electronichealth.se/identifier/personnummer","value":"x"}]}',
    detector: 'fhir-patient',
    offset: 26,
    why: 'an identifier under the personnummer system',
  },
  { text: 'system=urn:oid:1.2.752.129.2.1.3.1', detector: 'fhir-patient', offset: 7, why: 'the personnummer OID' },
];

/** Text that identifies nobody: every detector must stay quiet. */
export const NEGATIVES: readonly { readonly text: string; readonly why: string }[] = [
  { text: '19121212-1213', why: 'personnummer with a wrong check digit' },
  { text: '19121312-1212', why: 'month 13' },
  { text: '19120230-1234', why: '30 February' },
  { text: '2024-01-15', why: 'an ISO date' },
  { text: '20240115', why: 'a compact date' },
  { text: '15/01/2024', why: 'a written date' },
  { text: '01-02-2024', why: 'a dashed date' },
  { text: '2024-01-15T12:34:56Z', why: 'a timestamp' },
  { text: '1700000000', why: 'Unix seconds' },
  { text: '1712345678901', why: 'Unix milliseconds' },
  { text: '1000000000000000000', why: 'an amount in wei' },
  { text: 'amount 12345678901', why: 'eleven digits' },
  { text: '0x1912121212abcdef1912121212abcdef1912121212abcdef1912121212abcdef', why: 'a hash with digit runs' },
  { text: 'a3f5191212121204b4c5d6e7f8091a2b', why: 'a hex digest without 0x' },
  { text: '0x19121212120123456789abcdef0123456789abcd', why: 'an address with digit runs' },
  { text: '0x0701234567', why: 'hex that reads like a phone number' },
  { text: '19121212-1212-4abc-9def-121212121212', why: 'a UUID starting like a personnummer' },
  { text: '192.168.1.1', why: 'an IP address' },
  { text: 'enode://ab@10.0.0.7:30303', why: 'an enode URL' },
  { text: 'v1.2.3-rc.4', why: 'a version' },
  { text: 'ORD-2024-000123', why: 'an order number' },
  { text: 'LOT-20261124-0017', why: 'a dated lot number whose digits pass the check' },
  { text: 'Released lot PRD-250312-0012-A', why: 'a short-dated code, segments on both sides' },
  { text: '978-91-29-12345-6', why: 'an ISBN' },
  { text: 'user at example dot com', why: 'a spelled-out address' },
  { text: '@handle', why: 'a handle' },
  { text: 'a@b', why: 'no domain' },
  { text: 'foo@bar.123', why: 'a numeric top-level domain' },
  { text: '{"resourceType":"Observation","valueQuantity":{"value":7.2}}', why: 'a FHIR resource about no one' },
  { text: 'resourceType Patient', why: 'the words, not a resource' },
  { text: 'tel 112', why: 'an emergency number' },
  { text: 'Batch 2026-11-24 released by pharmacy QA', why: 'a batch note' },
  { text: 'consent:research:v2', why: 'a purpose code' },
  { text: 'ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi', why: 'a content address' },
];
