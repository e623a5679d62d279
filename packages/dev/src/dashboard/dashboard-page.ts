/**
 * The dashboard's page (`GET /`): a skeleton the script (`/dashboard/app.js`) fills in. Everything
 * it loads comes from the server itself, so it works offline.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>switchboard dev</title>
<link rel="stylesheet" href="/dashboard/app.css">
<script src="/dashboard/app.js" defer></script>
</head>
<body>
<header>
  <h1>switchboard dev</h1>
  <span id="live" class="live" data-state="connecting">connecting…</span>
  <form id="token-form" hidden>
    <label>Token <input id="token" type="password" autocomplete="off" placeholder="QSTASH_TOKEN"></label>
    <button type="submit">Use</button>
  </form>
</header>
<nav id="tabs" role="tablist">
  <button type="button" role="tab" data-tab="messages" aria-selected="true">Messages <span id="count-messages"></span></button>
  <button type="button" role="tab" data-tab="dead">Dead letters <span id="count-dead"></span></button>
  <button type="button" role="tab" data-tab="schedules">Schedules <span id="count-schedules"></span></button>
  <button type="button" role="tab" data-tab="queues">Queues &amp; flow control</button>
  <button type="button" role="tab" data-tab="send">Send</button>
</nav>
<p id="notice" role="status" hidden></p>
<main>
  <section id="tab-messages">
    <div class="filters">
      <input id="f-search" type="search" placeholder="message id">
      <select id="f-job"><option value="">any job</option></select>
      <select id="f-channel"><option value="">any channel</option></select>
      <select id="f-subscriber"><option value="">any subscriber</option></select>
      <select id="f-state">
        <option value="">any state</option>
        <option>pending</option><option>delivering</option><option>retrying</option>
        <option>delivered</option><option>failed</option><option>cancelled</option>
      </select>
      <select id="f-label"><option value="">any label</option></select>
    </div>
    <div id="messages" class="list"></div>
  </section>
  <section id="tab-dead" hidden>
    <div class="toolbar">
      <label><input id="dead-all" type="checkbox"> all</label>
      <button type="button" id="dead-retry">Retry selected</button>
      <button type="button" id="dead-delete" class="danger">Delete selected</button>
    </div>
    <div id="dead" class="list"></div>
  </section>
  <section id="tab-schedules" hidden><div id="schedules" class="list"></div></section>
  <section id="tab-queues" hidden>
    <h2>Queues</h2><div id="queues" class="list"></div>
    <h2>Flow-control keys</h2><div id="flow" class="list"></div>
  </section>
  <section id="tab-send" hidden>
    <form id="send-form" class="send">
      <label>Route URL <input id="send-route" type="url" required></label>
      <label>Job <input id="send-job" list="send-jobs" required></label>
      <datalist id="send-jobs"></datalist>
      <label>Payload (JSON) <textarea id="send-payload" rows="10" spellcheck="false">{}</textarea></label>
      <p id="send-error" class="error" role="alert" hidden></p>
      <button type="submit">Send</button>
      <p id="send-result" role="status"></p>
    </form>
  </section>
</main>
</body>
</html>
`;
