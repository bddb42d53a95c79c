/**
 * A chain-log filter as people type it and as the API takes it (eth_getLogs' shape): addresses one per line (or
 * separated by commas or spaces); topics one line per position, on a line a topic, several separated by commas
 * (any of them), or `*` (or nothing) for anything. Nothing is checked here: the API says what is wrong, where.
 */
export type TopicPosition = string | string[] | null;

export function parseAddresses(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

export function parseTopics(text: string): TopicPosition[] {
  const lines = text.split('\n').map((line) => line.trim());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => {
    if (line === '' || line === '*') return null;
    const any = line
      .split(',')
      .map((topic) => topic.trim())
      .filter(Boolean);
    return any.length === 1 ? (any[0] as string) : any;
  });
}

/** A position as the endpoint list shows it. */
export function topicPositionText(position: TopicPosition): string {
  if (position === null) return '*';
  return typeof position === 'string' ? position : position.join(' or ');
}

/** Addresses as the form shows them to be changed: one per line (what `parseAddresses` reads back). */
export function addressesText(addresses: readonly string[] | undefined): string {
  return (addresses ?? []).join('\n');
}

/** Topics as the form shows them to be changed: one line per position (what `parseTopics` reads back). */
export function topicsText(topics: readonly TopicPosition[] | undefined): string {
  return (topics ?? [])
    .map((position) => (position === null ? '*' : typeof position === 'string' ? position : position.join(', ')))
    .join('\n');
}
