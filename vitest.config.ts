import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // What a page or a table shows after a background pass (the governance watcher, the monitor, the event
    // workers) takes seconds, more on a busy machine: expect.poll waits up to 10 s unless a test says otherwise.
    expect: { poll: { timeout: 10_000 } },
    pool: 'forks',
    reporters: ['default', 'json'],
    // .ci/run reads the summary line from this file.
    outputFile: { json: '.vitest-report.json' },
    // The SDK warns that its 2027 releases need Node 22; the pinned versions support Node 20.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
