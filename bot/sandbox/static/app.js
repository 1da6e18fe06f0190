// daumoi sandbox page: plain JS, no build step.
// Every piece of text from users or the bot is put into the page with textContent or as a text
// node; nothing is ever parsed as HTML, so markup in a message is shown, never run.
"use strict";

const S = {
  texts: {},
  lang: "vi",
  state: null,
  personas: new Map(),
  persona: null,
  stream: null,
  counts: {},
  seen: null,
  uploadLimit: 50 * 1000 * 1000,
  textLimit: 4096,
  clock: null,
  outbox: { rows: [], error: null },
  keyboard: null,
  relayoutQueued: false,
  rendered: new Map(),
};

const $ = (id) => document.getElementById(id);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function tr(key, values) {
  let text = Object.prototype.hasOwnProperty.call(S.texts, key) ? S.texts[key] : key;
  if (values) {
    text = text.replace(/\{(\w+)\}/g, (whole, name) =>
      Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole);
  }
  return text;
}

// --- talking to the sandbox -------------------------------------------------------------------

async function call(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body || {}),
  });
  return answer(response);
}

async function answer(response) {
  let data = null;
  try {
    data = await response.json();
  } catch (err) {
    data = null;
  }
  if (!response.ok || !data || data.ok === false) {
    throw new Error((data && data.error) || tr("err_network", { status: response.status }));
  }
  return data;
}

async function getJson(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(tr("err_network", { status: response.status }));
  return response.json();
}

let toastTimer = null;
function toast(message, kind) {
  const box = $("toast");
  box.textContent = message;
  box.className = kind === "error" ? "error" : "";
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, kind === "error" ? 6000 : 3500);
}

function failed(err) {
  toast(err && err.message ? err.message : String(err), "error");
}

// --- time -------------------------------------------------------------------------------------

function locale() {
  return S.lang === "vi" ? "vi-VN" : "en-GB";
}

function formatTime(epochSeconds, options) {
  const zone = S.state ? S.state.plan.timezone : undefined;
  return new Intl.DateTimeFormat(locale(), Object.assign({ timeZone: zone }, options))
    .format(new Date(epochSeconds * 1000));
}

function formatIso(iso, options) {
  return formatTime(Date.parse(iso) / 1000, options);
}

const FULL = { weekday: "short", day: "2-digit", month: "2-digit", year: "numeric",
  hour: "2-digit", minute: "2-digit", hour12: false };
const DAY = { weekday: "long", day: "2-digit", month: "2-digit", year: "numeric" };
const HOUR = { hour: "2-digit", minute: "2-digit", hour12: false };

function formatSize(bytes) {
  if (bytes === null || bytes === undefined) return "";
  if (bytes < 1000) return tr("size_bytes", { n: bytes });
  if (bytes < 1000 * 1000) return tr("size_kb", { n: (bytes / 1000).toFixed(1) });
  return tr("size_mb", { n: (bytes / 1000 / 1000).toFixed(1) });
}

// --- texts ------------------------------------------------------------------------------------

async function loadTexts(lang) {
  S.texts = await getJson("/api/texts?lang=" + encodeURIComponent(lang));
  S.lang = lang;
  applyTexts();
}

function applyTexts() {
  document.documentElement.lang = S.lang;
  document.title = tr("title");
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = tr(node.dataset.t);
  for (const node of document.querySelectorAll("[data-t-title]")) node.title = tr(node.dataset.tTitle);
  for (const node of document.querySelectorAll("[data-t-aria]")) {
    node.setAttribute("aria-label", tr(node.dataset.tAria));
  }
  for (const node of document.querySelectorAll("[data-t-placeholder]")) {
    node.placeholder = tr(node.dataset.tPlaceholder);
  }
  if (S.state) {
    renderPersonas();
    renderChatHead();
    renderMilestones();
    renderClock();
    renderOutbox();
    renderKeyboard();
    rerenderMessages();
  }
}

// --- personas ---------------------------------------------------------------------------------

const KIND_ORDER = ["secretariat", "head", "focal", "stranger", "group"];

function initials(name) {
  const words = String(name || "?").trim().split(/\s+/);
  const last = words[words.length - 1] || "?";
  const first = words.length > 1 ? words[0] : "";
  return (first.charAt(0) + last.charAt(0)).toUpperCase() || "?";
}

