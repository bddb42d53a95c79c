/**
 * The layering of docs/architecture.md, checked on every import of every TypeScript file under functions/, shared/
 * and console/src: arrows point one way and no group of files imports itself in a circle.
 */
import { describe, expect, it } from 'vitest';
import { importCycles, importGraph } from './import-graph.ts';

const graph = importGraph(['functions', 'shared', 'console/src']);

/** Every arrow from a file under `from` to a file that `allowed` refuses, as "importer -> imported". */
function wrongArrows(from: string, allowed: (target: string) => boolean): string[] {
  return [...graph].flatMap(([file, imports]) =>
    file.startsWith(from) ? imports.filter((target) => !allowed(target)).map((target) => `${file} -> ${target}`) : [],
  );
}

const under =
  (...folders: string[]) =>
  (target: string) =>
    folders.some((folder) => target === folder || target.startsWith(folder));

describe('import arrows', () => {
  it('reads the whole code base', () => {
    expect(graph.size).toBeGreaterThan(200);
    expect(graph.get('functions/api/app.ts')).toContain('functions/api/app-deps.ts');
  });

  it('has no import cycles in functions/ or shared/', () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it('keeps the domain pure: it imports only the domain and the named errors', () => {
    expect(wrongArrows('shared/domain/', under('shared/domain/', 'shared/errors.ts'))).toEqual([]);
  });

  it('lets ports import only the domain', () => {
    expect(wrongArrows('shared/ports/', under('shared/domain/', 'shared/ports/', 'shared/errors.ts'))).toEqual([]);
  });

  it('lets schemas import only schemas and the domain (the console imports them)', () => {
    expect(wrongArrows('shared/schemas/', under('shared/schemas/', 'shared/domain/', 'shared/errors.ts'))).toEqual([]);
  });

  it('keeps shared/ free of the entry points and apps in functions/', () => {
    expect(wrongArrows('shared/', (target) => !target.startsWith('functions/'))).toEqual([]);
  });

  it('keeps the gateway apart from the tenant API', () => {
    expect(wrongArrows('functions/gateway/', (target) => !target.startsWith('functions/api/'))).toEqual([]);
  });

  it('lets services import neither the API, the jobs nor the entry points', () => {
    const entryOrApp = under('functions/api/', 'functions/jobs/', 'functions/handlers/', 'functions/local/');
    expect(wrongArrows('functions/services/', (target) => !entryOrApp(target))).toEqual([]);
  });

  it('lets jobs import neither the API nor the entry points', () => {
    const entry = under('functions/api/', 'functions/handlers/', 'functions/local/');
    expect(wrongArrows('functions/jobs/', (target) => !entry(target))).toEqual([]);
  });

  it('lets only the entry folders construct adapters', () => {
    const core = ['functions/api/', 'functions/gateway/', 'functions/jobs/', 'functions/services/'];
    for (const folder of core) {
      expect(wrongArrows(folder, (target) => !target.startsWith('shared/adapters/'))).toEqual([]);
    }
  });

  it('keeps billing apart from the gateway', () => {
    expect(wrongArrows('functions/services/billing/', (target) => !target.startsWith('functions/gateway/'))).toEqual(
      [],
    );
  });

  it('lets the console import only schemas and the domain of the server', () => {
    expect(
      wrongArrows('console/src/', under('console/src/', 'shared/schemas/', 'shared/domain/', 'shared/errors.ts')),
    ).toEqual([]);
  });
});
