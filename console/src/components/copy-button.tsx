/**
 * Copies a value to the clipboard and says so (to sighted users on the button, to screen readers through a live
 * region). Falls back to selecting a hidden textarea where the Clipboard API is not allowed (plain http).
 */
import { useEffect, useState } from 'react';

async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  document.execCommand('copy');
  area.remove();
}

export function CopyButton({ value, label = 'Copy' }: { readonly value: string; readonly label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return undefined;
    const timer = setTimeout(() => setState('idle'), 2000);
    return () => clearTimeout(timer);
  }, [state]);
  return (
    <button
      type="button"
      className="button button-small button-quiet copy-button"
      onClick={() =>
        copyText(value).then(
          () => setState('copied'),
          () => setState('failed'),
        )
      }
    >
      <span aria-hidden={state !== 'idle'}>
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Not copied' : label}
      </span>
      <span className="visually-hidden" aria-live="polite">
        {state === 'copied' ? 'Copied to the clipboard' : state === 'failed' ? 'Could not copy; select the text' : ''}
      </span>
    </button>
  );
}

/** A value in monospace with its copy button, for addresses, URLs and commands. */
export function CopyableValue({ value, label }: { readonly value: string; readonly label?: string }) {
  return (
    <div className="copyable">
      <code className="copyable-value">{value}</code>
      <CopyButton value={value} label={label ?? 'Copy'} />
    </div>
  );
}