function avatar(persona, className) {
  const node = el("span", "avatar " + (className || "") + " kind-" + persona.kind,
    persona.kind === "group" ? "#" : initials(persona.name));
  node.setAttribute("aria-hidden", "true");
  return node;
}

function onZalo(persona) {
  return Boolean(persona) && persona.channel === "zalo";
}

function personaRole(persona) {
  if (persona.kind === "focal") return tr("role_focal", { unit: persona.unit_short_name || "" });
  if (persona.kind === "secretariat") {
    return tr("role_secretariat", { unit: persona.unit_short_name || "" });
  }
  if (persona.kind === "group") {
    // In a Zalo group the bot hears only messages that mention it.
    return tr(onZalo(persona) ? "role_group_zalo" : "role_group", { count: persona.members.length });
  }
  return tr("role_" + persona.kind);
}

// What a Zalo persona is for, in a sentence (Telegram personas need none).
function personaDescription(persona) {
  if (!onZalo(persona)) return "";
  if (persona.kind === "focal") return tr("desc_focal_zalo", { unit: persona.unit_name || "" });
  if (persona.kind === "group") {
    return tr("desc_group_zalo", { bot: S.state && S.state.zalo_bot ? S.state.zalo_bot.name : "" });
  }
  return tr("desc_" + persona.kind + "_zalo");
}

function channelBadge(persona, id) {
  const channel = persona.channel || "telegram";
  const node = el("span", "channel ch-" + channel, tr("channel_" + channel));
  node.title = tr("channel_title", { channel: tr("channel_" + channel) });
  if (id) node.id = id;
  return node;
}

function personaByAddress(address) {
  return [...S.personas.values()].find((p) => p.address === address) || null;
}

function displayName(persona) {
  return persona.kind === "group" ? tr("group_name") : persona.name;
}

function renderPersonas() {
  const box = $("personas");
  box.replaceChildren();
  for (const kind of KIND_ORDER) {
    const list = [...S.personas.values()].filter((p) => p.kind === kind);
    if (!list.length) continue;
    box.append(el("h3", "group-title", tr("kind_" + kind)));
    for (const persona of list) {
      const item = el("button", "persona");
      item.type = "button";
      item.dataset.key = persona.key;
      item.dataset.channel = persona.channel || "telegram";
      if (S.persona && S.persona.key === persona.key) item.classList.add("active");
      const description = personaDescription(persona);
      if (description) item.title = description;
      const text = el("span", "persona-text");
      const nameLine = el("span", "persona-name-line");
      nameLine.append(el("span", "persona-name", displayName(persona)), channelBadge(persona));
      text.append(nameLine);
      text.append(el("span", "persona-role", personaRole(persona)));
      // With several plans: the campaign this chat is in (none until one is chosen).
      const campaigns = S.state && S.state.campaigns;
      if (campaigns && campaigns[persona.key]) {
        const line = el("span", "persona-campaign", campaigns[persona.key]);
        line.title = campaigns[persona.key];
        text.append(line);
      }
      const badge = el("span", "badge");
      badge.hidden = true;
      item.append(avatar(persona), text, badge);
      item.addEventListener("click", () => selectPersona(persona.key, true));
      box.append(item);
    }
  }
  renderBadges();
}

function renderBadges() {
  if (!S.seen) return;
  for (const item of document.querySelectorAll(".persona")) {
    const key = item.dataset.key;
    const unread = (S.counts[key] || 0) - (S.seen[key] || 0);
    const badge = item.querySelector(".badge");
    badge.hidden = unread <= 0;
    badge.textContent = unread > 0 ? String(unread) : "";
    badge.title = unread > 0 ? tr("unread", { n: unread }) : "";
  }
}

