/** GET /api/v1/openapi.json (the contract) and /api/docs (a readable page of it, plain HTML without scripts). */
import { Router } from 'express';
import { buildOpenApi } from '../openapi/build-openapi.js';

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function docsPage(doc: Record<string, any>): string {
  const rows: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(ops)) {
      const params = (op.parameters ?? [])
        .map((p: any) => `<code>${esc(p.name)}</code> (${esc(p.in)}${p.required ? ', required' : ''})`)
        .join(', ');
      const body = op.requestBody
        ? Object.keys(op.requestBody.content)
            .map((t) => `<code>${esc(t)}</code>`)
            .join(' or ')
        : '';
      const auth = op.security ? op.security.map((s: any) => Object.keys(s)[0]).join(' or ') : 'none';
      rows.push(
        `<tr><td><code>${esc(method.toUpperCase())}</code></td><td><code>${esc(path)}</code></td><td>${esc(op.summary)}</td>` +
          `<td>${esc(auth)}</td><td>${params}${params && body ? '<br>' : ''}${body}</td><td>${esc(Object.keys(op.responses).join(' '))}</td></tr>`,
      );
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.info.title)} ${esc(doc.info.version)}</title></head><body>
<h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1>
<p>${esc(doc.info.description)}</p>
<p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1; load it into any OpenAPI viewer or client generator).</p>
<table border="1" cellpadding="4"><thead><tr><th>Method</th><th>Path</th><th>What</th><th>Auth</th><th>Input</th><th>Statuses</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>
<p>Every error answers <code>{"error": {"code", "message", "details"?}}</code>.</p></body></html>`;
}

export function openApiRoutes(deps: { version: string }): Router {
  const doc = buildOpenApi(deps.version);
  const html = docsPage(doc);
  const r = Router();
  r.get('/api/v1/openapi.json', (_req, res) => void res.json(doc));
  r.get('/api/docs', (_req, res) => void res.type('html').send(html));
  return r;
}
