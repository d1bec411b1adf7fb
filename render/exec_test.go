package render

import (
	"strings"
	"testing"
)

// TestHandlebars checks the executor against handlebars.js: every want
// below is what handlebars.js 4 printed for the same template and data
// (the raw block aside: handlebars.js needs a "raw" helper registered, and
// this package writes a raw block's content as is).
func TestHandlebars(t *testing.T) {
	tests := []struct {
		name, tmpl, data string
		partials         map[string]string
		want             string
	}{
		{"escape", `Hi {{name}}!`, `{"name":"<script>alert('x')</script>"}`, nil,
			`Hi &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;!`},
		{"escape all", `{{a}}`, "{\"a\":\"& < > \\\" ' ` =\"}", nil, "&amp; &lt; &gt; &quot; &#x27; &#x60; &#x3D;"},
		{"raw", `{{{name}}}|{{& name}}`, `{"name":"<b>\"q\" & 'a'</b>"}`, nil, `<b>"q" & 'a'</b>|<b>"q" & 'a'</b>`},
		{"numbers", `{{n}} {{f}} {{big}} {{tiny}} {{neg}} {{zero}}`, `{"n":3,"f":1.5,"big":1e21,"tiny":1e-7,"neg":-2.25,"zero":0}`, nil,
			`3 1.5 1e+21 1e-7 -2.25 0`},
		{"values", `[{{t}}|{{f}}|{{nul}}|{{missing}}|{{list}}|{{obj}}]`, `{"t":true,"f":false,"nul":null,"list":["a",1,null,true],"obj":{"a":1}}`, nil,
			`[true|false|||a,1,,true|[object Object]]`},
		{"paths", `{{person.name.first}} {{person.[full name]}} {{person.tags.[1]}} {{person.tags.length}}`,
			`{"person":{"name":{"first":"Maya"},"full name":"Maya Chen","tags":["x","y"]}}`, nil, `Maya Maya Chen y 2`},
		{"each data", `{{#each items}}{{@index}}{{#if @first}}F{{/if}}{{#if @last}}L{{/if}}:{{this}};{{/each}}`, `{"items":["a","b","c"]}`, nil,
			`0F:a;1:b;2L:c;`},
		{"each object", `{{#each obj}}{{@key}}={{this}}({{@index}}){{/each}}`, `{"obj":{"a":1,"b":2}}`, nil, `a=1(0)b=2(1)`},
		{"parent and root", `{{#each items}}{{name}}/{{../title}}/{{@root.title}} {{/each}}`, `{"title":"T","items":[{"name":"x"},{"name":"y"}]}`, nil,
			`x/T/T y/T/T `},
		{"if keeps depth", `{{#each items}}{{#if ok}}{{../title}}{{/if}}{{/each}}`, `{"title":"T","items":[{"ok":true}]}`, nil, `T`},
		{"each else", `{{#each items}}{{else}}empty{{/each}}|{{#each nothing}}x{{else}}none{{/each}}`, `{"items":[]}`, nil, `empty|none`},
		{"with", `{{#with person}}{{name}} {{../title}}{{else}}nobody{{/with}}|{{#with missing}}x{{else}}nobody{{/with}}`,
			`{"title":"T","person":{"name":"Maya"}}`, nil, `Maya T|nobody`},
		{"else if", `{{#if a}}A{{else if b}}B{{else}}C{{/if}}{{#unless a}}U{{/unless}}`, `{"a":false,"b":"x"}`, nil, `BU`},
		{"truthiness", `{{#if zero}}Z{{else}}noz{{/if}}{{#if zero includeZero=true}}Z{{/if}}{{#if empty}}E{{else}}noe{{/if}}{{#if obj}}O{{/if}}`,
			`{"zero":0,"empty":[],"obj":{}}`, nil, `nozZnoeO`},
		{"sections", `{{#list}}<{{this}}>{{/list}}{{#yes}}Y{{name}}{{/yes}}{{#no}}N{{else}}notno{{/no}}{{#person}}{{name}}{{/person}}{{^no}}inv{{/no}}{{^list}}x{{/list}}{{^empty}}E{{/empty}}`,
			`{"list":[1,2],"yes":true,"no":false,"name":"n","person":{"name":"P"},"empty":[]}`, nil, `<1><2>YnnotnoPinvE`},
		{"section scalars", `{{#zero}}[{{this}}]{{/zero}}{{#str}}[{{this}}]{{/str}}{{#emptystr}}[{{this}}]{{else}}es{{/emptystr}}`,
			`{"zero":0,"str":"s","emptystr":""}`, nil, `[0][s][]`},
		{"lookup", `{{lookup obj key}} {{lookup list 1}} {{#with (lookup obj key)}}{{this}}{{/with}}`, `{"obj":{"k":"v"},"key":"k","list":["a","b"]}`, nil,
			`v b v`},
		{"block params", `{{#each items as |item i|}}{{i}}={{item.n}} {{/each}}{{#with person as |p|}}{{p.name}}{{/with}}`,
			`{"items":[{"n":"a"},{"n":"b"}],"person":{"name":"P"}}`, nil, `0=a 1=b P`},
		{"whitespace control", "a {{~ name ~}} b\n  {{~#if t~}}\n  x\n  {{~/if~}}  \nc", `{"name":"N","t":true}`, nil, `aNbxc`},
		{"standalone lines", "<ul>\n  {{#each items}}\n  <li>{{this}}</li>\n  {{/each}}\n</ul>\n{{! comment }}\n{{!-- long }} comment --}}\nend", `{"items":["a","b"]}`, nil,
			"<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\nend"},
		{"standalone else", "{{#if t}}\nyes\n{{else}}\nno\n{{/if}}\n", `{"t":false}`, nil, "no\n"},
		{"partials", "before\n  {{> card}}\nafter {{> card person}} {{> card name=\"hash\" other=1}}", `{"name":"root","person":{"name":"P"}}`,
			map[string]string{"card": "<b>{{name}}</b>\n<i>x</i>\n"},
			"before\n  <b>root</b>\n  <i>x</i>\nafter <b>P</b>\n<i>x</i>\n <b>hash</b>\n<i>x</i>\n"},
		{"partial context", `{{> inner}}|{{#each items}}{{> inner}}{{/each}}`, `{"v":"root","items":[{"v":"a"}]}`, map[string]string{"inner": "[{{v}}]"}, `[root]|[a]`},
		{"escapes and raw block", `\{{escaped}} \\{{name}} {{{{raw}}}} {{notparsed}} {{{{/raw}}}}`, `{"name":"N"}`, nil, `{{escaped}} \N  {{notparsed}} `},
		{"literal names and this", `{{"key with space"}} {{this.name}} {{./name}} {{this}}`, `{"key with space":"K","name":"N"}`, nil, `K N N [object Object]`},
		{"parent data", `{{#each outer}}{{#each inner}}{{@../index}}.{{@index}} {{/each}}{{/each}}`, `{"outer":[{"inner":[1,2]},{"inner":[3]}]}`, nil,
			`0.0 0.1 1.0 `},
		{"parent in nested each", `{{#each items}}{{#each this}}{{../name}}{{/each}}{{/each}}`, `{"items":[{"name":"A","x":1}]}`, nil, `AA`},
		{"two levels up", `{{#with a}}{{#with b}}{{../../top}}-{{../mid}}-{{leaf}}{{/with}}{{/with}}`, `{"top":"T","a":{"mid":"M","b":{"leaf":"L"}}}`, nil, `T-M-L`},
		{"parent of root", `{{#if a}}{{#if b}}{{../x}}{{/if}}{{/if}}`, `{"a":true,"b":true,"x":"X"}`, nil, ``},
		{"length", `{{n.length}} {{s.length}}`, `{"n":[1,2,3],"s":"héllo"}`, nil, `3 5`},
		{"with a sub-expression", `{{#with (lookup items 1)}}{{name}}{{/with}}`, `{"name":"Maya","items":[{"name":"a"},{"name":"c&d"}]}`, nil, `c&amp;d`},
	}
	for _, tt := range tests {
		got, _, err := execString(tt.tmpl, jsonData(t, tt.data), tt.partials, false)
		if err != nil {
			t.Errorf("%s: Execute(%q): %v", tt.name, tt.tmpl, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s: Execute(%q) = %q, want %q", tt.name, tt.tmpl, got, tt.want)
		}
	}
}

func TestPartialRecursionBounded(t *testing.T) {
	_, _, err := execString(`{{> loop}}`, map[string]any{}, map[string]string{"loop": "x{{> loop}}"}, false)
	if err == nil || !strings.Contains(err.Error(), `partials nested 50 deep: does "loop" include itself without end?`) {
		t.Errorf("Execute(self-including partial) error = %v, want the nesting limit", err)
	}
	out, _, err := execString(`{{> tree}}`, jsonData(t, `{"n":"a","kids":[{"n":"b","kids":[{"n":"c"}]}]}`),
		map[string]string{"tree": "({{n}}{{#each kids}}{{> tree}}{{/each}})"}, false)
	if want := "(a(b(c)))"; err != nil || out != want {
		t.Errorf("Execute(recursive tree) = %q, %v, want %q", out, err, want)
	}
}
