/** Admin sync panel: Telegram session state, channels with their runs, "sync now" requests. */
import { z } from 'zod';
import { idSchema, timestamp } from './common.js';

const run = z
  .object({
    id: idSchema,
    kind: z.string(),
    status: z.enum(['running', 'ok', 'failed', 'cancelled']),
    started_at: timestamp,
    finished_at: timestamp.nullable(),
    heartbeat_at: timestamp,
    // These keys keep the sync worker's camelCase for now: the admin sync page reads them (see docs/api.md).
    counts: z
      .object({
        scanned: z.number().int(),
        downloaded: z.number().int(),
        new: z.number().int(),
        updated: z.number().int(),
        hidden: z.number().int(),
        failed: z.number().int(),
        skipped: z.record(z.string(), z.number().int()),
        floodWaitSeconds: z.number(),
        waitingUntil: timestamp.nullable().optional(),
        remaining: z.number().int().nullable().optional(),
        lastMessageId: z.number().int().optional(),
      })
      .meta({ description: 'Progress counters.' }),
    errors: z.array(z.object({ messageId: z.number().int().nullable(), error: z.string(), at: timestamp })),
    error: z.string().nullable(),
    eta_seconds: z.number().int().nullable().meta({
      description: 'Running runs: seconds left at the current pace, when the number of messages left is known.',
    }),
  })
  .meta({ id: 'SyncRun' });

const historyRun = run
  .extend({ channel_id: idSchema.nullable(), channel_title: z.string().nullable() })
  .meta({ id: 'SyncRunHistoryItem' });

export const syncOverview = z.object({
  telegram_session: z.object({
    state: z.string(),
    account: z.string().nullable(),
    message: z.string().nullable(),
    updated_at: timestamp.nullable(),
  }),
  pending_requests: z.number().int(),
  can_sync: z
    .object({ ok: z.boolean(), reason: z.string().nullable() })
    .meta({ description: 'Whether "sync now" can work, and why not.' }),
  schedule: z.string().nullable().meta({ description: 'SYNC_CRON when Telegram is configured.' }),
  next_run_at: timestamp.nullable(),
  history: z.array(historyRun),
  channels: z.array(
    z.object({
      id: idSchema,
      title: z.string(),
      username: z.string().nullable(),
      ref: z.string().nullable(),
      source: z.string(),
      enabled: z.boolean(),
      last_message_id: z.number().int(),
      last_synced_at: timestamp.nullable(),
      last_error: z.string().nullable(),
      last_run: run.nullable(),
      running: run.nullable(),
    }),
  ),
});

export type SyncOverview = z.infer<typeof syncOverview>;

/** Body of POST /api/v1/admin/sync: one channel, or all when absent. */
export const syncRequestBody = z
  .object({
    channel_id: z
      .union([idSchema, z.number().int().positive().max(Number.MAX_SAFE_INTEGER).transform(String)])
      .nullable()
      .optional(),
  })
  .strict()
  .default({});

export const syncRequested = z.object({
  request: z.object({ id: idSchema, channel_id: idSchema.nullable(), requested_at: timestamp }),
});
