// gen.mjs records what handlebars.js prints for every case of render's
// differential test (render/hbsjs_test.go), into <suite>.json beside this
// file, so that go test compares against handlebars.js without node.
//
// Run it from the repository root after changing a case:
//
//	npm install --prefix /tmp/hbsjs handlebars@4.7.10
//	HANDLEBARS=/tmp/hbsjs/node_modules/handlebars node render/testdata/hbsjs/gen.mjs
//
// It asks go test for the cases (-hbsjs.dump), renders each with a fresh
// handlebars.js environment holding the case's partials and one helper,
// raw (a raw block writes its content, as offermail's built-in raw does),
// and writes the output or the error message of each case.

import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const Handlebars = require(process.env.HANDLEBARS || 'handlebars');

const dir = mkdtempSync(join(tmpdir(), 'hbsjs-'));
try {
  execFileSync('go', ['test', './render', '-run', '^TestHandlebarsJS$', '-count=1', '-hbsjs.dump=' + dir], {
    cwd: join(here, '..', '..', '..'),
    stdio: 'inherit',
  });
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cases.json')).sort()) {
    const suite = file.slice(0, -'.cases.json'.length);
    const cases = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const out = { handlebars: Handlebars.VERSION, cases: cases.map(record) };
    writeFileSync(join(here, suite + '.json'), JSON.stringify(out, null, 1) + '\n');
    console.log(`${suite}: ${cases.length} cases recorded with handlebars.js ${Handlebars.VERSION}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// record renders one case: the template with the data, then, for an email
// with a layout, the layout with the data and body set to the template's
// output (offermail renders {{{body}}} so).
function record(c) {
  const hb = Handlebars.create();
  hb.registerHelper('raw', function (options) {
    return options.fn(this);
  });
  for (const [name, src] of Object.entries(c.partials || {})) {
    hb.registerPartial(name, src);
  }
  const render = (template) => {
    const data = JSON.parse(c.data);
    let out = hb.compile(template)(data);
    if (c.layout) {
      out = hb.compile(c.layout)({ ...data, body: out });
    }
    return out;
  };
  try {
    const out = render(c.template);
    // handlebars.js 4.7 adds two numbers written raw side by side
    // ({{{a}}}{{{b}}}), a bug fixed upstream. An empty block between the
    // two keeps it from doing so; the output without the bug is recorded
    // as "fixed" when it differs, for the test to tell this apart.
    const split = c.template.replace(/(\}\}\}|\{\{~?&[^{}]*\}\})(?=\{\{~?[{&])/g, '$1{{#if true}}{{/if}}');
    if (split !== c.template) {
      const fixed = render(split);
      if (fixed !== out) {
        return { name: c.name, sum: c.sum, out, fixed };
      }
    }
    return { name: c.name, sum: c.sum, out };
  } catch (e) {
    return { name: c.name, sum: c.sum, error: String(e && e.message ? e.message : e).split('\n')[0] };
  }
}
