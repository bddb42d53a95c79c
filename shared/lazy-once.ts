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

/**
 * A CommonJS package's exports as `import()` gives them, read from where they are: on the namespace under Node and
 * tsx, but only on `default` (its `module.exports`) in a bundle's chunk, where esbuild gives a CommonJS module no
 * named exports; and under tsx `default` lacks them for a package marked `__esModule`. The one that holds `name` is
 * returned; a module with neither is refused, naming the export.
 */
export function commonJsExports<T extends object>(namespace: T, name: keyof T & string): T {
  if (namespace[name] !== undefined) return namespace;
  const moduleExports = (namespace as { default?: T }).default;
  if (moduleExports !== undefined && moduleExports[name] !== undefined) return moduleExports;
  throw new Error(`The module loaded has no export named ${name}`);
}
