/**
 * The patient page, reached from the login screen ("I am a patient"): no CareChain account. The patient signs in
 * with Sign-In with Ethereum using a browser wallet, or a key made and kept in this browser (with a warning and a
 * way to export it), then sees and changes their consents per organisation. The session token lives in memory
 * only: closing the page signs out.
 */
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import type { PatientSigner } from '../../../../shared/domain/patient-identity.ts';
import type { PatientNetwork, PatientNetworks, PatientSession } from '../../api/consent-types.ts';
import { useAction } from '../../api/use-action.ts';
import { useResource } from '../../api/use-resource.ts';
import { CopyableValue } from '../../components/copy-button.tsx';
import { ErrorMessage } from '../../components/error-message.tsx';
import { FormField } from '../../components/form-field.tsx';
import { SkeletonBlock } from '../../components/skeleton.tsx';
import { AuthBrand } from '../auth/auth-layout.tsx';
import { signIn } from './patient-api.ts';
import { forgetBrowserKey, hasBrowserWallet, type KeySource, patientSigner, storedBrowserKey } from './patient-key.ts';
import { PatientRecords } from './patient-records.tsx';

interface SignedIn {
  readonly session: PatientSession;
  readonly signer: PatientSigner;
  readonly network: PatientNetwork;
  readonly source: KeySource;
}

function BrowserKeyNotice() {
  const [shown, setShown] = useState(false);
  const key = storedBrowserKey();
  if (!key) return null;
  return (
    <section className="card card-highlight" aria-labelledby="key-heading">
      <h2 id="key-heading">Your key is kept only in this browser</h2>
      <p>
        CareChain does not have it. If this browser’s data is cleared, the key is gone and with it the pseudonyms your
        consents are filed under. Export it and keep it somewhere safe, like a password manager.
      </p>
      {shown ? (
        <CopyableValue value={key.privateKey} label="Copy key" />
      ) : (
        <button type="button" className="button" onClick={() => setShown(true)}>
          Show the key to export it
        </button>
      )}
    </section>
  );
}

export function PatientPage() {
  const networks = useResource<PatientNetworks>('/v1/patient/networks');
  const [networkId, setNetworkId] = useState('');
  const [signedIn, setSignedIn] = useState<SignedIn | undefined>(undefined);
  const items = networks.data?.items ?? [];
  const network = items.find((n) => n.id === networkId) ?? items[0];
  useEffect(() => {
    document.title = 'Patient · CareChain';
  }, []);

  const start = useAction(async (source: KeySource) => {
    if (!network) return;
    const signer = await patientSigner(source);
    setSignedIn({ session: await signIn(signer, network), signer, network, source });
  });

  return (
    <main className="patient-page" id="main">
      <header className="patient-header">
        <AuthBrand />
        <h1>Your consents</h1>
        <p>
          Decide which care organisations may read which of your records, and see who read them. Your records stay with
          the organisations; only your choices, under a pseudonym, are kept on the network.
        </p>
      </header>
      {!signedIn && (
        <section className="card" aria-labelledby="sign-in-heading">
          <h2 id="sign-in-heading">Sign in with your own key</h2>
          <ErrorMessage error={networks.error} />
          {networks.loading && <SkeletonBlock height={80} label="Loading networks" />}
          {networks.data && items.length === 0 && <p className="empty">No network offers consents yet.</p>}
          {items.length > 1 && (
            <FormField label="Network">
              <select value={network?.id} onChange={(e) => setNetworkId(e.target.value)}>
                {items.map((n) => (
                  <option key={n.id} value={n.id}>
                    {n.name}
                  </option>
                ))}
              </select>
            </FormField>
          )}
          {network && (
            <div className="button-row">
              {hasBrowserWallet() && (
                <button
                  type="button"
                  className="button button-primary"
                  disabled={start.pending}
                  onClick={() => void start.run('wallet')}
                >
                  Sign in with my wallet
                </button>
              )}
              <button
                type="button"
                className={hasBrowserWallet() ? 'button' : 'button button-primary'}
                disabled={start.pending}
                onClick={() => void start.run('browser')}
              >
                {storedBrowserKey() ? 'Sign in with the key in this browser' : 'Make a key in this browser and sign in'}
              </button>
            </div>
          )}
          <ErrorMessage error={start.error} />
          <p className="auth-alt">
            Work at a member organisation? <Link to="/login">Log in to the console</Link>
          </p>
        </section>
      )}
      {signedIn && (
        <>
          <section className="card" aria-labelledby="session-heading">
            <h2 id="session-heading">Signed in</h2>
            <p>Your identity on {signedIn.network.name} (a DID; organisations never see it):</p>
            <CopyableValue value={signedIn.session.did} label="Copy DID" />
            <div className="button-row">
              <button type="button" className="button" onClick={() => setSignedIn(undefined)}>
                Sign out
              </button>
              {signedIn.source === 'browser' && (
                <button
                  type="button"
                  className="button button-danger-quiet"
                  onClick={() => {
                    forgetBrowserKey();
                    setSignedIn(undefined);
                  }}
                >
                  Forget the key in this browser
                </button>
              )}
            </div>
          </section>
          {signedIn.source === 'browser' && <BrowserKeyNotice />}
          <PatientRecords token={signedIn.session.token} network={signedIn.network} signer={signedIn.signer} />
        </>
      )}
    </main>
  );
}
