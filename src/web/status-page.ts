/**
 * The HTML status page (`/` and `/status`): one self-contained document, no external assets
 * (nodepool hosts often have no internet). Its script fetches the JSON endpoints, renders
 * node counts by state, label and provider, the nodes, image builds and uploads, and an
 * inline SVG chart of node counts over time, and refreshes itself every 5 s (`?refresh=N`
 * seconds, 0 to stop).
 */
import { STATUS_PAGE_SCRIPT } from './status-page-script.js';

const STYLE = `
:root { --fg:#1d2733; --muted:#5b6675; --line:#d8dde4; --bg:#f5f7fa; --card:#fff;
  --building:#e0a100; --ready:#2e8b57; --used:#3466c2; --delete:#c0392b; --hold:#8e44ad; --test:#7f8c8d; --total:#1d2733; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; align-items:baseline; gap:16px; padding:14px 24px; background:#24313f; color:#fff; }
header h1 { margin:0; font-size:20px; font-weight:600; }
header .meta { color:#c5cfdb; font-size:13px; }
main { padding:16px 24px 32px; display:grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap:16px; }
section { background:var(--card); border:1px solid var(--line); border-radius:6px; padding:12px 16px; overflow-x:auto; }
section.wide { grid-column: 1 / -1; }
h2 { margin:0 0 8px; font-size:15px; font-weight:600; }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { text-align:left; padding:4px 8px; border-bottom:1px solid var(--line); white-space:nowrap; }
th { color:var(--muted); font-weight:600; }
td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; }
.cards { display:flex; flex-wrap:wrap; gap:10px; }
.card { min-width:96px; padding:8px 12px; border-radius:6px; border:1px solid var(--line); border-left:6px solid var(--c); }
.card .n { font-size:24px; font-weight:700; }
.card .l { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
.state { display:inline-block; padding:0 6px; border-radius:3px; color:#fff; font-size:12px; background:var(--c, #7f8c8d); }
.bar { display:inline-block; height:8px; background:var(--ready); border-radius:2px; vertical-align:middle; }
.bar.building { background:var(--building); }
.error { color:#a12; }
#alarms { margin:16px 24px 0; padding:10px 16px; border-radius:6px; background:#fdecea; border:1px solid #e6a59d; color:#7a1c12; }
#alarms p { margin:2px 0; }
.empty { color:var(--muted); font-style:italic; }
svg text { font-size:11px; fill:var(--muted); }
.legend { display:flex; gap:14px; font-size:12px; color:var(--muted); margin-top:4px; }
.legend i { display:inline-block; width:14px; height:3px; background:var(--c); vertical-align:middle; margin-right:4px; }
`;

/** The whole page. */
export const STATUS_PAGE_HTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Nodepool status</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>Nodepool status</h1><span class="meta" id="updated">loading…</span></header>
<noscript><p>This page needs JavaScript. The same data is at
<a href="node-list">node-list</a>, <a href="label-list">label-list</a>,
<a href="provider-list">provider-list</a>, <a href="dib-image-list">dib-image-list</a>,
<a href="image-list">image-list</a>, <a href="launcher-list">launcher-list</a> (add <code>.json</code> for JSON) and <a href="metrics">metrics</a>.</p></noscript>
<div id="alarms" role="alert" hidden></div>
<main>
<section class="wide" id="summary"><h2>Nodes by state</h2><div class="cards" id="state-cards"></div></section>
<section class="wide" id="labels"><h2>Labels</h2><div class="body"></div></section>
<section id="providers"><h2>Providers</h2><div class="body"></div></section>
<section id="builds"><h2>Image builds</h2><div class="body"></div></section>
<section class="wide" id="history"><h2>Node counts over time</h2><div class="body"></div></section>
<section class="wide" id="nodes"><h2>Nodes</h2><div class="body"></div></section>
<section class="wide" id="uploads"><h2>Image uploads</h2><div class="body"></div></section>
<section class="wide" id="launchers"><h2>Launchers</h2><div class="body"></div></section>
</main>
<script>${STATUS_PAGE_SCRIPT}</script>
</body>
</html>
`;