function renderChatHead() {
  const persona = S.persona;
  if (!persona) return;
  const head = $("chat-avatar");
  head.replaceWith(Object.assign(avatar(persona), { id: "chat-avatar" }));
  $("chat-name").textContent = displayName(persona);
  $("chat-channel").replaceWith(channelBadge(persona, "chat-channel"));
  $("chat").classList.toggle("zalo", onZalo(persona));
  const note = $("chat-note");
  note.hidden = !onZalo(persona);
  note.textContent = onZalo(persona)
    ? [tr("zalo_note"), personaDescription(persona)].filter(Boolean).join(" ")
    : "";
  $("menu-btn").hidden = onZalo(persona);
  const parts = [personaRole(persona)];
  if (persona.kind === "focal" && persona.unit_name && persona.unit_name !== persona.unit_short_name) {
    parts.push(persona.unit_name);
  }
  if (persona.phone) parts.push(persona.phone);
  $("chat-sub").textContent = parts.join(" · ");
  const invite = $("invite-btn");
  invite.hidden = persona.kind !== "focal";
  invite.disabled = !persona.invite_code;
  invite.textContent = tr("use_invite");
  invite.title = persona.invite_code
    ? tr(onZalo(persona) ? "use_invite_title_zalo" : "use_invite_title", { code: persona.invite_code })
    : tr("no_invite");
  const sendAs = $("send-as");
  sendAs.hidden = persona.kind !== "group";
  sendAs.replaceChildren();
  if (persona.kind === "group") {
    for (const id of persona.members) {
      const member = [...S.personas.values()].find(
        (p) => p.channel === persona.channel && String(p.user_id) === String(id));
      const name = member ? member.name : String(id);
      const option = el("option", null, name);
      option.value = String(id);
      option.title = tr("as_member", { name });
      sendAs.append(option);
    }
  }
  const placeholder = S.keyboard && S.keyboard.placeholder;
  $("text").placeholder = placeholder || tr("type_here");
}

function selectPersona(key, userAction) {
  const persona = S.personas.get(key);
  if (!persona) return;
  S.persona = persona;
  S.keyboard = null;
  S.rendered = new Map();
  if (userAction) history.replaceState(null, "", "#" + encodeURIComponent(key));
  for (const item of document.querySelectorAll(".persona")) {
    item.classList.toggle("active", item.dataset.key === key);
  }
  document.body.classList.add("show-chat");
  $("messages").replaceChildren(el("div", "empty", tr("loading")));
  $("menu-pop").hidden = true;
  renderChatHead();
  renderKeyboard();
  openStream();
  if (S.seen) {
    S.seen[key] = S.counts[key] || 0;
    renderBadges();
  }
}

// --- the live stream --------------------------------------------------------------------------

function openStream() {
  if (S.stream) S.stream.close();
  const key = S.persona.key;
  const stream = new EventSource("/api/stream?persona=" + encodeURIComponent(key));
  S.stream = stream;
  const on = (name, handler) => stream.addEventListener(name, (event) => {
    if (S.stream !== stream) return;
    handler(JSON.parse(event.data));
  });
  let first = true;
  on("message", (message) => upsertMessage(message));
  on("delete", (data) => removeMessage(data.message_id));
  on("keyboard", (data) => { S.keyboard = data.keyboard; renderKeyboard(); renderChatHead(); });
  on("clock", (clock) => { S.clock = clock; renderClock(); });
  on("outbox", (data) => { S.outbox = data; renderOutbox(); });
  on("campaigns", (campaigns) => {
    if (S.state) S.state.campaigns = campaigns;
    renderPersonas();
  });
  on("counts", (counts) => {
    S.counts = counts;
    if (!S.seen) S.seen = Object.assign({}, counts);
    S.seen[key] = counts[key] || 0;
    renderBadges();
  });
  on("lang", (data) => {
    if (data.lang !== S.lang) loadTexts(data.lang).catch(failed);
  });
  on("ready", () => {
    const box = $("messages");
    const placeholder = box.querySelector(".empty");
    if (placeholder) placeholder.remove();
    if (!box.querySelector(".msg")) box.append(el("div", "empty", tr("no_messages")));
    if (first) { first = false; scrollToEnd(); }
    document.body.classList.remove("loading");
    document.body.dataset.ready = "1";
  });
  on("bye", () => { stream.close(); toast(tr("stopped"), "error"); });
  stream.onerror = () => {
    document.body.dataset.ready = "";
  };
}

// --- messages ---------------------------------------------------------------------------------

const SAFE_LINK = /^(https?:|mailto:|tel:)/i;

function safeHref(url) {
  const value = String(url || "").trim();
  if (SAFE_LINK.test(value)) return value;
  if (/^[\w.-]+\.[a-z]{2,}(\/\S*)?$/i.test(value)) return "http://" + value;
  return null;
}

