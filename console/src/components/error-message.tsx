/**
 * An API error in words, placed next to what caused it. Field errors that no input on the form shows are listed
 * here too, each under the name a person would give the field (the API names fields as code does), so nothing
 * the server said is lost. The messages themselves come in plain words from the API.
 */
import type { ApiError } from '../api/api-client.ts';

/** `memberKeyId` → "Member key id", `validators.2` → "Validators, item 3". */
export function fieldLabel(field: string, labels: Readonly<Record<string, string>> = {}): string {
  const known = labels[field];
  if (known) return known;
  const [head = field, ...rest] = field.split('.');
  const words = head
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
  const name = (labels[head] ?? words.charAt(0).toUpperCase() + words.slice(1)) || 'The request';
  const index = rest.find((part) => /^\d+$/.test(part));
  return index === undefined ? name : `${name}, item ${Number(index) + 1}`;
}

export function ErrorMessage({
  error,
  shownFields = [],
  fieldLabels,
  className = '',
}: {
  readonly error: ApiError | undefined;
  /** Fields whose messages already appear beside their inputs. */
  readonly shownFields?: readonly string[];
  /** How this form names its fields, where that differs from the field's own name. */
  readonly fieldLabels?: Readonly<Record<string, string>>;
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
              <strong>{fieldLabel(field, fieldLabels)}</strong>: {message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
