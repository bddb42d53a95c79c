/**
 * Asks before an action that cannot be taken back (stop, delete, revoke, a signed vote). A native modal <dialog>:
 * focus moves into it and stays there, Escape cancels, and focus returns to the button that opened it. While the
 * action runs, `progress` says what is happening (a transaction being mined takes seconds), in a live region.
 */
import { type ReactNode, useEffect, useId, useRef } from 'react';
import type { ApiError } from '../api/api-client.ts';
import { ErrorMessage } from './error-message.tsx';

export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  danger = false,
  pending = false,
  progress,
  error,
  onConfirm,
  onCancel,
}: {
  readonly open: boolean;
  readonly title: string;
  readonly children?: ReactNode;
  readonly confirmLabel: string;
  readonly danger?: boolean;
  readonly pending?: boolean;
  /** Shown while `pending`: what is under way and how long it takes. */
  readonly progress?: ReactNode;
  readonly error?: ApiError | undefined;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) element.showModal();
    if (!open && element.open) element.close();
  }, [open]);
  return (
    <dialog
      ref={dialog}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        if (!pending) onCancel();
      }}
    >
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          onConfirm();
        }}
      >
        <h2 id={titleId}>{title}</h2>
        <div className="dialog-body">{children}</div>
        <div className="dialog-progress" role="status">
          {pending && progress}
        </div>
        <ErrorMessage error={error} />
        <div className="dialog-actions">
          <button type="button" className="button button-quiet" onClick={onCancel} disabled={pending}>
            Cancel
          </button>
          <button type="submit" className={`button ${danger ? 'button-danger' : 'button-primary'}`} disabled={pending}>
            {pending ? 'Working…' : confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
