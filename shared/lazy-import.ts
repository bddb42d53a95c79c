/**
 * A module loaded with `import()` the first time it is asked for, then kept; a load that failed is tried again at the
 * next ask. A Lambda bundle keeps such a module in a chunk of its own (infra/constructs/lambda-bundling.ts), read when
 * first needed rather than at every cold start: for what a few requests use.
 */
export function lazyImport<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}
