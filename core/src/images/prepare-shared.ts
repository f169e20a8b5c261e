/**
 * Query preparation on two threads: this thread plans the variants (trim box, caption bands), then it
 * and the verify helper take the variant jobs from one shared queue (verify-work.ts). Each job is a
 * pure function of the picture, and the variants are put back in the plan's order: the prepared query
 * is prepareQuery()'s, bit for bit, whichever thread made which job.
 */
import type { Rgb } from './feature-types.js';
import { jobVariants, planQuery, type PreparedQuery, type QueryVariant } from './prepare-query.js';
import type { StageClock } from './stage-timings.js';
import { WorkQueue, type PictureBytes, type PrepareHelper } from './verify-work.js';

/**
 * prepareQuery() of `rgb` (decoded from `pixels`, its interleaved bytes) with the helper's part in it.
 * Laps `prepare` (the plan, this thread) and `variants` (the jobs, with the helper's CPU).
 */
export async function prepareQueryShared(
  rgb: Rgb,
  pixels: Uint8Array,
  helper: PrepareHelper | undefined,
  timings?: StageClock,
): Promise<PreparedQuery> {
  const { jobs, grey } = planQuery(rgb);
  timings?.lap('prepare');
  const queue = WorkQueue.create(jobs.length);
  const picture: PictureBytes = { width: rgb.width, height: rgb.height, pixels };
  // (a single job is not shared: the bytes' trip would cost more than it saves)
  const theirs = jobs.length > 1 ? helper?.prepare(queue, picture, jobs) : undefined;
  const made: (QueryVariant[] | undefined)[] = new Array<QueryVariant[] | undefined>(jobs.length);
  let mine = 0;
  for (let j = queue.take(); j >= 0; j = queue.take()) ((made[j] = jobVariants(rgb, jobs[j]!, grey)), mine++);
  // (every job done here: the helper took none, its answer is not waited for)
  const part = mine < jobs.length ? await theirs : null;
  for (const [j, v] of part?.results ?? []) made[j] = v;
  // what the helper took but did not answer (it failed) is made here
  for (let j = 0; j < jobs.length; j++) made[j] ??= jobVariants(rgb, jobs[j]!, grey);
  timings?.lap('variants', part?.cpuMs);
  return { variants: made.flatMap((v) => v!) };
}
