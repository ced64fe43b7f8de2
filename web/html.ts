import { html as honoHtml, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

/** Markup already escaped: hono/html's escaped string. */
export type SafeHtml = HtmlEscapedString;

type Interpolation = SafeHtml | string | number | undefined | null | false | readonly Interpolation[];

/**
 * hono/html's `html`: interpolated strings are escaped, `false`/`null`/`undefined` render nothing, arrays are
 * joined. Nothing interpolated here is asynchronous, so the result is always a string.
 */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  return honoHtml(strings, ...values) as SafeHtml;
}

export interface PageOptions {
  readonly title: string;
  readonly nonce: string;
  readonly body: SafeHtml;
  readonly script?: string;
}

const STYLE = `
:root{color-scheme:light dark;--fg:#1d2433;--muted:#5b6475;--bg:#f5f7fb;--card:#fff;--line:#d9dee8;--accent:#3446d4;--accent-fg:#fff;--danger:#b42318;--ok:#067647}
@media (prefers-color-scheme:dark){:root{--fg:#e7eaf1;--muted:#a4acbd;--bg:#11151d;--card:#1a202b;--line:#2e3646;--accent:#7d8cff;--accent-fg:#0b0e14;--danger:#ff8a80;--ok:#6fd39a}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:40rem;margin:3rem auto;padding:0 1rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1.5rem 1.75rem;box-shadow:0 1px 2px rgb(0 0 0/.05)}
h1{font-size:1.5rem;margin:0 0 .75rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
p{margin:.5rem 0}
.muted{color:var(--muted);font-size:.925rem}
ul.accounts{list-style:none;padding:0;margin:1rem 0}
ul.accounts li{border:1px solid var(--line);border-radius:8px;padding:.75rem 1rem;margin:.5rem 0;display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap}
.who{font-weight:600;word-break:break-all}
.actions{display:flex;gap:.75rem;flex-wrap:wrap;margin-top:1.25rem}
.row-actions{display:flex;gap:.5rem;flex-wrap:wrap}
form{margin:0}
button,select{font:inherit;border-radius:8px;padding:.55rem 1rem;border:1px solid var(--line);background:var(--card);color:var(--fg);cursor:pointer}
button.primary{background:var(--accent);border-color:var(--accent);color:var(--accent-fg);font-weight:600}
button.danger{color:var(--danger);border-color:var(--danger)}
button:focus-visible,select:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
label{display:block;font-weight:600;margin:.5rem 0 .25rem}
.notice{border-left:4px solid var(--accent);padding:.5rem .75rem;margin:1rem 0;background:rgb(127 127 127/.08)}
.notice.error{border-color:var(--danger)}
.notice.ok{border-color:var(--ok)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:.5rem 0}
dt{color:var(--muted)}
dd{margin:0;word-break:break-all}
`;

export function page(options: PageOptions): string {
  const script = options.script ? html`<script nonce="${options.nonce}">${raw(options.script)}</script>` : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${options.title}</title>
<style nonce="${options.nonce}">${raw(STYLE)}</style>
</head>
<body>
<main>
<div class="card">
${options.body}
</div>
</main>
${script}
</body>
</html>
`.toString();
}

/** The CSRF token every form of the web app carries. */
export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${token}">`;
}
