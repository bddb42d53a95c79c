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
  const fields = Object.entries(error.fieldErrors);
  const others = fields.filter(([field]) => !shownFields.includes(field));
  // When every field message already sits beside its input, the summary only points there.
  const summary =
    fields.length > 0 && others.length === 0
      ? `${fields.length === 1 ? 'One field needs' : 'Some fields need'} attention: see the message${fields.length === 1 ? '' : 's'} above.`
      : error.message;
  return (
    <div className={`error-message ${className}`} role="alert">
      <p>{summary}</p>
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
