/**
 * Writing to the process's stdout and stderr so that output can never end the process or cut short what it is
 * doing. When the reader of a piped stdout or stderr goes away (a closed terminal, a log shipper restarting),
 * every write fails with EPIPE, which Node reports as an 'error' event on the stream; unhandled, that event ends
 * the process wherever it was: in the middle of a shutdown that had yet to stop its chain processes, say.
 * Output is best effort: once a stream has failed, what would have gone to it is dropped, as nobody reads it.
 */

const guarded = new WeakSet<NodeJS.WritableStream>();
const failed = new WeakSet<NodeJS.WritableStream>();

/** Makes write failures of the stream end only its output, never the process. Idempotent. */
export function guardOutput(stream: NodeJS.WritableStream): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  // There is no one left to tell. Node keeps process.stdout and process.stderr open (writable) after a failure,
  // so the failure is remembered here, and later writes through writeOutput are not even attempted.
  stream.on('error', () => failed.add(stream));
}

/** Guards stdout and stderr, including the writes of code that uses them directly (libraries, `console`). */
export function guardProcessOutput(): void {
  guardOutput(process.stdout);
  guardOutput(process.stderr);
}

/** Writes the text unless the stream has failed. */
export function writeOutput(stream: NodeJS.WritableStream, text: string): void {
  guardOutput(stream);
  if (!failed.has(stream) && stream.writable) stream.write(text);
}
