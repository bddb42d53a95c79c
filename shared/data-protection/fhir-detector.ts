/**
 * FHIR resources that identify a patient: JSON with `"resourceType": "Patient"` (or `Person`, `RelatedPerson`), and
 * identifiers under the systems Swedish health records use for personal identity numbers (Inera's
 * `http://electronichealth.se/identifier/…` and the OIDs `1.2.752.129.2.1.3.*`), wherever they appear.
 *
 * The value fingerprinted is the whole text the resource is in: two identical resources give one fingerprint.
 */
import type { TextMatch } from './text-match.ts';

const PATIENT_RESOURCE = /"resourceType"\s*:\s*"(?:Patient|Person|RelatedPerson)"/g;

/** Identifier systems of personal identity numbers, lower case. */
export const PATIENT_IDENTIFIER_SYSTEMS: readonly string[] = [
  'http://electronichealth.se/identifier/personnummer',
  'http://electronichealth.se/identifier/samordningsnummer',
  'urn:oid:1.2.752.129.2.1.3.1',
  'urn:oid:1.2.752.129.2.1.3.3',
];

/**
 * What every system above holds, in any case: tested before the text is lower-cased to find them. The OID's digits
 * are looked for as they are and the address only in text with a `/`: most texts with digits hold neither.
 */
const OID_MARKER = '1.2.752.';
const ADDRESS_MARKER = /electronichealth\.se\/identifier/i;

/**
 * Whether the text holds a marker without which `findFhirPatients` finds nothing. The inspector reads the same
 * markers from a run's bytes (run-marks.ts) and searches only the text that has one.
 */
export function mayHoldFhirPatient(text: string): boolean {
  return text.includes(RESOURCE_TYPE) || hasSystemMarker(text);
}

const RESOURCE_TYPE = '"resourceType"';

function hasSystemMarker(text: string): boolean {
  return text.includes(OID_MARKER) || (text.includes('/') && ADDRESS_MARKER.test(text));
}

export function findFhirPatients(text: string): TextMatch[] {
  // Cheap guards first: almost no text holds either marker.
  const hasResource = text.includes(RESOURCE_TYPE);
  const hasSystem = hasSystemMarker(text);
  if (!hasResource && !hasSystem) return [];
  const found: TextMatch[] = [];
  if (hasResource) {
    PATIENT_RESOURCE.lastIndex = 0;
    for (let match = PATIENT_RESOURCE.exec(text); match !== null; match = PATIENT_RESOURCE.exec(text)) {
      found.push({ detector: 'fhir-patient', index: match.index, length: match[0].length, value: text });
    }
  }
  if (hasSystem) {
    const lower = text.toLowerCase();
    for (const system of PATIENT_IDENTIFIER_SYSTEMS) {
      for (let at = lower.indexOf(system); at !== -1; at = lower.indexOf(system, at + system.length)) {
        found.push({ detector: 'fhir-patient', index: at, length: system.length, value: text });
      }
    }
  }
  return found;
}