function deepLinkCode(href) {
  const bot = S.state && S.state.bot.username;
  if (!bot || onZalo(S.persona)) return null;
  const match = /^https?:\/\/t\.me\/([A-Za-z0-9_]+)\?start=([A-Za-z0-9_-]{1,64})$/.exec(href);
  return match && match[1].toLowerCase() === bot.toLowerCase() ? match[2] : null;
}

function entityNode(entity, covered) {
  switch (entity.type) {
    case "bold": return el("strong");
    case "italic": return el("em");
    case "underline": return el("u");
    case "strikethrough": return el("s");
    case "code": return el("code");
    case "pre": return el("pre");
    case "blockquote":
    case "expandable_blockquote": return el("blockquote");
    case "spoiler": {
      const node = el("span", "spoiler");
      node.title = tr("spoiler");
      node.addEventListener("click", () => node.classList.add("shown"));
      return node;
    }
    case "text_link":
    case "url":
    case "email":
    case "phone_number": {
      let href = entity.type === "text_link" ? entity.url : covered;
      if (entity.type === "email") href = "mailto:" + covered;
      if (entity.type === "phone_number") href = "tel:" + covered.replace(/[^\d+]/g, "");
      href = safeHref(href);
      if (!href) return el("span", "link-blocked");
      const code = deepLinkCode(href);
      if (code) {
        // Tapping the bot's own invite link in Telegram sends "/start CODE" as that person.
        const link = el("a", "deep-link");
        link.href = href;
        link.title = tr("use_invite_title", { code });
        link.addEventListener("click", (event) => {
          event.preventDefault();
          say("/start " + code);
        });
        return link;
      }
      const link = el("a");
      link.href = href;
      link.target = "_blank";
      link.rel = "noopener noreferrer nofollow";
      return link;
    }
    case "bot_command": {
      const node = el("span", "command");
      node.title = tr("command_send");
      node.addEventListener("click", () => say(covered));
      return node;
    }
    case "mention":
    case "hashtag":
    case "cashtag":
    case "text_mention": return el("span", "mention");
    default: return el("span");
  }
}

// Builds formatted text from plain text and Telegram entities (UTF-16 offsets, like JS strings).
function renderText(text, entities) {
  const root = el("div", "text");
  const sorted = (entities || [])
    .filter((e) => e && Number.isInteger(e.offset) && Number.isInteger(e.length) && e.length > 0)
    .slice()
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  const build = (parent, start, end, list) => {
    let pos = start;
    let i = 0;
    while (i < list.length) {
      const entity = list[i];
      i += 1;
      const from = Math.max(entity.offset, pos);
      const to = Math.min(entity.offset + entity.length, end);
      const inner = [];
      while (i < list.length && list[i].offset < to) {
        inner.push(list[i]);
        i += 1;
      }
      if (to <= from) continue;
      if (from > pos) parent.append(document.createTextNode(text.slice(pos, from)));
      const node = entityNode(entity, text.slice(from, to));
      build(node, from, to, inner);
      parent.append(node);
      pos = to;
    }
    if (pos < end) parent.append(document.createTextNode(text.slice(pos, end)));
  };
  build(root, 0, text.length, sorted);
  return root;
}

// Fixed drawings (never data from a message), built as SVG nodes.
const ICONS = {
  download: "M12 4v11m0 0-4.5-4.5M12 15l4.5-4.5M5 19h14",
  phone: "M6.5 3.5h3l1.5 4-2 1.5a11 11 0 0 0 6 6l1.5-2 4 1.5v3a2 2 0 0 1-2 2A16 16 0 0 1 4.5 5.5a2 2 0 0 1 2-2z",
};

function icon(name) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", ICONS[name]);
  svg.append(path);
  const wrap = el("span", "doc-icon");
  wrap.append(svg);
  return wrap;
}

