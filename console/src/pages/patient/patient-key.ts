/**
 * The patient's own key, which CareChain never holds: a browser wallet (EIP-1193 `window.ethereum`), or a key made
 * and kept in this browser's local storage. The key only signs: once to sign in (EIP-4361) and once per
 * organisation to make the pairwise identity (the key and the pseudonym used toward that organisation), whose key
 * then signs the consent actions (EIP-712) without asking again.
 */
import { BrowserProvider, type Eip1193Provider, Wallet } from 'ethers';
import type { PatientSigner } from '../../../../shared/domain/patient-identity.ts';

const STORAGE_KEY = 'carechain.patient-key';

export type KeySource = 'wallet' | 'browser';

declare global {
  interface Window {
    ethereum?: Eip1193Provider;
  }
}

export function hasBrowserWallet(): boolean {
  return typeof window !== 'undefined' && window.ethereum !== undefined;
}

/** The key kept in this browser, if one was made before. */
export function storedBrowserKey(): Wallet | undefined {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (!saved) return undefined;
  try {
    return new Wallet(saved);
  } catch {
    return undefined;
  }
}

/** The key kept in this browser, made now if there is none. */
export function browserKey(): Wallet {
  const known = storedBrowserKey();
  if (known) return known;
  const made = Wallet.createRandom();
  localStorage.setItem(STORAGE_KEY, made.privateKey);
  return new Wallet(made.privateKey);
}

/** Forgets the key kept in this browser (after the patient exported it, or to start over). */
export function forgetBrowserKey(): void {
  localStorage.removeItem(STORAGE_KEY);
}

/** A signer for the chosen source; the wallet asks the patient to connect an account. */
export async function patientSigner(source: KeySource): Promise<PatientSigner> {
  if (source === 'browser') return browserKey();
  if (!window.ethereum) throw new Error('No browser wallet was found. Use a key kept in this browser instead.');
  return new BrowserProvider(window.ethereum).getSigner();
}
