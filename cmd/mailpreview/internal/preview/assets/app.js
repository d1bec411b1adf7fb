// The preview page. Everything that comes from templates or profiles is
// inserted as text (textContent, text nodes), never as HTML; the email
// itself goes into a sandboxed iframe's srcdoc.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const el = Panels.el;

  const ui = {
    version: 0,      // state version the pickers were drawn from
    seq: 0,          // render requests sent; older answers are dropped
    edited: false,   // the profile editor differs from the file
    shown: null,     // template|profile of the email in the iframe
    at: '',          // the decision time chosen (RFC 3339 UTC), '' for now
    open: new Set(), // folds of the trace the designer opened, by scope|kind
  };

  async function api(path, body) {
    const init = body === undefined ? {} : {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    };
    const res = await fetch(path, init);
    const data = await res.json();
    if (!res.ok) throw new Error(data.error || res.statusText);
    return data;
  }

  function setStatus(state, text) {
    const s = $('status');
    s.dataset.state = state;
    s.textContent = text;
  }

  // --- selection, kept in the URL so a reload of the page keeps it ---

  function hashParams() {
    return new URLSearchParams(location.hash.slice(1));
  }

  function saveHash() {
    const p = new URLSearchParams();
    if ($('template').value) p.set('t', $('template').value);
    if ($('profile').value) p.set('p', $('profile').value);
    if ($('at').value) p.set('at', atValue());
    history.replaceState(null, '', '#' + p.toString());
  }

  // atValue is the decision time chosen: RFC 3339 UTC, or '' for now.
  function atValue() {
    return ui.at;
  }

  // parseAt reads what was typed in the time field as a UTC time:
  // 2026-12-02T09:00:00Z, without seconds, without the Z, or with a space
  // for the T. It returns RFC 3339 with seconds, '' for empty (now), or
  // null when the text is not a time.
  function parseAt(text) {
    const v = text.trim();
    if (v === '') return '';
    const m = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d))?(?:\.\d+)?(?:Z|\+00:00)?$/i.exec(v);
    if (!m) return null;
    const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6] || '00'].map(Number);
    const t = new Date(Date.UTC(y, mo - 1, d, h, mi, sec));
    if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d || h > 23 || mi > 59 || sec > 59) return null;
    return t.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  // setAt fixes the decision time ('' for now) and shows it.
  function setAt(rfc3339) {
    ui.at = rfc3339 || '';
    const field = $('at');
    field.value = ui.at;
    field.removeAttribute('aria-invalid');
    field.title = '';
    const mode = $('at-mode');
    mode.dataset.mode = ui.at ? 'fixed' : 'now';
    mode.textContent = ui.at ? 'fixed' : 'now';
  }

  // showAt shows the time a render decided at: in now mode the field holds
  // the time used, which stays "now" for the next render.
  function showAt(used) {
    if (!ui.at && document.activeElement !== $('at')) $('at').value = used;
  }

  // readAt takes the field's text when the designer is done with it.
  function readAt() {
    const field = $('at');
    const t = parseAt(field.value);
    if (t === null) {
      field.setAttribute('aria-invalid', 'true');
      field.title = 'Not a time: write it as 2026-12-02T09:00:00Z (UTC)';
      return false;
    }
    setAt(t);
    return true;
  }

  function fillSelect(select, items, wanted) {
    const keep = wanted || select.value;
    select.replaceChildren();
    for (const it of items) {
      const o = el('option', { value: it.name }, it.broken ? it.name + ' (error)' : it.name);
      select.append(o);
    }
    if (items.some((it) => it.name === keep)) select.value = keep;
  }

  async function loadState(initial) {
    const st = await api('/api/state');
    ui.version = st.version;
    const h = initial ? hashParams() : new URLSearchParams();
    fillSelect($('template'), st.templates, h.get('t'));
    fillSelect($('profile'), st.profiles.map((name) => ({ name })), h.get('p'));
    if (initial) setAt(parseAt(h.get('at') || '') || st.at);
    return st;
  }

  async function loadProfile() {
    const name = $('profile').value;
    if (!name) return;
    const p = await api('/api/profile?name=' + encodeURIComponent(name));
    $('profile-json').value = p.json;
    setEdited(false);
    fitEditor();
  }

  function setEdited(edited) {
    ui.edited = edited;
    $('profile-state').textContent = edited ? 'edited in the page' : 'from file';
    $('profile-reset').disabled = !edited;
  }

  // --- rendering ---

  async function render() {
    const template = $('template').value;
    const profile = $('profile').value;
    if (!template || !profile) {
      showProblems([], null);
      return;
    }
    const seq = ++ui.seq;
    const req = { template, profile, at: atValue() };
    if (ui.edited) req.profileJSON = $('profile-json').value;
    let r;
    try {
      r = await api('/api/render', req);
    } catch (err) {
      if (seq === ui.seq) showProblems([{ where: 'server', message: String(err.message || err) }], null);
      return;
    }
    if (seq !== ui.seq) return;
    show(r);
  }

  function show(r) {
    const key = r.template + '|' + r.profile;
    if (r.rendered) {
      $('frame').srcdoc = r.frame || r.html;
      ui.shown = key;
      $('subject').textContent = r.subject;
      $('preheader').textContent = r.preheader;
      $('from').textContent = r.from;
      $('to').textContent = r.to;
      $('view-text').textContent = r.text;
      $('view-mime').textContent = r.eml;
    } else if (ui.shown !== key) {
      // Nothing that worked for this pair yet: no stale email from
      // another template or profile under the errors.
      $('frame').srcdoc = '';
      ui.shown = null;
      for (const id of ['subject', 'preheader', 'from', 'to', 'view-text', 'view-mime']) $(id).textContent = '';
    }
    $('view-decisions').textContent = r.decisions ? JSON.stringify(r.decisions, null, 2) : '';
    showAt(r.at);
    Panels.showTrace($('trace'), r.decisions, ui.open);
    Panels.showLint($('lint'), $('lint-count'), r.lint || []);
    showWarnings(r.missing || []);
    showProblems(r.problems || [], r);
    document.body.dataset.rendered = key + '|' + r.version;
  }

  function showWarnings(missing) {
    const ul = $('warnings');
    ul.replaceChildren();
    for (const m of missing) {
      ul.append(el('li', null, 'Missing profile field ', el('code', null, m.field),
        ' used at ', el('code', null, m.file + ':' + m.line + ':' + m.col), ' (renders empty)'));
    }
    ul.hidden = missing.length === 0;
  }

  function problemAt(p) {
    if (!p.file) return '';
    if (!p.line) return p.file;
    return p.file + ':' + p.line + (p.col ? ':' + p.col : '');
  }

  function showProblems(problems, r) {
    const ol = $('problems');
    ol.replaceChildren();
    for (const p of problems) {
      const li = el('li', { class: 'problem', 'data-where': p.where });
      li.append(el('div', { class: 'where' }, el('span', { class: 'kind' }, p.where), ' ', el('code', null, problemAt(p))));
      li.append(el('div', { class: 'message' }, p.message));
      if (p.source) li.append(el('pre', { class: 'source' }, p.source + '\n' + (p.caret || '')));
      ol.append(li);
    }
    let note = '';
    if (r && r.stale) note = 'The email below is the last version of ' + r.template + ' that loaded.';
    else if (r && !r.rendered && ui.shown) note = 'The email below is the last one that rendered.';
    else if (r && !r.rendered) note = 'Nothing to show until this is fixed.';
    else if (r) note = 'The email below may be out of date.';
    $('overlay-note').textContent = note + ' The preview updates by itself once the file is fixed.';
    $('overlay').hidden = problems.length === 0;
  }

  // --- sizes ---

  // fitFrame gives the email frame the height of the email, so that the
  // page scrolls, not a box inside it. The frame is sandboxed without
  // scripts; allow-same-origin lets this page measure it.
  function fitFrame() {
    const frame = $('frame');
    const doc = frame.contentDocument;
    if (!doc || !doc.documentElement) return;
    const root = doc.documentElement;
    // The email's own height (not the frame's), plus a horizontal
    // scrollbar when the email is wider than the frame (a 600 px email
    // at 375 px), which designers should see.
    const bar = Math.max(0, frame.contentWindow.innerHeight - root.clientHeight);
    const h = Math.max(root.getBoundingClientRect().height, doc.body ? doc.body.scrollHeight : 0) + bar;
    const px = Math.max(120, Math.ceil(h)) + 'px';
    if (frame.style.height !== px) frame.style.height = px;
  }

  let frameObserver = null;

  // watchFrame follows a new email's height as it lays out (images, the
  // mobile width).
  function watchFrame() {
    if (frameObserver) frameObserver.disconnect();
    const doc = $('frame').contentDocument;
    // The frame grows with the email, so it never needs a vertical
    // scrollbar; one left over from a first layout would take width from
    // the email. Sideways, an email wider than the frame still scrolls.
    if (doc && doc.documentElement) doc.documentElement.style.overflowY = 'hidden';
    fitFrame();
    if (doc && doc.documentElement && window.ResizeObserver) {
      frameObserver = new ResizeObserver(fitFrame);
      frameObserver.observe(doc.documentElement);
      if (doc.body) frameObserver.observe(doc.body);
    }
  }

  // fitEditor grows the profile editor with its text, up to the window.
  function fitEditor() {
    const ta = $('profile-json');
    ta.style.height = 'auto';
    ta.style.height = (ta.scrollHeight + 2) + 'px';
  }

  // --- controls ---

  function setView(view) {
    document.body.dataset.view = view;
    for (const tab of document.querySelectorAll('[role=tab]')) {
      const on = tab.dataset.view === view;
      tab.setAttribute('aria-selected', String(on));
      $('view-' + tab.dataset.view).hidden = !on;
    }
  }

  function setWidth(px) {
    document.body.dataset.width = String(px);
    $('frame').width = String(px);
    $('frame').style.width = px + 'px';
    fitFrame();
    for (const b of document.querySelectorAll('.widths button')) {
      b.setAttribute('aria-pressed', String(b.dataset.width === String(px)));
    }
  }

  let editTimer = 0;

  function wire() {
    $('template').addEventListener('change', () => { saveHash(); render(); });
    $('profile').addEventListener('change', async () => { saveHash(); await loadProfile(); render(); });
    $('at').addEventListener('change', () => { if (readAt()) { saveHash(); render(); } });
    $('at').addEventListener('keydown', (ev) => { if (ev.key === 'Enter') $('at').blur(); });
    $('at-now').addEventListener('click', () => { setAt(''); saveHash(); render(); });
    $('frame').addEventListener('load', watchFrame);
    $('profile-json').addEventListener('input', () => {
      setEdited(true);
      fitEditor();
      clearTimeout(editTimer);
      editTimer = setTimeout(render, 300);
    });
    $('profile-reset').addEventListener('click', async () => { await loadProfile(); render(); });
    for (const tab of document.querySelectorAll('[role=tab]')) {
      tab.addEventListener('click', () => setView(tab.dataset.view));
    }
    for (const b of document.querySelectorAll('.widths button')) {
      b.addEventListener('click', () => setWidth(Number(b.dataset.width)));
    }
  }

  // Server-sent events: the server sends its version when the stream
  // opens and after every reload; any version not drawn yet re-renders.
  function listen() {
    const es = new EventSource('/events');
    es.addEventListener('version', async (ev) => {
      setStatus('live', 'live');
      const v = JSON.parse(ev.data).version;
      if (v === ui.version) return;
      try {
        await loadState(false);
        if (!ui.edited) await loadProfile();
        await render();
      } catch (err) {
        setStatus('error', String(err.message || err));
      }
    });
    es.addEventListener('error', () => setStatus('reconnecting', 'reconnecting…'));
  }

  async function start() {
    wire();
    setView('html');
    setWidth(600);
    try {
      await loadState(true);
      await loadProfile();
      await render();
    } catch (err) {
      showProblems([{ where: 'server', message: String(err.message || err) }], null);
    }
    listen();
  }

  start();
})();