function buildMessage(m) {
  if (m.joined) {
    const row = el("div", "service", tr("svc_joined", { names: m.joined.join(", ") }));
    row.dataset.id = String(m.message_id);
    row.dataset.date = String(m.date);
    return row;
  }
  const row = el("div", "msg " + (m.from_bot ? "in" : "out"));
  row.dataset.id = String(m.message_id);
  row.dataset.date = String(m.date);
  const bubble = el("div", "bubble");
  if (S.persona && S.persona.kind === "group") {
    bubble.append(el("div", "sender", m.from_bot ? tr("bot_name") : m.sender_name));
  }
  if (m.reply_to) {
    const quote = el("div", "quote");
    quote.append(el("strong", null, m.reply_to.sender_name), el("span", null, m.reply_to.text));
    bubble.append(quote);
  }
  if (m.photo) {
    const link = el("a", "photo");
    link.href = m.photo.url;
    link.target = "_blank";
    link.rel = "noopener";
    if (m.photo.link) link.title = m.photo.link;
    const img = el("img");
    img.src = m.photo.url;
    img.alt = tr("photo");
    img.loading = "lazy";
    if (m.photo.width && m.photo.height) {
      img.width = Math.min(m.photo.width, 320);
      img.height = Math.round(img.width * m.photo.height / m.photo.width);
    }
    link.append(img);
    bubble.append(link);
  }
  if (m.document) {
    const doc = el("a", "document");
    doc.href = m.document.url;
    doc.setAttribute("download", m.document.name);
    doc.title = tr("download");
    const info = el("span", "doc-info");
    info.append(el("span", "doc-name", m.document.name), el("span", "doc-size",
      formatSize(m.document.size)));
    doc.append(icon("download"), info);
    bubble.append(doc);
  }
  if (m.contact) {
    const card = el("div", "contact");
    card.append(icon("phone"), el("span", null, m.contact.name + " · " + m.contact.phone));
    bubble.append(card);
  }
  if (m.sticker !== undefined) bubble.append(el("div", "sticker", m.sticker || "?"));
  if (m.voice !== undefined) bubble.append(el("div", "voice", tr("voice", { seconds: m.voice })));
  if (m.text) bubble.append(renderText(m.text, m.entities));
  if (m.caption) bubble.append(renderText(m.caption, m.caption_entities));
  const meta = el("div", "meta");
  if (m.edited) meta.append(el("span", "edited", tr("edited")));
  meta.append(el("time", null, formatTime(m.date, HOUR)));
  bubble.append(meta);
  row.append(bubble);
  // Zalo shows no buttons: everything there is typed.
  if (m.buttons && m.buttons.length && !onZalo(S.persona)) row.append(buildButtons(m));
  return row;
}

function buildButtons(m) {
  const box = el("div", "inline-keyboard");
  for (const line of m.buttons) {
    const rowBox = el("div", "ik-row");
    for (const b of line) {
      let node;
      if (b.kind === "url" && safeHref(b.url)) {
        node = el("a", "ik-btn", b.text);
        node.href = safeHref(b.url);
        node.target = "_blank";
        node.rel = "noopener noreferrer nofollow";
      } else {
        node = el("button", "ik-btn", b.text);
        node.type = "button";
        if (b.kind === "callback") {
          node.addEventListener("click", () => pressButton(m.message_id, b.data, node));
        } else {
          node.disabled = true;
          node.title = tr("button_unsupported");
        }
      }
      rowBox.append(node);
    }
    box.append(rowBox);
  }
  return box;
}

function upsertMessage(m) {
  const box = $("messages");
  const placeholder = box.querySelector(".empty");
  if (placeholder) placeholder.remove();
  const node = buildMessage(m);
  S.rendered.set(m.message_id, m);
  const old = box.querySelector(`[data-id="${m.message_id}"]`);
  const nearEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
  if (old) {
    old.replaceWith(node);
  } else {
    const later = [...box.querySelectorAll("[data-id]")]
      .find((item) => Number(item.dataset.id) > m.message_id);
    if (later) box.insertBefore(node, later); else box.append(node);
  }
  queueRelayout(nearEnd || !m.from_bot);
}

function removeMessage(messageId) {
  const old = $("messages").querySelector(`[data-id="${messageId}"]`);
  if (old) old.remove();
  S.rendered.delete(messageId);
  queueRelayout(false);
}

function rerenderMessages() {
  for (const m of S.rendered.values()) upsertMessage(m);
}

