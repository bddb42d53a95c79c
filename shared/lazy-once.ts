/**
 * What `make` gives, made the first time it is asked for and then kept; a failure is not kept, so the next ask tries
 * again. For a module loaded with `import()` at its first use (a Lambda bundle keeps it in a chunk of its own, read
 * then rather than at every cold start: infra/constructs/lambda-bundling.ts), and for what a handler builds on its
 * first invocation (`coldStart`).
 */
export function lazyOnce<T>(make: () => Promise<T>): () => Promise<T> {
  let making: Promise<T> | undefined;
  return () => {
    making ??= make().catch((error: unknown) => {
      making = undefined;
      throw error;
    });
    return making;
  };
}
