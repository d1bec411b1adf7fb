// bench.mjs times handlebars.js on the email the Go benchmark
// BenchmarkRenderHbsjsKit renders (render/hbsjs_bench_test.go): the
// northwind kit's newsletter.hbs with its layout and partials, for
// data/maya.json, compiled once and rendered again and again, the body
// first, then the layout around it, as gen.mjs records it. Not needed by
// go test or CI. From the repository root:
//
//	npm install --prefix /tmp/hbsjs handlebars@4.7.10
//	HANDLEBARS=/tmp/hbsjs/node_modules/handlebars node render/testdata/hbsjs/bench.mjs
//	go test ./render -run '^$' -bench BenchmarkRenderHbsjsKit -cpu 1
//
// It prints wall and CPU (user+sys) time per render, the figure to
// compare with the Go benchmark's cpu-ns/op.

import { createRequire } from 'node:module';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const Handlebars = require(process.env.HANDLEBARS || 'handlebars');
const kit = join(here, 'emails', 'northwind');

const hb = Handlebars.create();
hb.registerHelper('raw', function (options) {
  return options.fn(this);
});
for (const f of readdirSync(join(kit, 'partials'))) {
  hb.registerPartial(f.replace(/\.hbs$/, ''), readFileSync(join(kit, 'partials', f), 'utf8'));
}
let text = readFileSync(join(kit, 'newsletter.hbs'), 'utf8');
let layoutName = '';
const fm = text.match(/^---\n([\s\S]*?)\n---\n/);
if (fm) {
  text = text.slice(fm[0].length);
  const m = fm[1].match(/^layout: *(.+)$/m);
  if (m) layoutName = m[1].trim();
}
const body = hb.compile(text);
const layout = layoutName ? hb.compile(readFileSync(join(kit, 'layouts', layoutName), 'utf8')) : null;
const data = JSON.parse(readFileSync(join(kit, 'data', 'maya.json'), 'utf8'));
const render = () => {
  const out = body(data);
  return layout ? layout({ ...data, body: out }) : out;
};

let size = 0;
for (let i = 0; i < 20000; i++) size += render().length; // warm up the JIT
const n = 200000;
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) size += render().length;
const wall = Number(process.hrtime.bigint() - t0) / n;
const cpu = process.cpuUsage(cpu0);
console.log(`handlebars.js ${Handlebars.VERSION}, node ${process.version}: ${n} renders of northwind/newsletter.hbs (${render().length} bytes)`);
console.log(`${wall.toFixed(0)} ns/op wall, ${(((cpu.user + cpu.system) * 1000) / n).toFixed(0)} cpu-ns/op (user+sys) [${size > 0}]`);