function queueRelayout(scroll) {
  S.scrollWanted = S.scrollWanted || scroll;
  if (S.relayoutQueued) return;
  S.relayoutQueued = true;
  requestAnimationFrame(() => {
    S.relayoutQueued = false;
    const box = $("messages");
    for (const sep of box.querySelectorAll(".day")) sep.remove();
    let last = null;
    for (const item of box.querySelectorAll("[data-id]")) {
      const day = formatTime(Number(item.dataset.date), DAY);
      if (day !== last) {
        box.insertBefore(el("div", "day", day), item);
        last = day;
      }
    }
    if (S.scrollWanted) scrollToEnd();
    S.scrollWanted = false;
  });
}

function scrollToEnd() {
  const box = $("messages");
  box.scrollTop = box.scrollHeight;
}

// --- keyboards and actions --------------------------------------------------------------------

function renderKeyboard() {
  const box = $("keyboard");
  box.replaceChildren();
  const keyboard = S.keyboard;
  if (!keyboard || !keyboard.rows || !keyboard.rows.length || onZalo(S.persona)) {
    box.hidden = true;
    return;
  }
  for (const line of keyboard.rows) {
    const rowBox = el("div", "kb-row");
    for (const b of line) {
      const node = el("button", "kb-btn" + (b.kind === "contact" ? " contact" : ""), b.text);
      node.type = "button";
      if (b.kind === "contact") {
        node.title = tr("share_contact_title", { phone: S.persona.phone || "" });
        node.addEventListener("click", () => shareContact());
      } else if (b.kind === "text") {
        node.addEventListener("click", () => say(b.text));
      } else {
        node.disabled = true;
        node.title = tr("button_unsupported");
      }
      rowBox.append(node);
    }
    box.append(rowBox);
  }
  box.hidden = false;
}

function sendAs() {
  return S.persona && S.persona.kind === "group" ? $("send-as").value : null;
}

async function sendText(text) {
  if (!S.persona) return;
  const value = String(text || "").trim();
  if (!value) return;
  if (value.length > S.textLimit) {
    toast(tr("err_too_long", { limit: S.textLimit }), "error");
    return;
  }
  await call("/api/send", { persona: S.persona.key, text: value, as: sendAs() });
}

function say(text) {
  sendText(text).catch(failed);
}

async function pressButton(messageId, data, node) {
  node.disabled = true;
  try {
    const result = await call("/api/press", {
      persona: S.persona.key, message_id: messageId, data, as: sendAs(),
    });
    if (result.toast) toast(result.toast);
  } catch (err) {
    failed(err);
  } finally {
    node.disabled = false;
  }
}

async function shareContact() {
  try {
    await call("/api/contact", { persona: S.persona.key });
  } catch (err) {
    failed(err);
  }
}

async function uploadFile(file) {
  if (!file || !S.persona) return;
  if (file.size >= S.uploadLimit) {
    toast(tr("err_upload_limit", { limit: Math.round(S.uploadLimit / 1000 / 1000) }), "error");
    return;
  }
  const form = new FormData();
  form.append("persona", S.persona.key);
  const as = sendAs();
  if (as) form.append("as", as);
  const caption = $("text").value.trim();
  if (caption) form.append("caption", caption);
  form.append("file", file, file.name);
  toast(tr("uploading", { name: file.name }));
  const response = await fetch("/api/upload", { method: "POST", body: form });
  await answer(response);
  $("text").value = "";
  autoGrow();
  toast(tr("uploaded", { name: file.name }));
}

async function openMenu() {
  const pop = $("menu-pop");
  if (!pop.hidden) {
    pop.hidden = true;
    return;
  }
  const commands = await getJson("/api/menu?persona=" + encodeURIComponent(S.persona.key));
  pop.replaceChildren();
  if (!commands.length) pop.append(el("div", "muted", tr("menu_empty")));
  for (const command of commands) {
    const item = el("button", "menu-item");
    item.type = "button";
    item.append(el("span", "command", "/" + command.command), el("span", null, command.description));
    item.addEventListener("click", () => {
      pop.hidden = true;
      say("/" + command.command);
    });
    pop.append(item);
  }
  pop.hidden = false;
}

function autoGrow() {
  const box = $("text");
  box.style.height = "auto";
  box.style.height = Math.min(box.scrollHeight, 160) + "px";
}

// --- the clock --------------------------------------------------------------------------------

