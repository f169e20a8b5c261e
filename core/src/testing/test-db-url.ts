/** The same server URL with another database name (works for TCP and socket-folder URLs alike). */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
