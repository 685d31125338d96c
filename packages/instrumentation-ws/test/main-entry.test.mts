// `require('@ws-otel/instrumentation-ws')` is what an app's own SDK bootstrap
// does: it must load the OpenTelemetry API and instrumentation base only, never
// the SDK, exporters or resource detectors that `register` brings, so an app's
// stack decides which of those it runs (and how many copies).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFixture } from './helpers/child.mts';

for (const how of ['require', 'import']) {
  describe(`the main entry, by ${how}`, () => {
    it('loads @opentelemetry/api and @opentelemetry/instrumentation, and no other OpenTelemetry package', async () => {
      const packages = await runFixture<string[]>(['main-entry-modules.mjs', how]);
      assert.deepEqual(
        packages.filter((name) => name.startsWith('@opentelemetry/')),
        ['@opentelemetry/api', '@opentelemetry/instrumentation'],
      );
    });
  });
}
