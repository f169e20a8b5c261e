import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { requireBuilt } from '../testing/require-build.js';
import { runCli } from './cli-runner.js';

const INPUT = [
  JSON.stringify({ caption: '1207: Roronoa Zoro\nOne Piece\n(🟡 𝙍𝘼𝙍𝙄𝙏𝙔: Legendary)', family: 'ignored' }),
  'this is not json',
  JSON.stringify({ text: 'no caption field' }),
  '',
  JSON.stringify({ caption: 'Nico Robin - One Piece' }),
].join('\n');
const built = fileURLToPath(new URL('../../dist/captions/parse-captions-cli.js', import.meta.url));
const NULLS = { name: null, anime: null, rarity: null, source_id: null, confidence: 0 };

function check(outLines: string[]): void {
  expect(outLines).toHaveLength(5);
  const recs = outLines.map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(Object.keys(recs[0]!)).toEqual(['name', 'anime', 'rarity', 'source_id', 'confidence']);
  expect(recs[0]).toMatchObject({ name: 'Roronoa Zoro', anime: 'One Piece', rarity: 'Legendary', source_id: '1207' });
  expect(recs[1]).toEqual(NULLS);
  expect(recs[2]).toEqual(NULLS);
  expect(recs[3]).toEqual(NULLS); // an inner blank line still gets its answer
  expect(recs[4]).toMatchObject({ name: 'Nico Robin', anime: 'One Piece', source_id: null });
}

async function run(input: string): Promise<string[]> {
  const inp = new PassThrough();
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const done = runCli(inp, out);
  inp.end(input);
  await done;
  const text = Buffer.concat(chunks).toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n');
}

describe('parse-captions CLI', () => {
  it('writes one JSON line per input line, in order; a trailing newline adds nothing', async () => {
    check(await run(INPUT));
    check(await run(`${INPUT}\n`));
  });

  it('handles CRLF input and a BOM', async () => {
    check(await run(`\uFEFF${INPUT.replace(/\n/g, '\r\n')}\r\n`));
  });

  it('the built CLI behaves the same (core/dist present)', () => {
    requireBuilt(built);
    const r = spawnSync(process.execPath, [built], { input: `${INPUT}\n`, encoding: 'utf8' });
    expect(r.status).toBe(0);
    check(r.stdout.slice(0, -1).split('\n'));
  });
});

describe('parse-captions --channel-context', () => {
  const channelCaptions = [
    'Hyouka - Eru Chitanda',
    'Hyouka - Houtarou Oreki',
    'Hyouka - Mayaka Ibara',
    'Toradora - Taiga Aisaka',
    'Toradora - Ryuuji Takasu',
    'Dorohedoro - Nikaido',
    'Dorohedoro - Kaiman',
    'Hyouka - Satoshi Fukube',
    'Toradora - Ami Kawashima',
    'Dorohedoro - Ebisu',
  ];

  it('uses the channel statistics for the order of free-form captions', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { loadChannelContext } = await import('./cli-runner.js');
    const file = join(mkdtempSync(join(tmpdir(), 'captions-')), 'channel.jsonl');
    writeFileSync(file, `${channelCaptions.map((caption) => JSON.stringify({ caption })).join('\n')}\nnot json\n`);
    const channel = await loadChannelContext(file);
    expect(channel.order).toBe('series_first');
    const inp = new PassThrough();
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const done = runCli(inp, out, { channel });
    inp.end(`${JSON.stringify({ caption: 'Hyouka - Eru Chitanda' })}\n`);
    await done;
    expect(JSON.parse(Buffer.concat(chunks).toString('utf8'))).toMatchObject({ name: 'Eru Chitanda', anime: 'Hyouka' });
  });

  it('the built CLI exits with one line on a missing context file', () => {
    requireBuilt(built);
    const r = spawnSync(process.execPath, [built, '--channel-context', '/nonexistent/channel.jsonl'], {
      input: '',
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });
});
