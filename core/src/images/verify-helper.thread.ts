/**
 * The verify helper's thread (verify-helper.ts): keeps each search's verification data between its
 * screening and verification messages, and takes units from the queues it is sent alongside the index
 * worker. Errors are answered as `failed`: the index worker then does the units itself.
 */
import { parentPort } from 'node:worker_threads';
import { VerifyWork, WorkQueue } from './verify-work.js';
import type { FromHelper, ToHelper } from './verify-helper.js';
import { threadSchedstat } from './thread-cpu.js';
import { jobVariants } from './prepare-query.js';
import { rgbFromInterleaved } from './pixels.js';

const threadCpu = () => threadSchedstat()?.cpu ?? NaN;

const port = parentPort!;
/** Searches at once whose data are kept (the index worker ends each; a lost end is evicted). */
const KEEP = 8;
const searches = new Map<number, VerifyWork>();

port.on('message', (m: ToHelper) => {
  if (m.type === 'begin') {
    searches.set(m.id, new VerifyWork(m.variants, m.candidates));
    for (const id of searches.keys()) if (searches.size > KEEP) searches.delete(id);
    return;
  }
  if (m.type === 'end') return void searches.delete(m.id);
  const call = m.type === 'screen' ? 'screened' : m.type === 'verify' ? 'verified' : 'prepared';
  try {
    if (m.type === 'prepare') {
      const t0 = threadCpu();
      const queue = new WorkQueue(m.queue, m.n);
      const results: [number, ReturnType<typeof jobVariants>][] = [];
      // (the picture's planes only once a unit is left for this thread)
      let rgb: ReturnType<typeof rgbFromInterleaved> | undefined;
      for (let j = queue.take(); j >= 0; j = queue.take()) {
        rgb ??= rgbFromInterleaved(m.picture.pixels, m.picture.width, m.picture.height, 3);
        results.push([j, jobVariants(rgb, m.jobs[j]!)]);
      }
      return void port.postMessage({ type: 'prepared', id: m.id, results, cpuMs: threadCpu() - t0 } satisfies FromHelper);
    }
    const work = searches.get(m.id);
    if (!work) throw new Error(`no data for search ${m.id}`);
    let reply: FromHelper;
    const t0 = threadCpu();
    if (m.type === 'screen') {
      const queue = new WorkQueue(m.queue, m.n);
      const results: [number, ReturnType<VerifyWork['screen']>][] = [];
      for (let k = queue.take(); k >= 0; k = queue.take()) {
        results.push([k, work.screen(k, m.orders[k]!)]);
        queue.finish(k);
      }
      reply = { type: 'screened', id: m.id, results, cpuMs: threadCpu() - t0 };
    } else {
      for (const [k, s] of m.adopt) work.adopt(k, s);
      const queue = new WorkQueue(m.queue, m.n, m.stop);
      const results: [number, ReturnType<VerifyWork['verify']>][] = [];
      for (let j = queue.take(); j >= 0; j = queue.take()) {
        const o = work.verify(m.items[j]!.k, m.items[j]!.variants);
        results.push([j, o]);
        queue.finish(j, o.ncc + o.grad);
      }
      reply = { type: 'verified', id: m.id, results, cpuMs: threadCpu() - t0 };
    }
    port.postMessage(reply);
  } catch (err) {
    port.postMessage({ type: 'failed', id: m.id, call, error: err instanceof Error ? err.message : String(err) } satisfies FromHelper);
  }
});
