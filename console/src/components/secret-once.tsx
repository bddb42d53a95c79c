/**
 * A secret the server shows exactly once (an API key, a webhook signing secret): the warning, the value with its
 * copy button, and "I have stored it", after which the page never shows it again.
 */
import { type ReactNode, useId } from 'react';
import { CopyableValue } from './copy-button.tsx';

export function SecretOnce({
  title,
  secret,
  copyLabel,
  onDone,
  children,
}: {
  readonly title: string;
  readonly secret: string;
  readonly copyLabel: string;
  readonly onDone: () => void;
  /** The warning and what to do if the secret is lost. */
  readonly children: ReactNode;
}) {
  const headingId = useId();
  return (
    <section className="card card-highlight secret-once" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      {children}
      <CopyableValue value={secret} label={copyLabel} />
      <div className="button-row">
        <button type="button" className="button" onClick={onDone}>
          I have stored it
        </button>
      </div>
    </section>
  );
}
