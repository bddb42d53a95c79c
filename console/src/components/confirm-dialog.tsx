/**
 * Asks before an action that cannot be taken back (stop, delete, revoke). A native modal <dialog>: focus moves
 * into it and stays there, Escape cancels, and focus returns to the button that opened it.
 */
import { type ReactNode, useEffect, useRef } from 'react';
import type { ApiError } from '../api/api-client.ts';
import { ErrorMessage } from './error-message.tsx';

export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  danger = false,
  pending = false,
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
  readonly error?: ApiError | undefined;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
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
      aria-labelledby="confirm-dialog-title"
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
        <h2 id="confirm-dialog-title">{title}</h2>
        <div className="dialog-body">{children}</div>
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
