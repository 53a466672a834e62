/**
 * Re-records the journal fixtures in test/fixtures/journals/ (see docs/journal.md):
 *
 *   npx tsx test/replay/record-fixtures.ts
 *
 * Each scenario of scenarios.ts runs the real supervisor on the simulated runtime; the mutated
 * copy `mutated-happy-path.v2.jsonl` is derived from the happy path.
 */
import { writeFileSync } from 'node:fs';
import { mutate, recordScenario, SCENARIOS } from './scenarios.js';

const dir = new URL('../fixtures/journals/', import.meta.url);

for (const name of Object.keys(SCENARIOS)) {
  const text = await recordScenario(name);
  writeFileSync(new URL(`${name}.v2.jsonl`, dir), text);
  if (name === 'happy-path') writeFileSync(new URL('mutated-happy-path.v2.jsonl', dir), mutate(text));
  console.log(`${name}.v2.jsonl: ${text.trim().split('\n').length} entries`);
}
