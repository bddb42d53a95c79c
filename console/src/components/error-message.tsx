/**
 * An API error in words, placed next to what caused it. Field errors that no input on the form shows are listed
 * here too, so nothing the server said is lost.
 */
import type { ApiError } from '../api/api-client.ts';

export function ErrorMessage({
  error,
  shownFields = [],
  className = '',
}: {
  readonly error: ApiError | undefined;
  /** Fields whose messages already appear beside their inputs. */
  readonly shownFields?: readonly string[];
  readonly className?: string;
}) {
  if (!error) return null;
  const others = Object.entries(error.fieldErrors).filter(([field]) => !shownFields.includes(field));
  return (
    <div className={`error-message ${className}`} role="alert">
      <p>{error.message}</p>
      {others.length > 0 && (
        <ul>
          {others.map(([field, message]) => (
            <li key={field}>
              <strong>{field}</strong>: {message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
