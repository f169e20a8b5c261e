/**
 * A separate process that uses the embedded database the way Waifudex processes do (a real pool), for
 * the multi-process tests: `node --import tsx embedded-load.ts [--throwaway] DATA_DIR TAG COUNT [HOLD_MS]`.
 * Every query checks that its answer is its own (the bug class of a shared backend session), then
 * inserts one row. Prints `{"tag","wrong","inserted"}` on stdout. `--throwaway`: a cluster it starts is a
 * throwaway one (throwaway-clusters.ts).
 */
import { openDatabase } from '../db/database.js';
import { createLogger } from '../logger.js';
import { useThrowawayClusters } from './throwaway-clusters.js';

const args = process.argv.slice(2);
if (args[0] === '--throwaway') {
  args.shift();
  useThrowawayClusters();
}
const [dataDir, tag, countArg, holdArg] = args;
const count = Number(countArg);
const db = await openDatabase({ dataDir: dataDir!, logger: createLogger('silent', 'load') });
try {
  await db.query('CREATE TABLE IF NOT EXISTS load_rows (tag text NOT NULL, i int NOT NULL, PRIMARY KEY (tag, i))');
} catch (err) {
  if (!['23505', '42P07'].includes((err as { code?: string }).code ?? '')) throw err; // created concurrently
}
let wrong = 0;
let inserted = 0;
let next = 0;
const work = async () => {
  while (next < count) {
    const i = next++;
    const r = await db.query<{ i: number; tag: string }>(
      'SELECT $1::int AS i, $2::text AS tag, pg_backend_pid() AS pid',
      [i, tag],
    );
    if (r.rows[0]?.i !== i || r.rows[0]?.tag !== tag) wrong++;
    const ins = await db.query('INSERT INTO load_rows (tag, i) VALUES ($1, $2)', [tag, i]);
    inserted += ins.rowCount ?? 0;
    if (holdArg) await new Promise((res) => setTimeout(res, Number(holdArg) / count));
  }
};
await Promise.all(Array.from({ length: 8 }, work));
process.stdout.write(`${JSON.stringify({ tag, wrong, inserted })}\n`);
await db.close();
