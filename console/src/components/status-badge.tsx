/**
 * A state in words with a calm colour cue; the word carries the meaning, the colour only helps.
 */
import type { Tone } from '../api/labels.ts';

export function StatusBadge({ label, tone }: { readonly label: string; readonly tone: Tone }) {
  return (
    <span className={`badge badge-${tone}`}>
      <span className="badge-dot" aria-hidden="true" />
      {label}
    </span>
  );
}