function renderClock() {
  const clock = S.clock;
  if (!clock || !S.state) return;
  $("clock-time").textContent = formatTime(clock.epoch, FULL);
  $("clock-zone").textContent = tr("timezone", { zone: clock.timezone });
  $("clock-phase").textContent = clock.phase ? tr("phase_now", { phase: clock.phase }) : tr("phase_none");
  $("clock-chip").textContent = formatTime(clock.epoch, FULL);
  const next = $("adv-next");
  next.disabled = !clock.next_due || S.clockBusy;
  next.title = clock.next_due ? "" : tr("nothing_due");
  $("next-due").textContent = clock.next_due
    ? tr("next_due", { when: formatIso(clock.next_due, FULL) })
    : tr("nothing_due");
  // No "min" on the input: an earlier time must reach the sandbox, which explains the refusal.
  const input = $("clock-input");
  if (!input.value || input.value < clock.local) input.value = clock.local;
  renderMilestones();
}

function renderMilestones() {
  if (!S.state) return;
  const list = $("milestones");
  list.replaceChildren();
  const now = S.clock ? S.clock.epoch : 0;
  for (const item of S.state.plan.milestones) {
    const at = Date.parse(item.at) / 1000;
    const li = el("li", at < now ? "past" : "");
    const label = el("span", "ms-label");
    const title = el("span", "ms-title", item.title);
    title.title = item.title;
    label.append(el("span", "ms-kind", tr("milestone_" + item.kind)), title);
    if (item.campaign) label.append(el("span", "ms-campaign", item.campaign));
    const when = el("button", "ms-when", formatIso(item.at, FULL));
    when.type = "button";
    when.disabled = at < now || S.clockBusy;
    when.title = tr("advance_to");
    when.addEventListener("click", () => advance("to", localInput(item.at)));
    li.append(label, when);
    list.append(li);
  }
}

// The datetime-local value of an ISO moment, in the plan's time zone.
function localInput(iso) {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: S.state.plan.timezone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hour12: false,
  }).formatToParts(new Date(Date.parse(iso)));
  const get = (type) => (parts.find((p) => p.type === type) || {}).value;
  const hour = get("hour") === "24" ? "00" : get("hour");
  return `${get("year")}-${get("month")}-${get("day")}T${hour}:${get("minute")}`;
}

async function advance(action, to) {
  S.clockBusy = true;
  for (const b of document.querySelectorAll(".clock-buttons button, #adv-to")) b.disabled = true;
  try {
    const result = await call("/api/clock", { action, to });
    S.clock = result.clock;
    toast(tr("clock_moved", { when: formatTime(result.clock.epoch, FULL) }));
  } catch (err) {
    failed(err);
  } finally {
    S.clockBusy = false;
    for (const b of document.querySelectorAll(".clock-buttons button, #adv-to")) b.disabled = false;
    renderClock();
  }
}

// --- the outbox -------------------------------------------------------------------------------

const RECIPIENT_FIELDS = ["chat_id", "recipient_id", "recipient", "user_id", "telegram_id", "to"];
const TEXT_FIELDS = ["text", "body", "message", "content", "summary", "kind", "key"];
const TIME_FIELDS = ["sent_at", "due_at", "queued_at", "created_at", "updated_at", "at"];

function renderOutbox() {
  const box = $("outbox");
  box.replaceChildren();
  const rows = (S.outbox && S.outbox.rows) || [];
  $("outbox-count").textContent = rows.length ? String(rows.length) : "";
  if (S.outbox && S.outbox.error) box.append(el("div", "outbox-error", tr("outbox_error", { error: S.outbox.error })));
  if (!rows.length) {
    box.append(el("div", "empty", tr("outbox_empty")));
    return;
  }
  for (const row of rows) box.append(outboxCard(row));
}

// A status or kind in the page's language ("sent" → "đã gửi"); an unknown one as it is.
function label(prefix, value) {
  const key = prefix + String(value).replace(/\W/g, "_");
  return Object.prototype.hasOwnProperty.call(S.texts, key) ? S.texts[key] : String(value);
}

