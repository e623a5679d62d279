/**
 * The dashboard page's script, run in the browser. It is written here, type-checked with the
 * rest, and served as its source text (`DASHBOARD_SCRIPT`), so it must stay self-contained: no
 * imports, nothing from outside the function.
 *
 * Every value from a message (payloads, URLs, labels, error texts) is attacker-controlled: it only
 * ever reaches the page as `textContent` or an attribute value, never as HTML.
 */
export function dashboardClient(): void {
  type Reason = { code?: string; message: string; fix?: string };
  type Target =
    | { kind: "job"; job: string; hook?: string; route: string }
    | { kind: "channel"; channel: string; subscriber: string; hook?: string; route: string }
    | { kind: "url"; url: string };
  type Attempt = {
    number: number;
    startedAt: number;
    status?: number;
    ms?: number;
    ok?: boolean;
    reason?: Reason;
  };
  type Message = {
    messageId: string;
    url: string;
    target: Target;
    state: string;
    createdAt: number;
    payload: string;
    labels: string[];
    queueName?: string;
    scheduleId?: string;
    flowControlKey?: string;
    attempts: Attempt[];
    nextAt?: number;
    dlqId?: string;
  };
  type DeadLetter = Message & { dlqId: string; failedAt: number; responseStatus: number; reason: Reason };
  type Overview = {
    now: number;
    messages: Message[];
    deadLetters: DeadLetter[];
    schedules: Record<string, unknown>[];
    queues: Record<string, unknown>[];
    flowControlKeys: Record<string, unknown>[];
    routes: string[];
    jobs: string[];
  };
  type Child = Node | string | undefined | false;

  const TOKEN_KEY = "switchboard-dashboard-token";
  const open = new Set<string>();
  const selected = new Set<string>();
  let overview: Overview | undefined;
  let clockSkew = 0;
  let loading = false;
  let again = false;

  const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

  function el(tag: string, props: Record<string, string> = {}, ...children: Child[]): HTMLElement {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props)) {
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  function button(label: string, onClick: () => void, className = ""): HTMLElement {
    const b = el("button", { type: "button", class: className, text: label });
    b.addEventListener("click", (event) => {
      event.stopPropagation();
      onClick();
    });
    return b;
  }

  async function api(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("X-Switchboard-Dashboard", "1");
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.set("Authorization", `Bearer ${token}`);
    const response = await fetch(`/dashboard/api/${path}`, { ...init, headers, cache: "no-store" });
    // Ask again only if the token it was sent with is still the one in use (not an older call's).
    if (response.status === 401 && sessionStorage.getItem(TOKEN_KEY) === token)
      byId("token-form").hidden = false;
    return response;
  }

  async function act(path: string, method: string, done: string): Promise<void> {
    const response = await api(path, { method });
    if (!response.ok) notice(`${method} failed: ${await errorText(response)}`, true);
    else notice(done);
    void refresh();
  }

  async function errorText(response: Response): Promise<string> {
    const text = await response.text();
    try {
      const { error } = JSON.parse(text) as { error: unknown };
      if (typeof error === "string") return error;
      if (error && typeof error === "object" && "message" in error) return String(error.message);
    } catch {
      // not JSON: show it as it is
    }
    return text || `HTTP ${response.status}`;
  }

  function notice(text: string, error = false): void {
    const p = byId("notice");
    p.textContent = text;
    p.className = error ? "error" : "";
    p.hidden = false;
  }

  const now = () => Date.now() + clockSkew;
  const time = (ms: number) => {
    const d = new Date(ms);
    return `${d.toLocaleTimeString([], { hour12: false })}.${String(d.getMilliseconds()).padStart(3, "0")}`;
  };
  /** A time further than today also names its day. */
  const when = (ms: number) => {
    const d = new Date(ms);
    return d.toDateString() === new Date(now()).toDateString()
      ? time(ms)
      : `${d.toLocaleDateString()} ${time(ms)}`;
  };
  const relative = (ms: number) => {
    const wait = ms - now();
    if (wait <= 0) return "due now";
    if (wait < 1000) return `in ${Math.round(wait)}ms`;
    if (wait < 60_000) return `in ${(wait / 1000).toFixed(1)}s`;
    const units: [string, number][] = [
      ["d", 86_400_000],
      ["h", 3_600_000],
      ["m", 60_000],
      ["s", 1000],
    ];
    const index = units.findIndex(([, size]) => wait >= size);
    const [big, bigSize] = units[index]!;
    const [small, smallSize] = units[index + 1]!;
    const rest = Math.floor((wait % bigSize) / smallSize);
    return `in ${Math.floor(wait / bigSize)}${big}${rest ? ` ${rest}${small}` : ""}`;
  };

  /** A "retry in 3.2s" that counts down (see tick). */
  function rel(at: number, prefix = ""): HTMLElement {
    return el("span", {
      class: "rel",
      "data-at": String(at),
      "data-prefix": prefix,
      text: `${prefix}${relative(at)}`,
    });
  }

  function tick(): void {
    for (const span of document.querySelectorAll<HTMLElement>(".rel"))
      span.textContent = `${span.dataset.prefix ?? ""}${relative(Number(span.dataset.at))}`;
  }

  function targetLabel(target: Target): HTMLElement {
    const hook =
      "hook" in target && target.hook ? el("span", { class: "tag", text: `${target.hook} hook` }) : "";
    if (target.kind === "job")
      return el(
        "span",
        { class: "target" },
        el("span", { class: "kind", text: "job" }),
        el("b", { text: target.job }),
        hook,
      );
    if (target.kind === "channel")
      return el(
        "span",
        { class: "target" },
        el("span", { class: "kind", text: "channel" }),
        el("b", { text: target.channel }),
        " → ",
        el("b", { text: target.subscriber }),
        hook,
      );
    return el(
      "span",
      { class: "target" },
      el("span", { class: "kind", text: "url" }),
      el("code", { text: target.url }),
    );
  }

  function pretty(payload: string): string {
    try {
      return JSON.stringify(JSON.parse(payload), null, 2);
    } catch {
      return payload;
    }
  }

  function reasonView(reason: Reason): HTMLElement {
    return el(
      "div",
      { class: "reason" },
      reason.code ? el("code", { class: "code", text: reason.code }) : "",
      el("span", { class: "message", text: reason.message }),
      reason.fix ? el("div", { class: "fix" }, el("b", { text: "Fix: " }), reason.fix) : "",
    );
  }

  function attemptsTable(attempts: Attempt[]): HTMLElement {
    if (attempts.length === 0) return el("p", { class: "muted", text: "No attempt yet." });
    const rows = attempts.map((a) =>
      el(
        "tr",
        { class: a.ok === undefined ? "inflight" : a.ok ? "ok" : "bad" },
        el("td", { text: `#${a.number}` }),
        el("td", { text: time(a.startedAt) }),
        el("td", {
          class: "status",
          text: a.status === undefined ? "…" : a.status === 0 ? "—" : String(a.status),
        }),
        el("td", { text: a.ms === undefined ? "" : `${a.ms}ms` }),
        el(
          "td",
          {},
          a.ok ? "delivered" : a.reason ? reasonView(a.reason) : a.ok === undefined ? "in flight" : "",
        ),
      ),
    );
    return el(
      "table",
      { class: "attempts" },
      el(
        "thead",
        {},
        el("tr", {}, ...["", "time", "status", "latency", "response"].map((h) => el("th", { text: h }))),
      ),
      el("tbody", {}, ...rows),
    );
  }

  function facts(m: Message): HTMLElement {
    const rows: [string, string | undefined][] = [
      ["message id", m.messageId],
      ["url", m.url],
      ["created", time(m.createdAt)],
      ["next", m.nextAt === undefined ? undefined : when(m.nextAt)],
      ["labels", m.labels.join(", ") || undefined],
      ["schedule", m.scheduleId],
      ["queue", m.queueName],
      ["flow-control key", m.flowControlKey],
      ["dead letter", m.dlqId],
    ];
    return el(
      "dl",
      {},
      ...rows.flatMap(([k, v]) => (v === undefined ? [] : [el("dt", { text: k }), el("dd", { text: v })])),
    );
  }

  function messageRow(m: Message, extra?: HTMLElement): HTMLElement {
    const last = m.attempts.at(-1);
    const summary = el(
      "div",
      { class: "summary" },
      extra,
      el("span", { class: "time", text: time(m.createdAt) }),
      targetLabel(m.target),
      el("span", { class: `state state-${m.state}`, text: m.state }),
      el("span", {
        class: "muted",
        text: `${m.attempts.length} attempt${m.attempts.length === 1 ? "" : "s"}`,
      }),
      last?.status !== undefined && last.status !== 0
        ? el("span", { class: "status", text: String(last.status) })
        : "",
      m.state === "retrying" && m.nextAt !== undefined ? rel(m.nextAt, "retry ") : "",
      ...m.labels.map((l) => el("span", { class: "tag", text: l })),
      m.queueName ? el("span", { class: "tag queue", text: `queue ${m.queueName}` }) : "",
      el("code", { class: "id", text: m.messageId }),
    );
    const row = el(
      "article",
      { class: "row", "data-message-id": m.messageId, "data-state": m.state },
      summary,
    );
    summary.setAttribute("role", "button");
    summary.setAttribute("tabindex", "0");
    summary.setAttribute("aria-expanded", String(open.has(m.messageId)));
    const toggle = () => {
      if (open.has(m.messageId)) open.delete(m.messageId);
      else open.add(m.messageId);
      render();
      document.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(m.messageId)}"] .summary`)?.focus();
    };
    summary.addEventListener("click", toggle);
    summary.addEventListener("keydown", (event) => {
      if (event.target !== summary || (event.key !== "Enter" && event.key !== " ")) return;
      event.preventDefault();
      toggle();
    });
    if (open.has(m.messageId))
      row.append(
        el(
          "div",
          { class: "details" },
          facts(m),
          el("h3", { text: "Payload" }),
          el("pre", { class: "payload", text: pretty(m.payload) }),
          el("h3", { text: "Attempts" }),
          attemptsTable(m.attempts),
        ),
      );
    return row;
  }

  function options(id: string, values: string[], any: string): void {
    const select = byId<HTMLSelectElement>(id);
    const current = select.value;
    const had = [...select.options].slice(1).map((o) => o.value);
    if (had.length === values.length && had.every((v, i) => v === values[i])) return;
    select.replaceChildren(
      el("option", { value: "", text: any }),
      ...values.map((v) => el("option", { value: v, text: v })),
    );
    select.value = values.includes(current) ? current : "";
  }

  function renderMessages(o: Overview): void {
    const unique = (values: (string | undefined)[]) =>
      [...new Set(values.filter((v): v is string => !!v))].sort();
    const targets = o.messages.map((m) => m.target);
    options("f-job", unique(targets.map((t) => (t.kind === "job" ? t.job : undefined))), "any job");
    options(
      "f-channel",
      unique(targets.map((t) => (t.kind === "channel" ? t.channel : undefined))),
      "any channel",
    );
    options(
      "f-subscriber",
      unique(targets.map((t) => (t.kind === "channel" ? t.subscriber : undefined))),
      "any subscriber",
    );
    options("f-label", unique(o.messages.flatMap((m) => m.labels)), "any label");
    const value = (id: string) => byId<HTMLInputElement>(id).value.trim();
    const [search, job, channel, subscriber, state, label] = [
      "f-search",
      "f-job",
      "f-channel",
      "f-subscriber",
      "f-state",
      "f-label",
    ].map(value);
    const shown = o.messages.filter((m) => {
      const t = m.target;
      if (search && !m.messageId.includes(search)) return false;
      if (job && !(t.kind === "job" && t.job === job)) return false;
      if (channel && !(t.kind === "channel" && t.channel === channel)) return false;
      if (subscriber && !(t.kind === "channel" && t.subscriber === subscriber)) return false;
      if (state && m.state !== state) return false;
      if (label && !m.labels.includes(label)) return false;
      return true;
    });
    byId("count-messages").textContent = String(o.messages.length);
    byId("messages").replaceChildren(
      ...(shown.length
        ? shown.map((m) => messageRow(m))
        : [el("p", { class: "muted", text: "No messages yet. Dispatch a job, or use Send." })]),
    );
  }

  function renderDead(o: Overview): void {
    for (const id of selected) if (!o.deadLetters.some((d) => d.dlqId === id)) selected.delete(id);
    byId("count-dead").textContent = o.deadLetters.length ? String(o.deadLetters.length) : "";
    byId<HTMLInputElement>("dead-all").checked =
      o.deadLetters.length > 0 && selected.size === o.deadLetters.length;
    byId("dead").replaceChildren(
      ...(o.deadLetters.length
        ? o.deadLetters.map((d) => {
            const box = el("input", {
              type: "checkbox",
              "aria-label": `select ${d.dlqId}`,
            }) as HTMLInputElement;
            box.checked = selected.has(d.dlqId);
            box.addEventListener("click", (event) => event.stopPropagation());
            box.addEventListener("change", () => {
              if (box.checked) selected.add(d.dlqId);
              else selected.delete(d.dlqId);
            });
            const row = messageRow(d, box);
            row.classList.add("dead");
            row.append(
              el(
                "div",
                { class: "died" },
                el("span", {
                  class: "muted",
                  text: `died ${time(d.failedAt)} · ${d.responseStatus || "no answer"}`,
                }),
                reasonView(d.reason),
                el(
                  "span",
                  { class: "actions" },
                  button(
                    "Retry",
                    () =>
                      void act(
                        `v2/dlq/retry?dlqIds=${encodeURIComponent(d.dlqId)}`,
                        "POST",
                        "Retried 1 dead letter.",
                      ),
                  ),
                  button(
                    "Delete",
                    () =>
                      void act(`v2/dlq/${encodeURIComponent(d.dlqId)}`, "DELETE", "Deleted 1 dead letter."),
                    "danger",
                  ),
                ),
              ),
            );
            return row;
          })
        : [el("p", { class: "muted", text: "No dead letters." })]),
    );
  }

  function table(headings: string[], rows: HTMLElement[], empty: string): HTMLElement {
    if (rows.length === 0) return el("p", { class: "muted", text: empty });
    return el(
      "table",
      {},
      el("thead", {}, el("tr", {}, ...headings.map((h) => el("th", { text: h })))),
      el("tbody", {}, ...rows),
    );
  }

  function renderSchedules(o: Overview): void {
    byId("count-schedules").textContent = o.schedules.length ? String(o.schedules.length) : "";
    const rows = o.schedules.map((s) => {
      const id = String(s.scheduleId);
      const path = `v2/schedules/${encodeURIComponent(id)}`;
      const next = typeof s.nextScheduleTime === "number" ? s.nextScheduleTime : undefined;
      return el(
        "tr",
        { "data-schedule-id": id },
        el("td", {}, el("code", { text: id })),
        el("td", {}, targetLabel(s.target as Target)),
        el("td", {}, el("code", { text: String(s.cron) })),
        el(
          "td",
          {},
          s.isPaused ? "paused" : next === undefined ? "—" : `${when(next)} `,
          !s.isPaused && next !== undefined && rel(next),
        ),
        el("td", { text: typeof s.lastScheduleTime === "number" ? when(s.lastScheduleTime) : "never" }),
        el("td", { text: s.queueName ? String(s.queueName) : "" }),
        el(
          "td",
          { class: "actions" },
          s.isPaused
            ? button("Resume", () => void act(`${path}/resume`, "PATCH", `Resumed ${id}.`))
            : button("Pause", () => void act(`${path}/pause`, "PATCH", `Paused ${id}.`)),
          button("Run now", () => void act(`schedules/${encodeURIComponent(id)}/run`, "POST", `Ran ${id}.`)),
          button("Delete", () => void act(path, "DELETE", `Deleted ${id}.`), "danger"),
        ),
      );
    });
    byId("schedules").replaceChildren(
      table(["schedule", "target", "cron", "next fire", "last fired", "queue", ""], rows, "No schedules."),
    );
  }

  function renderQueues(o: Overview): void {
    const queueRows = o.queues.map((q) => {
      const name = String(q.name);
      const path = `v2/queues/${encodeURIComponent(name)}`;
      return el(
        "tr",
        {},
        el("td", {}, el("code", { text: name })),
        el("td", { text: String(q.lag) }),
        el("td", { text: `${q.inFlight} / ${q.parallelism}` }),
        el("td", { text: q.paused ? "paused" : "running" }),
        el(
          "td",
          { class: "actions" },
          q.paused
            ? button("Resume", () => void act(`${path}/resume`, "POST", `Resumed queue ${name}.`))
            : button("Pause", () => void act(`${path}/pause`, "POST", `Paused queue ${name}.`)),
        ),
      );
    });
    byId("queues").replaceChildren(
      table(["queue", "lag", "in flight / parallelism", "state", ""], queueRows, "No queues."),
    );
    const flowRows = o.flowControlKeys.map((f) => {
      const key = String(f.flowControlKey);
      const path = `v2/flowControl/${encodeURIComponent(key)}`;
      return el(
        "tr",
        {},
        el("td", {}, el("code", { text: key })),
        el("td", { text: String(f.waitListSize) }),
        el("td", { text: `${f.parallelismCount} / ${f.parallelismMax || "∞"}` }),
        el("td", { text: `${f.rateCount} / ${f.rateMax || "∞"} per ${f.ratePeriod}s` }),
        el("td", { text: f.isPaused ? "paused" : "running" }),
        el(
          "td",
          { class: "actions" },
          f.isPaused
            ? button("Resume", () => void act(`${path}/resume`, "POST", `Resumed ${key}.`))
            : button("Pause", () => void act(`${path}/pause`, "POST", `Paused ${key}.`)),
        ),
      );
    });
    byId("flow").replaceChildren(
      table(
        ["key", "lag (waiting)", "in flight / parallelism", "rate", "state", ""],
        flowRows,
        "No flow-control keys yet.",
      ),
    );
  }

  function renderSend(o: Overview): void {
    // Follows the route URL seen most recently until the user types one.
    const route = byId<HTMLInputElement>("send-route");
    if (route.dataset.edited !== "true") route.value = o.routes[0] ?? "http://localhost:3000/api/switchboard";
    byId("send-jobs").replaceChildren(...o.jobs.map((j) => el("option", { value: j })));
  }

  function render(): void {
    if (!overview) return;
    renderMessages(overview);
    renderDead(overview);
    renderSchedules(overview);
    renderQueues(overview);
    renderSend(overview);
  }

  async function refresh(): Promise<void> {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      const response = await api("overview");
      if (response.ok) {
        overview = (await response.json()) as Overview;
        clockSkew = overview.now - Date.now();
        render();
      }
    } finally {
      loading = false;
      if (again) {
        again = false;
        void refresh();
      }
    }
  }

  function setLive(state: "live" | "reconnecting"): void {
    const live = byId("live");
    live.dataset.state = state;
    live.textContent = state === "live" ? "● live" : "reconnecting…";
  }

  // EventSource cannot send the dashboard header, so the stream is read through fetch.
  async function listen(): Promise<void> {
    try {
      const response = await api("changes");
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      setLive("live");
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        const events = buffer.split("\n\n");
        buffer = events.pop() ?? "";
        if (events.some((e) => e.includes("event: change"))) void refresh();
      }
    } catch {
      // the server stopped or restarted: try again below
    }
    setLive("reconnecting");
    setTimeout(() => void listen(), 1000);
  }

  function showTab(name: string): void {
    for (const tab of document.querySelectorAll<HTMLElement>("#tabs button"))
      tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
    for (const section of document.querySelectorAll<HTMLElement>("main > section"))
      section.hidden = section.id !== `tab-${name}`;
  }

  async function send(event: Event): Promise<void> {
    event.preventDefault();
    const error = byId("send-error");
    const result = byId("send-result");
    error.hidden = true;
    result.textContent = "";
    const text = byId<HTMLTextAreaElement>("send-payload").value;
    try {
      JSON.parse(text);
    } catch (cause) {
      error.textContent = `The payload is not valid JSON: ${cause instanceof Error ? cause.message : String(cause)}`;
      error.hidden = false;
      return;
    }
    const job = byId<HTMLInputElement>("send-job").value.trim();
    let destination: URL;
    try {
      destination = new URL(byId<HTMLInputElement>("send-route").value.trim());
    } catch {
      error.textContent = "The route URL is not a URL, e.g. http://localhost:3000/api/switchboard.";
      error.hidden = false;
      return;
    }
    destination.searchParams.set("job", job);
    const response = await api(`v2/publish/${destination.toString()}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: text,
    });
    if (!response.ok) {
      error.textContent = `Not sent: ${await errorText(response)}`;
      error.hidden = false;
      return;
    }
    const { messageId } = (await response.json()) as { messageId: string };
    result.textContent = `Sent: ${messageId}`;
  }

  function bulk(action: "retry" | "delete"): void {
    if (selected.size === 0) {
      notice("Select dead letters first.", true);
      return;
    }
    const ids = encodeURIComponent([...selected].join(","));
    const count = selected.size;
    selected.clear();
    if (action === "retry")
      void act(`v2/dlq/retry?dlqIds=${ids}`, "POST", `Retried ${count} dead letter(s).`);
    else void act(`v2/dlq?dlqIds=${ids}`, "DELETE", `Deleted ${count} dead letter(s).`);
  }

  for (const tab of document.querySelectorAll<HTMLElement>("#tabs button"))
    tab.addEventListener("click", () => showTab(tab.dataset.tab ?? "messages"));
  for (const id of ["f-search", "f-job", "f-channel", "f-subscriber", "f-state", "f-label"])
    byId(id).addEventListener("input", render);
  byId("dead-all").addEventListener("change", () => {
    const all = byId<HTMLInputElement>("dead-all").checked;
    selected.clear();
    if (all) for (const d of overview?.deadLetters ?? []) selected.add(d.dlqId);
    render();
  });
  byId("dead-retry").addEventListener("click", () => bulk("retry"));
  byId("dead-delete").addEventListener("click", () => bulk("delete"));
  byId("send-form").addEventListener("submit", (event) => void send(event));
  byId("send-route").addEventListener("input", () => {
    byId("send-route").dataset.edited = "true";
  });
  byId("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, byId<HTMLInputElement>("token").value.trim());
    byId("token-form").hidden = true;
    void refresh();
  });
  // "in 3.2s" counts down between changes.
  setInterval(tick, 1000);
  void refresh();
  void listen();
}

/** The page's script, as `/dashboard/app.js` serves it. */
export const DASHBOARD_SCRIPT = `"use strict";\n(${dashboardClient.toString()})();\n`;
