package batch

// reportTemplate is report.html. Everything it shows from the run (ids,
// reasons, excerpts) is escaped by html/template; it loads nothing.
const reportTemplate = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Kind}} {{.Campaign}}: report</title>
<style>
  :root { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2330; background: #f4f5f7; }
  body { margin: 0 auto; max-width: 1000px; padding: 20px; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  h2 { font-size: 16px; margin: 0 0 8px; }
  h3 { font-size: 14px; margin: 12px 0 6px; }
  section { background: #fff; border: 1px solid #dde1e8; border-radius: 8px; padding: 14px 16px; margin: 12px 0; }
  .muted { color: #6b7385; }
  code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12.5px; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0 0; }
  dt { color: #6b7385; }
  dd { margin: 0; overflow-wrap: anywhere; }
  .totals { display: flex; flex-wrap: wrap; gap: 10px; }
  .total { border: 1px solid #dde1e8; border-radius: 6px; padding: 6px 12px; min-width: 110px; }
  .total b { display: block; font-size: 20px; }
  .total.bad b { color: #b42318; }
  svg.chart { display: block; max-width: 100%; height: auto; }
  svg.chart text { font: 12.5px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; fill: #1d2330; }
  svg.chart .offer { fill: #2f7a4f; }
  svg.chart .fallback { fill: #b7791f; }
  svg.chart .empty { fill: #b42318; }
  svg.chart .track { fill: #f1f3f7; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid #eef0f3; }
  th { color: #6b7385; font-weight: 500; }
  td.n { text-align: right; white-space: nowrap; }
  .excerpt { color: #4a5263; }
</style>
</head>
<body>
<header>
  <h1>{{.Kind}}: {{.Campaign}}{{if and .Name (ne .Name .Campaign)}} <span class="muted">({{.Name}})</span>{{end}}</h1>
  <p class="muted">{{if .Sim}}A dry run before sending: caps bound in memory, {{with .Sim.Store}}starting from the counters of <code>{{.}}</code>, which was read, never written{{else}}every counter starting at 0 (no store){{end}}. Nothing was sent or counted.{{else}}A real run: decisions counted in the store and recorded in the ledger.{{end}}</p>
  <dl>
    <dt>Template</dt><dd><code>{{.Template}}</code></dd>
    <dt>Recipients file</dt><dd><code>{{.Recipients}}</code></dd>
    <dt>Decision time</dt><dd>{{.DecisionTime.Format "2006-01-02T15:04:05Z07:00"}}</dd>
    {{if .Shard}}<dt>Shard</dt><dd>{{.Shard}}</dd>{{end}}
    <dt>Format, delivery</dt><dd>{{.Format}}, {{.Delivery}}</dd>
    <dt>Finished</dt><dd>{{.Generated}} ({{.Attempts}} attempt(s))</dd>
  </dl>
</header>

<section aria-labelledby="totals">
  <h2 id="totals">Recipients</h2>
  <div class="totals">
    <div class="total"><b>{{.Totals.Total}}</b> records</div>
    <div class="total"><b>{{.Totals.Decided}}</b> decided</div>
    {{if .Sim}}<div class="total"><b>{{.Sim.Rendered}}</b> rendered</div>
    {{else if eq .Delivery "files"}}<div class="total"><b>{{.Totals.Written}}</b> written</div>
    {{else}}<div class="total"><b>{{.Totals.Sent}}</b> sent</div>{{end}}
    <div class="total{{if .Totals.Rejected}} bad{{end}}"><b>{{.Totals.Rejected}}</b> rejected</div>
  </div>
</section>

{{range .Placements}}
<section class="placement" data-placement="{{.Activity}}/{{.Placement}}">
  <h2><code>{{.Activity}}</code> · <code>{{.Placement}}</code></h2>
  <svg class="chart" role="img" aria-label="{{.Chart.Label}}" width="{{.Chart.Width}}" height="{{.Chart.Height}}" viewBox="0 0 {{.Chart.Width}} {{.Chart.Height}}" xmlns="http://www.w3.org/2000/svg">
    {{range .Chart.Bars}}<g class="bar" data-kind="{{.Kind}}">
      <text x="224" y="{{add .Y 13}}" text-anchor="end">{{.Label}}</text>
      <rect class="track" x="230" y="{{.Y}}" width="380" height="16" rx="3"></rect>
      <rect class="{{.Kind}}" x="230" y="{{.Y}}" width="{{.Width}}" height="16" rx="3"></rect>
      <text x="{{.TextX}}" y="{{add .Y 13}}">{{.Value}}</text>
    </g>{{end}}
  </svg>
  {{with .Variants}}
  <h3>{{if .OtherRecipients}}More than {{.Count}}{{else}}{{.Count}}{{end}} distinct variant(s) to check</h3>
  <table class="variants">
    <thead><tr><th>Variant</th><th class="n">Recipients</th><th>Example</th></tr></thead>
    <tbody>{{range .Variants}}
      <tr><td>{{.Label}}</td><td class="n">{{.Recipients}}</td><td><code>{{.Example}}</code>{{if .Excerpt}}<div class="excerpt">{{.Excerpt}}</div>{{end}}</td></tr>{{end}}
    </tbody>
  </table>
  {{if .OtherRecipients}}<p class="muted">And {{.OtherRecipients}} recipient(s) with further variants, not listed.</p>{{end}}
  {{end}}
</section>
{{end}}

{{if .Sim}}
<section class="refusals" aria-labelledby="refusals">
  <h2 id="refusals">Cap refusals</h2>
  {{if .Refusals}}
  <p class="muted">Recipients for whom an offer passed every other step but was capped.</p>
  <table>
    <thead><tr><th>Offer</th><th class="n">Recipients refused</th></tr></thead>
    <tbody>{{range .Refusals}}<tr><td><code>{{.Offer}}</code></td><td class="n">{{.N}}</td></tr>{{end}}</tbody>
  </table>
  {{else}}<p class="muted">No cap refused an offer.</p>{{end}}
</section>
{{end}}

<section class="rejects" aria-labelledby="rejects">
  <h2 id="rejects">Rejects</h2>
  <p>{{.RejectCount}} rejected{{with .RejectStages}}: {{.}}{{end}}.</p>
  {{if .RejectLines}}
  <table>
    <thead><tr><th class="n">Line</th><th>Id</th><th>Stage</th><th>Reason</th></tr></thead>
    <tbody>{{range .RejectLines}}<tr><td class="n">{{.Line}}</td><td><code>{{.ID}}</code></td><td>{{.Stage}}</td><td>{{.Reason}}</td></tr>{{end}}</tbody>
  </table>
  {{if gt .RejectCount (len .RejectLines)}}<p class="muted">The first {{len .RejectLines}}; all are in rejects.ndjson.</p>{{end}}
  {{end}}
</section>
</body>
</html>
`
