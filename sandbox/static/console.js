// The MatchPath sandbox console. The server renders all HTML (escaped there); this script only
// posts what the visitor does, polls for what changed and swaps the server's fragments in.
// Text from the server is never turned into markup here: messages go through textContent.
"use strict";

(() => {
  const body = document.body;
  const who = body.dataset.as;
  const conversation = body.dataset.conversation;
  const POLL_MS = 1500;
  let timelineKey = null;
  let sidebarHtml = null;
  let modalKey = null;

  const $ = (selector, root = document) => root.querySelector(selector);

  async function post(path, payload) {
    try {
      const answer = await fetch(path, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload),
      });
      try {
        return await answer.json();
      } catch {
        return { ok: false, message: `The console answered HTTP ${answer.status}.` };
      }
    } catch {
      return { ok: false, message: "The console is not answering: is the sandbox still running?" };
    }
  }

  let toastTimer = null;
  function toast(message) {
    const box = $("#toast");
    if (!box || !message) return;
    box.textContent = message;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.hidden = true; }, 6000);
  }

  // -- polling ------------------------------------------------------------------------------

  async function refresh() {
    let state;
    try {
      const answer = await fetch(
        `/api/state?as=${encodeURIComponent(who)}&c=${encodeURIComponent(conversation)}`,
      );
      state = await answer.json();
    } catch {
      return; // the sandbox may be stopping; the next poll will tell
    }
    if (!state.ok) {
      toast(state.message);
      return;
    }
    const clock = $("#clock-label");
    if (clock) clock.textContent = state.clock.label;
    if (state.sidebar_html !== sidebarHtml) {
      $("#sidebar").innerHTML = state.sidebar_html;
      sidebarHtml = state.sidebar_html;
    }
    if (state.timeline_key !== timelineKey) {
      swapTimeline(state.timeline_html);
      timelineKey = state.timeline_key;
    }
    const key = state.modal ? `${state.modal.view_id}:${state.modal.key}` : null;
    if (key !== modalKey) {
      $("#modal-root").innerHTML = state.modal ? state.modal.html : "";
      modalKey = key;
      const first = $("#modal-root input, #modal-root select, #modal-root textarea");
      if (first) first.focus();
    }
    body.dataset.modal = state.modal ? state.modal.view_id : "";
  }

  function swapTimeline(html) {
    const timeline = $("#timeline");
    const open = new Set(
      [...timeline.querySelectorAll("details[data-thread][open]")].map((d) => d.dataset.thread),
    );
    const atBottom = timeline.scrollTop + timeline.clientHeight >= timeline.scrollHeight - 40;
    timeline.innerHTML = html;
    for (const details of timeline.querySelectorAll("details[data-thread]")) {
      if (open.has(details.dataset.thread)) details.open = true;
    }
    if (atBottom || timelineKey === null) timeline.scrollTop = timeline.scrollHeight;
  }

  async function poll() {
    await refresh();
    setTimeout(poll, POLL_MS);
  }

  // -- acting -------------------------------------------------------------------------------

  async function send(text) {
    const error = $("#composer-error");
    const input = $("#composer-input");
    error.textContent = "";
    input.disabled = true;
    const result = await post("/api/command", { as: who, c: conversation, text });
    input.disabled = false;
    if (!result.ok) {
      error.textContent = result.message;
    } else {
      input.value = "/matchpath ";
      toast(result.message);
    }
    input.focus();
    await refresh();
  }

  async function click(button) {
    if (button.dataset.confirm) {
      const dialog = JSON.parse(button.dataset.confirm);
      const question = [dialog.title, dialog.text].filter(Boolean).join("\n\n");
      if (!window.confirm(`${question}\n\n(OK: ${dialog.confirm} · Cancel: ${dialog.deny})`)) {
        return;
      }
    }
    if (button.dataset.url) window.open(button.dataset.url, "_blank", "noopener");
    button.disabled = true;
    const result = await post("/api/click", {
      as: who,
      c: conversation,
      source: button.dataset.source,
      block: Number(button.dataset.block),
      element: button.dataset.element,
    });
    button.disabled = false;
    toast(result.message);
    await refresh();
  }

  function collect(form) {
    const fields = {};
    const put = (block, action, value) => {
      fields[block] ??= {};
      fields[block][action] ??= [];
      if (value !== null) fields[block][action].push(value);
    };
    for (const control of form.querySelectorAll("[data-block-id][data-action-id]")) {
      const { blockId, actionId } = control.dataset;
      if (control.type === "checkbox" || control.type === "radio") {
        put(blockId, actionId, control.checked ? control.value : null);
      } else if (control.tagName === "SELECT" && control.multiple) {
        put(blockId, actionId, null);
        for (const option of control.selectedOptions) put(blockId, actionId, option.value);
      } else {
        put(blockId, actionId, control.value);
      }
    }
    return fields;
  }

  function showErrors(form, errors) {
    const known = new Set();
    for (const slot of form.querySelectorAll(".b-error[data-error-for]")) {
      const message = errors[slot.dataset.errorFor] || "";
      if (message) known.add(slot.dataset.errorFor);
      slot.textContent = message;
      slot.parentElement.classList.toggle("has-error", Boolean(message));
    }
    for (const old of form.querySelectorAll(".m-banner")) old.remove();
    const header = $(".m-title", form);
    for (const [where, message] of Object.entries(errors)) {
      if (known.has(where)) continue;
      const banner = document.createElement("div");
      banner.className = "m-banner";
      banner.setAttribute("role", "alert");
      banner.textContent = message;
      header.after(banner);
    }
    const first = $(".has-error input, .has-error select, .has-error textarea", form);
    if (first) first.focus();
  }

  async function submit(form) {
    const button = $(".m-submit", form);
    if (button) button.disabled = true;
    const result = await post("/api/submit", {
      as: who,
      view_id: form.dataset.viewId,
      fields: collect(form),
    });
    if (button) button.disabled = false;
    if (!result.ok) {
      toast(result.message);
    } else if (!result.closed) {
      showErrors(form, result.errors || {});
      return;
    }
    await refresh();
  }

  async function close(form) {
    await post("/api/close", { as: who, view_id: form.dataset.viewId });
    await refresh();
  }

  async function advance(seconds) {
    const result = await post("/api/clock", { seconds });
    toast(result.message);
    await refresh();
  }

  document.addEventListener("click", (event) => {
    const target = event.target.closest("button");
    if (!target || target.disabled) return;
    if (target.dataset.source !== undefined) {
      event.preventDefault();
      click(target);
    } else if (target.dataset.fill !== undefined) {
      event.preventDefault();
      const input = $("#composer-input");
      if (input) {
        input.value = target.dataset.fill;
        send(input.value);
      }
    } else if (target.dataset.advance !== undefined) {
      event.preventDefault();
      advance(Number(target.dataset.advance));
    } else if (target.dataset.close !== undefined) {
      event.preventDefault();
      close(target.closest("form"));
    }
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.id === "composer") {
      event.preventDefault();
      send($("#composer-input").value);
    } else if (form.classList.contains("modal")) {
      event.preventDefault();
      submit(form);
    }
  });

  document.addEventListener("keydown", (event) => {
    const form = $("#modal-root form.modal");
    if (event.key === "Escape" && form) close(form);
  });

  const picker = $("#who");
  if (picker) {
    picker.addEventListener("change", () => {
      const params = new URLSearchParams({ as: picker.value, c: conversation });
      window.location.assign(`/?${params}`);
    });
  }

  const timeline = $("#timeline");
  if (timeline) timeline.scrollTop = timeline.scrollHeight;
  const modal = $("#modal-root form.modal");
  if (modal) modalKey = "server";
  poll();
})();
