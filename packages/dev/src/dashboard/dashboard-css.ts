/** The dashboard page's style sheet (`/dashboard/app.css`): system fonts, light and dark. */
export const DASHBOARD_CSS = `
:root { color-scheme: light dark; --bg: #fff; --fg: #1d2330; --muted: #6b7280; --line: #e5e7eb; --panel: #f8fafc;
  --ok: #15803d; --bad: #b91c1c; --warn: #b45309; --accent: #4f46e5; }
@media (prefers-color-scheme: dark) { :root { --bg: #0f1117; --fg: #e5e7eb; --muted: #9ca3af; --line: #2a2f3a;
  --panel: #161a23; --ok: #4ade80; --bad: #f87171; --warn: #fbbf24; --accent: #a5b4fc; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
code, pre, .id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
header { display: flex; align-items: center; gap: 16px; padding: 12px 20px; border-bottom: 1px solid var(--line); }
h1 { font-size: 17px; margin: 0; }
h2 { font-size: 15px; margin: 20px 0 8px; }
h3 { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 14px 0 6px; }
.live { font-size: 12px; color: var(--muted); }
.live[data-state="live"] { color: var(--ok); }
nav { display: flex; gap: 4px; padding: 0 20px; border-bottom: 1px solid var(--line); }
nav button { border: 0; background: none; color: var(--muted); padding: 10px 12px; font: inherit; cursor: pointer;
  border-bottom: 2px solid transparent; }
nav button[aria-selected="true"] { color: var(--fg); border-bottom-color: var(--accent); }
nav span:not(:empty) { background: var(--panel); border: 1px solid var(--line); border-radius: 9px; padding: 0 6px; font-size: 12px; }
main { padding: 16px 20px; }
#notice { margin: 10px 20px 0; padding: 8px 12px; border-radius: 6px; background: var(--panel); border: 1px solid var(--line); }
.error { color: var(--bad); }
.filters, .toolbar { display: flex; flex-wrap: wrap; gap: 8px; margin-bottom: 12px; align-items: center; }
input, select, textarea, button { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line);
  border-radius: 6px; padding: 5px 8px; }
button { cursor: pointer; background: var(--panel); }
button:hover { border-color: var(--accent); }
button.danger { color: var(--bad); }
.list { display: flex; flex-direction: column; gap: 6px; }
.row { border: 1px solid var(--line); border-radius: 8px; background: var(--panel); }
.summary { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; padding: 8px 12px; cursor: pointer; }
.summary .id { margin-left: auto; color: var(--muted); }
.time { color: var(--muted); font-variant-numeric: tabular-nums; }
.target { display: inline-flex; gap: 6px; align-items: baseline; }
.kind { font-size: 11px; text-transform: uppercase; color: var(--muted); }
.tag { font-size: 12px; border: 1px solid var(--line); border-radius: 10px; padding: 0 7px; }
.state { font-size: 12px; font-weight: 600; border-radius: 10px; padding: 1px 8px; background: var(--bg); }
.state-delivered { color: var(--ok); } .state-failed { color: var(--bad); }
.state-retrying, .state-delivering { color: var(--warn); } .state-pending, .state-cancelled { color: var(--muted); }
.status { font-variant-numeric: tabular-nums; font-weight: 600; }
.details { padding: 4px 12px 12px; border-top: 1px solid var(--line); }
.details dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0; }
.details dt { color: var(--muted); } .details dd { margin: 0; overflow-wrap: anywhere; }
pre.payload { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 10px; overflow: auto;
  max-height: 320px; margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 500; }
tr.ok .status { color: var(--ok); } tr.bad .status { color: var(--bad); }
.reason .code { color: var(--bad); margin-right: 6px; }
.fix { color: var(--muted); margin-top: 2px; }
.died { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; padding: 6px 12px 10px; }
span.actions { display: inline-flex; gap: 6px; margin-left: auto; }
td.actions { white-space: nowrap; text-align: right; }
td.actions button + button { margin-left: 6px; }
.muted { color: var(--muted); }
.send { display: flex; flex-direction: column; gap: 12px; max-width: 640px; }
.send label { display: flex; flex-direction: column; gap: 4px; }
`;
