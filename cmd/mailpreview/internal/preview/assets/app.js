// The preview page. Everything that comes from templates or profiles is
// inserted as text (textContent, text nodes), never as HTML; the email
// itself goes into a sandboxed iframe's srcdoc.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);

  const ui = {
    version: 0,      // state version the pickers were drawn from
    seq: 0,          // render requests sent; older answers are dropped
    edited: false,   // the profile editor differs from the file
    shown: null,     // template|profile of the email in the iframe
  };

  // el builds an element; strings become text nodes.
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) {
      if (c !== null && c !== undefined && c !== '') e.append(c);
    }
    return e;
  }

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

  // atValue reads the picker as RFC 3339 UTC, or '' for now.
  function atValue() {
    let v = $('at').value;
    if (!v) return '';
    if (/^\d{4}-\d\d-\d\dT\d\d:\d\d$/.test(v)) v += ':00';
    return v + 'Z';
  }

  function setAt(rfc3339) {
    $('at').value = rfc3339 ? rfc3339.replace(/Z$/, '').slice(0, 19) : '';
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
    if (initial) setAt(h.get('at') || st.at);
    return st;
  }

  async function loadProfile() {
    const name = $('profile').value;
    if (!name) return;
    const p = await api('/api/profile?name=' + encodeURIComponent(name));
    $('profile-json').value = p.json;
    setEdited(false);
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
      $('frame').srcdoc = r.html;
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
    $('at-used').textContent = 'decided at ' + r.at;
    showTrace(r.decisions);
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

  function fmtScore(n) {
    return Number.isInteger(n) ? String(n) : n.toFixed(3).replace(/0+$/, '');
  }

  function showTrace(decisions) {
    const root = $('trace');
    root.replaceChildren();
    const props = (decisions && decisions.propositions) || [];
    if (props.length === 0) {
      root.append(el('p', { class: 'muted' }, decisions ? 'This template has no offer placeholders.' : 'No decision was made.'));
      return;
    }
    for (const p of props) root.append(scopeSection(p));
  }

  function scopeSection(p) {
    const trace = p.trace || [];
    const sec = el('section', { class: 'scope', 'data-scope': p.activity + '/' + p.placement });
    sec.append(el('h3', null, el('code', null, p.activity), ' · ', el('code', null, p.placement)));
    const why = trace.find((t) => t.outcome === 'fallback' || t.outcome === 'inactive');
    if (p.offers.length > 0) {
      const ul = el('ul', { class: 'result chosen' });
      for (const o of p.offers) {
        ul.append(el('li', null, el('strong', null, o.id), ' score ' + fmtScore(o.score) + ', rank ' + o.rank));
      }
      sec.append(ul);
    } else if (p.fallback) {
      sec.append(el('p', { class: 'result fallback' }, 'Fallback ', el('strong', null, p.fallback.id), why ? ': ' + why.reason : ''));
    } else {
      sec.append(el('p', { class: 'result none' }, 'Nothing shown', why ? ': ' + why.reason : ''));
    }
    const rows = trace.filter((t) => t.outcome !== 'skipped' && t.outcome !== 'fallback' && t.outcome !== 'inactive');
    if (rows.length > 0) {
      const tbody = el('tbody');
      for (const t of rows) tbody.append(traceRow(t));
      sec.append(el('table', { class: 'candidates' },
        el('thead', null, el('tr', null, el('th', null, 'Offer'), el('th', null, 'Group'), el('th', null, 'Outcome'), el('th', null, 'Why'))),
        tbody));
    }
    const skipped = trace.filter((t) => t.outcome === 'skipped');
    if (skipped.length > 0) {
      const d = el('details', { class: 'skipped' }, el('summary', null, skipped.length + ' not evaluated: earlier groups filled the slots'));
      d.append(el('p', { class: 'muted small' }, skipped.map((t) => t.offer + ' (group ' + t.group + ')').join(', ')));
      sec.append(d);
    }
    return sec;
  }

  function traceRow(t) {
    const outcome = t.step ? t.outcome + ': ' + t.step : t.outcome;
    const why = el('td', null, t.reason);
    if (t.counter !== undefined && t.limit !== undefined) {
      why.append(el('span', { class: 'cap' }, 'counter ' + t.counter + ' / limit ' + t.limit));
    }
    return el('tr', { class: 'outcome-' + t.outcome, 'data-offer': t.offer },
      el('td', null, el('code', null, t.offer)),
      el('td', null, t.group ? String(t.group) : ''),
      el('td', null, outcome),
      why);
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
    for (const b of document.querySelectorAll('.widths button')) {
      b.setAttribute('aria-pressed', String(b.dataset.width === String(px)));
    }
  }

  let editTimer = 0;

  function wire() {
    $('template').addEventListener('change', () => { saveHash(); render(); });
    $('profile').addEventListener('change', async () => { saveHash(); await loadProfile(); render(); });
    $('at').addEventListener('change', () => { saveHash(); render(); });
    $('at-now').addEventListener('click', () => { $('at').value = ''; saveHash(); render(); });
    $('profile-json').addEventListener('input', () => {
      setEdited(true);
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