function outboxCard(row) {
  const card = el("article", "ob-card");
  const head = el("div", "ob-head");
  const status = row.status || row.state;
  if (status) head.append(el("span", "ob-status st-" + String(status).replace(/\W/g, ""), label("outbox_status_", status)));
  const recipientKey = RECIPIENT_FIELDS.find((k) => row[k] !== undefined && row[k] !== null);
  if (typeof row.address === "string" && row.address) {
    // Outbox rows name their recipient by address: "zalo:…", "telegram:…".
    const persona = personaByAddress(row.address);
    const channel = row.address.split(":", 1)[0];
    head.append(channelBadge(persona || { channel }));
    const to = el("span", "ob-to", "→ " + (persona ? displayName(persona) : row.address));
    to.title = row.address;
    head.append(to);
  } else if (recipientKey) {
    const id = Number(row[recipientKey]);
    const persona = [...S.personas.values()].find((p) => p.chat_id === id || p.user_id === id);
    head.append(el("span", "ob-to", "→ " + (persona
      ? (persona.kind === "group" ? tr("group_name") : persona.name)
      : String(row[recipientKey]))));
  }
  if (typeof row.kind === "string" && row.kind) {
    const kind = el("span", "ob-kind", label("outbox_kind_", row.kind));
    kind.title = row.kind;
    head.append(kind);
  }
  const timeKey = TIME_FIELDS.find((k) => typeof row[k] === "string" && !Number.isNaN(Date.parse(row[k])));
  if (timeKey) head.append(el("time", "ob-time", formatIso(row[timeKey], FULL)));
  card.append(head);
  const textKey = TEXT_FIELDS.find((k) => typeof row[k] === "string" && row[k]);
  if (textKey) card.append(el("div", "ob-text", row[textKey]));
  const problem = row.last_error || row.error;
  if (problem) card.append(el("div", "ob-error", String(problem)));
  const details = el("details", "ob-details");
  details.append(el("summary", null, tr("outbox_details")));
  const list = el("dl");
  for (const [key, value] of Object.entries(row)) {
    list.append(el("dt", null, key), el("dd", null,
      typeof value === "object" && value !== null ? JSON.stringify(value) : String(value)));
  }
  details.append(list);
  card.append(details);
  return card;
}

// --- start-up ---------------------------------------------------------------------------------

async function toggleLang() {
  const next = S.lang === "vi" ? "en" : "vi";
  try {
    await call("/api/lang", { lang: next });
    await loadTexts(next);
  } catch (err) {
    failed(err);
  }
}

function wire() {
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const box = $("text");
    const value = box.value;
    if (!value.trim()) return;
    sendText(value).then(() => {
      box.value = "";
      autoGrow();
    }).catch(failed);
  });
  $("text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("text").addEventListener("input", autoGrow);
  $("file-input").addEventListener("change", (event) => {
    const file = event.target.files && event.target.files[0];
    event.target.value = "";
    uploadFile(file).catch(failed);
  });
  $("invite-btn").addEventListener("click", () => {
    call("/api/invite", { persona: S.persona.key }).catch(failed);
  });
  $("menu-btn").addEventListener("click", () => openMenu().catch(failed));
  for (const button of document.querySelectorAll(".clock-buttons button")) {
    button.addEventListener("click", () => advance(button.dataset.action));
  }
  $("clock-to").addEventListener("submit", (event) => {
    event.preventDefault();
    advance("to", $("clock-input").value);
  });
  $("lang-toggle").addEventListener("click", toggleLang);
  $("back").addEventListener("click", () => document.body.classList.remove("show-chat"));
  const toggleSide = () => document.body.classList.toggle("show-side");
  $("side-toggle").addEventListener("click", toggleSide);
  $("clock-chip").addEventListener("click", toggleSide);
}

async function boot() {
  wire();
  try {
    const state = await getJson("/api/state");
    S.state = state;
    S.uploadLimit = state.limits.upload_bytes;
    S.textLimit = state.limits.text;
    S.clock = state.clock;
    for (const persona of state.personas) S.personas.set(persona.key, persona);
    await loadTexts(state.lang);
    $("campaign").textContent = state.plan.title;
    $("campaign").title = state.plan.title;
    renderPersonas();
    renderClock();
    renderOutbox();
    const wanted = decodeURIComponent(location.hash.slice(1));
    selectPersona(S.personas.has(wanted) ? wanted : state.personas[0].key, false);
    if (!S.personas.has(wanted)) document.body.classList.remove("show-chat");
  } catch (err) {
    document.body.classList.remove("loading");
    failed(err);
  }
}

document.addEventListener("DOMContentLoaded", boot);
