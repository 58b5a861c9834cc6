// Back Coach console: talk to the skill through /console/api/say, hear the answers, see the
// rule trace, assess any case through /console/api/assess. The server keeps no conversation:
// `state` lives here and goes back with every turn.
"use strict";

const USER_KEY = "backcoach-console-user";
const $ = (id) => document.getElementById(id);

let state = { user_id: storedUser(), session_id: null, attributes: {}, elicit: null, locale: "en-US", day_offset: 0 };
let today = null;
let activityNames = {};
let speaking = 0; // bumped to stop the segments being spoken

/** The browser's user id (one per browser), saved first when `value` is given. */
function storedUser(value) {
  try {
    if (value) localStorage.setItem(USER_KEY, value);
    return localStorage.getItem(USER_KEY);
  } catch {
    return value || null; // storage blocked: one user per page load
  }
}

/** An element with attributes (class, text, or any attribute) and children. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

async function api(path, body) {
  const response = await fetch(path, body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

const words = (id) => String(id).replaceAll("_", " ");

// ------------------------------------------------------------------ the conversation
function log(kind, label, ...content) {
  const item = el("li", { class: `turn ${kind}` }, el("span", { class: "who", text: label }), ...content);
  const list = $("log");
  list.append(item);
  list.scrollTop = list.scrollHeight;
  return item;
}

const note = (text) => log("note", "·", el("p", { text }));

function heard(answer) {
  const slots = Object.entries(answer.slots).map(([name, value]) => `${name}=${value}`).join(" ");
  const how = answer.heard ? `${answer.heard.how} ${answer.heard.confidence.toFixed(2)}` : "";
  return el("p", { class: "meta", text: [answer.intent, slots, how && `(${how})`].filter(Boolean).join(" · ") });
}

function showAnswer(answer) {
  const parts = [];
  if (answer.speech_text) parts.push(el("p", { class: "speech", text: answer.speech_text }));
  if (answer.reprompt) parts.push(el("p", { class: "reprompt" }, el("b", { text: "Reprompt " }), answer.reprompt));
  const chips = answer.directives.map((d) => el("span", { class: "chip", text: d.slotToElicit ? `${d.type} → ${d.slotToElicit}` : d.type }));
  if (answer.card) chips.push(el("span", { class: "chip", text: `card: ${answer.card.title || answer.card.type}` }));
  chips.push(el("span", { class: `chip ${answer.session_open ? "open" : "ended"}`, text: answer.session_open ? "session open" : "session ended" }));
  parts.push(el("p", { class: "chips" }, ...chips));
  log("alexa", "Alexa", ...parts);
  renderTrace($("trace"), answer.trace, "Nothing known yet in this session.");
  speak(answer.segments);
}

function remember(answer) {
  state = answer.state;
  today = answer.today;
  storedUser(state.user_id);
  showStatus();
}

function showStatus() {
  const session = state.session_id ? "Session open" : "No session open";
  const day = `day +${state.day_offset}${today ? ` (${today})` : ""}`;
  const waiting = state.elicit ? ` · waiting for ${state.elicit.slot}` : "";
  $("status").textContent = `${session} · ${state.locale} · ${day}${waiting}`;
  $("end-session").disabled = !state.session_id;
}

async function busy(work) {
  const controls = document.querySelectorAll(".talk button, .talk input, .talk select");
  controls.forEach((c) => { c.dataset.was = c.disabled; c.disabled = true; });
  try {
    await work();
  } catch (error) {
    log("error", "Error", el("p", { text: error.message }));
  } finally {
    controls.forEach((c) => { c.disabled = c.dataset.was === "true"; });
    showStatus();
  }
}

async function say(text) {
  const you = log("you", "You", el("p", { text: text || "(nothing)" }));
  const answer = await api("console/api/say", { text, state });
  you.append(heard(answer));
  remember(answer);
  showAnswer(answer);
}

async function endSession() {
  if (!state.session_id) return;
  const answer = await api("console/api/say", { action: "end", state });
  remember(answer);
  note("Session ended (SessionEndedRequest)");
  renderTrace($("trace"), null, "Session ended: its facts are gone.");
}

// ------------------------------------------------------------------ speech with real pauses
function speak(segments) {
  const synth = window.speechSynthesis;
  const token = ++speaking;
  if (!synth || !$("speak").checked) return;
  synth.cancel();
  const next = (i) => {
    if (token !== speaking || i >= segments.length) return;
    const { say: text, pause_ms: pause } = segments[i];
    const after = () => setTimeout(() => next(i + 1), pause);
    if (!text) return after();
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = state.locale;
    utterance.onend = after;
    utterance.onerror = after;
    synth.speak(utterance);
  };
  next(0);
}

function stopSpeaking() {
  speaking++;
  window.speechSynthesis?.cancel();
}

// ------------------------------------------------------------------ assessments
function renderTrace(target, a, empty, routine) {
  if (!a) {
    target.replaceChildren(el("p", { class: "empty", text: empty }));
    return;
  }
  const rows = [["Tier", el("span", { class: `tier ${a.tier}`, text: words(a.tier) })],
    ["Max activity", words(a.max_activity)],
    ["Avoid", a.avoid.join(", ") || "(nothing)"]];
  if (a.activity) {
    const name = activityNames[a.activity.id] || words(a.activity.id);
    const opens = a.activity.opens_on_day === null ? "" : `, opens from day ${a.activity.opens_on_day} with pain ${a.activity.max_pain} or less`;
    rows.push([name[0].toUpperCase() + name.slice(1), (a.activity.allowed ? "allowed" : "not yet") + opens]);
  }
  if (a.next_step) rows.push(["Next step", `${words(a.next_step.level)} from day ${a.next_step.day} with pain ${a.next_step.max_pain} or less`]);
  if (a.missing.length) rows.push(["Ask for", a.missing.map(words).join(", ")]);
  if (routine) rows.push(["Routine", routine.map((s) => s.name).join(", ") || "(none today)"]);
  if (a.fail_closed) rows.push(["Fail-closed", "a safety-critical plugin failed"]);
  const summary = el("dl", { class: "summary" }, ...rows.flatMap(([term, value]) => [el("dt", { text: term }), el("dd", {}, value)]));
  const trace = el("ol", { class: "rules", "aria-label": "Trace (bold: decided the answer)" },
    ...a.trace.map((t) => el("li", { class: t.decisive ? "decisive" : null, title: t.source || null },
      el("code", { text: `${t.plugin}.${t.rule}` }), ` ${t.outcome}`)));
  const c = a.case;
  const facts = [c.days_since_onset === null ? "onset unknown" : `day ${c.days_since_onset}`,
    c.pain === null ? "pain unknown" : `pain ${c.pain}`, c.age === null ? null : `age ${c.age}`,
    ...c.symptoms.map(words), c.activity && `asks about ${words(c.activity)}`].filter(Boolean);
  target.replaceChildren(el("p", { class: "case", text: `Case: ${facts.join(", ")}` }), summary, trace);
}

async function assess(form) {
  const data = new FormData(form);
  const number = (name) => (data.get(name) === "" ? null : Number(data.get(name)));
  const body = { days: number("days"), pain: number("pain"), age: number("age"),
    activity: data.get("activity") || null, symptoms: data.getAll("symptom") };
  try {
    const answer = await api("console/api/assess", body);
    renderTrace($("assess-result"), answer, "", answer.routine);
  } catch (error) {
    $("assess-result").replaceChildren(el("p", { class: "error", role: "alert", text: error.message }));
  }
}

const GROUPS = [["emergency", "Emergency signs"], ["urgent", "Urgent signs"], ["see_doctor", "See a doctor"], [null, "Other"]];

async function loadCatalogue() {
  const catalogue = await api("console/api/catalogue");
  $("locale").replaceChildren(...catalogue.locales.map((l) => el("option", { value: l, text: l })));
  const select = document.querySelector("#assess-form select[name=activity]");
  for (const a of catalogue.activities) {
    activityNames[a.id] = a.name;
    select.append(el("option", { value: a.id, text: a.name }));
  }
  $("symptoms").replaceChildren(...GROUPS.map(([tier, title]) => {
    const boxes = catalogue.symptoms.filter((s) => s.tier === tier).map((s) =>
      el("label", { class: "check" }, el("input", { type: "checkbox", name: "symptom", value: s.id }), ` ${s.label}`));
    return boxes.length ? el("details", {}, el("summary", { text: `${title} (${boxes.length})` }), el("div", { class: "checks" }, ...boxes)) : null;
  }).filter(Boolean));
}

// ------------------------------------------------------------------ wiring
$("say-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("say-text");
  const text = input.value.trim();
  input.value = "";
  busy(() => say(text)).then(() => input.focus());
});
$("new-session").addEventListener("click", () => busy(async () => {
  await endSession();
  note("New session");
  await say("");
}));
$("next-day").addEventListener("click", () => busy(async () => {
  await endSession();
  state.day_offset += 1;
  today = null;
  note(`Clock moved: day +${state.day_offset}`);
}));
$("end-session").addEventListener("click", () => busy(endSession));
$("locale").addEventListener("change", (event) => busy(async () => {
  await endSession();
  state.locale = event.target.value;
  note(`Locale ${state.locale}`);
}));
$("speak").addEventListener("change", (event) => { if (!event.target.checked) stopSpeaking(); });
if (!window.speechSynthesis) {
  $("speak").disabled = true;
  $("speak").parentElement.title = "This browser has no speech synthesis";
}
$("assess-form").addEventListener("submit", (event) => {
  event.preventDefault();
  assess(event.target);
});

loadCatalogue().catch((error) => log("error", "Error", el("p", { text: `catalogue: ${error.message}` })));
showStatus();
