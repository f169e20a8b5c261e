/** Signal handling shared by the long-running commands (sync, import-export). */
/** Ctrl-C / SIGTERM once: stop gracefully (between messages); twice: exit now. */
export function abortOnSignals(logger: { warn(msg: string): void }): AbortController {
  const ac = new AbortController();
  const onSignal = (sig: string) => {
    if (ac.signal.aborted) process.exit(130);
    logger.warn(`${sig}: finishing the current messages, then stopping (again to exit now)`);
    ac.abort();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  return ac;
}
