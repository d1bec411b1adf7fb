// The panels beside the email: the decision trace of every placeholder.
// Like the rest of the page, everything from templates, profiles and the
// library goes in as text (text nodes), never as HTML.
'use strict';

const Panels = (() => {
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

  let openFolds = new Set();

  function fmtScore(n) {
    return Number.isInteger(n) ? String(n) : n.toFixed(3).replace(/0+$/, '');
  }

  // showTrace draws the trace of every placeholder into root. open holds
  // the folds the designer opened (scope|step), kept across renders.
  function showTrace(root, decisions, open) {
    openFolds = open;
    root.replaceChildren();
    const props = (decisions && decisions.propositions) || [];
    if (props.length === 0) {
      root.append(el('p', { class: 'muted' }, decisions ? 'This template has no offer placeholders.' : 'No decision was made.'));
      return;
    }
    for (const p of props) root.append(scopeSection(p));
  }

  // Steps that drop a candidate, in the order the trace shows their folds:
  // the ones a designer acts on first.
  const stepOrder = ['eligibility', 'criterion', 'capped', 'duplicate', 'dates', 'status', 'content'];
  const stepTitles = {
    eligibility: 'offer rule false', criterion: 'criterion rule false', capped: 'capped',
    duplicate: 'already in this message', dates: 'outside its dates', status: 'not approved', content: 'no content here',
  };

  function scopeSection(p) {
    const trace = p.trace || [];
    const scope = p.activity + '/' + p.placement;
    const sec = el('section', { class: 'scope', 'data-scope': scope });
    let badge;
    if (p.offers.length > 0) badge = el('span', { class: 'badge' }, p.offers.length === 1 ? '1 offer' : p.offers.length + ' offers');
    else if (p.fallback) badge = el('span', { class: 'badge fallback' }, 'fallback');
    else badge = el('span', { class: 'badge none' }, 'nothing');
    sec.append(el('h3', null, el('code', null, p.activity), ' · ', el('code', null, p.placement), badge));

    // What the recipient sees, first.
    const why = trace.find((t) => t.outcome === 'fallback' || t.outcome === 'inactive');
    if (p.offers.length > 0) {
      const ol = el('ol', { class: 'result chosen' });
      for (const o of p.offers) {
        const t = trace.find((e) => e.outcome === 'chosen' && e.offer === o.id);
        const note = t && t.reason.includes('; ') ? t.reason.slice(t.reason.indexOf('; ') + 2) : '';
        ol.append(el('li', { 'data-offer': o.id }, el('strong', null, o.id),
          ' ', el('span', { class: 'score' }, 'score ' + fmtScore(o.score) + ', rank ' + o.rank),
          note ? el('div', { class: 'muted small' }, note) : null));
      }
      sec.append(ol);
    } else if (p.fallback) {
      sec.append(el('p', { class: 'result fallback' }, 'Fallback ', el('strong', null, p.fallback.id), why ? ': ' + why.reason : ''));
    } else {
      sec.append(el('p', { class: 'result none' }, 'Nothing shown', why ? ': ' + why.reason : ''));
    }

    // Then the candidates that lost: eligible ones the slots had no room
    // for, the dropped ones by step, and the groups not needed.
    const eligible = trace.filter((t) => t.outcome === 'eligible');
    if (eligible.length > 0) {
      sec.append(fold(scope, 'eligible', 'eligible', eligible.length, 'also eligible, no room left', eligible));
    }
    const dropped = trace.filter((t) => t.outcome === 'dropped');
    const steps = [...new Set(dropped.map((t) => t.step))];
    steps.sort((a, b) => rankOf(a) - rankOf(b));
    for (const step of steps) {
      const rows = dropped.filter((t) => t.step === step);
      sec.append(fold(scope, 'dropped', step, rows.length, 'dropped: ' + (stepTitles[step] || step), rows));
    }
    const skipped = trace.filter((t) => t.outcome === 'skipped');
    if (skipped.length > 0) {
      const d = fold(scope, 'skipped', 'skipped', skipped.length, 'not evaluated: earlier groups filled the slots', null);
      d.classList.add('skipped');
      d.querySelector('summary').textContent = skipped.length + ' not evaluated: earlier groups filled the slots';
      d.append(el('p', { class: 'muted small cands' }, skipped.map((t) => t.offer + ' (group ' + t.group + ')').join(', ')));
      sec.append(d);
    }
    return sec;
  }

  function rankOf(step) {
    const i = stepOrder.indexOf(step);
    return i < 0 ? stepOrder.length : i;
  }

  // fold is a collapsible list of candidates; it stays open across renders
  // once the designer opened it.
  function fold(scope, kind, step, count, title, rows) {
    const key = scope + '|' + step;
    const d = el('details', { class: 'fold', 'data-kind': kind, 'data-step': step });
    const open = openFolds;
    d.open = open.has(key);
    d.addEventListener('toggle', () => { if (d.open) open.add(key); else open.delete(key); });
    d.append(el('summary', null, el('span', { class: 'count' }, String(count)), ' ' + title));
    if (rows) {
      const ul = el('ul', { class: 'cands' });
      for (const t of rows) ul.append(candidate(t));
      d.append(ul);
    }
    return d;
  }

  // candidate is one offer of a fold: its id and group, why, and what a
  // false rule read or a cap counted.
  function candidate(t) {
    const li = el('li', { class: 'outcome-' + t.outcome, 'data-offer': t.offer },
      el('code', null, t.offer), t.group ? el('span', { class: 'group' }, ' · group ' + t.group) : null);
    let reason = t.reason;
    const values = t.values || [];
    if (values.length > 0) {
      // The values are shown one by one below; the reason keeps its head.
      const cut = reason.indexOf(' is false: ');
      if (cut >= 0) reason = reason.slice(0, cut + ' is false'.length) + reason.slice(reason.indexOf(' (', cut) >= 0 ? reason.indexOf(' (', cut) : reason.length);
    }
    li.append(el('div', { class: 'why' }, reason));
    if (values.length > 0) {
      const vs = el('div', { class: 'values' });
      for (const v of values) {
        vs.append(v.missing ? el('code', { class: 'missing' }, v.path + ' missing') : el('code', null, v.path + ' = ' + JSON.stringify(v.value)));
      }
      li.append(vs);
    }
    if (t.counter !== undefined && t.limit !== undefined) {
      li.append(el('span', { class: 'cap' }, 'counter ' + t.counter + (t.pending ? ' + ' + t.pending + ' in this message' : '') + ' / limit ' + t.limit + (t.window ? ' (' + t.window + ')' : '')));
    }
    return li;
  }

  // showLint lists the email checks of the message (mailpreview lint):
  // errors first, each with where it was written.
  function showLint(list, count, problems) {
    list.replaceChildren();
    const sorted = [...problems].sort((a, b) => (a.level === b.level ? 0 : a.level === 'error' ? -1 : 1));
    for (const p of sorted) {
      const at = p.line ? p.file + ':' + p.line + ':' + p.col : p.file;
      list.append(el('li', { class: 'lint-' + p.level, 'data-code': p.code },
        el('span', { class: 'level' }, p.level), ' ', el('code', { class: 'at' }, at), el('div', null, p.message)));
    }
    const errors = problems.filter((p) => p.level === 'error').length;
    count.textContent = problems.length === 0 ? 'all clear' : errors > 0 ? errors + ' error' + (errors > 1 ? 's' : '') : problems.length + ' warning' + (problems.length > 1 ? 's' : '');
    count.className = 'badge' + (errors > 0 ? ' none' : problems.length > 0 ? ' fallback' : '');
  }

  return { el, showTrace, showLint };
})();
