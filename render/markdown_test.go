package render

import (
	"strings"
	"testing"
)

// TestMarkdownConvert checks the HTML a Markdown body becomes, with its
// Handlebars tags intact and block tag lines kept out of paragraphs.
func TestMarkdownConvert(t *testing.T) {
	tests := []struct{ name, md, want string }{
		{"inline tags", "# Hi {{profile.firstName}}\n\nSome **bold** and {{profile.x}} text.\n",
			"<h1>Hi {{profile.firstName}}</h1>\n<p>Some <strong>bold</strong> and {{profile.x}} text.</p>\n"},
		{"block lines", "{{#offer \"weekly-digest\" placement=\"hero\"}}\n**{{name}}**\n\n{{content}}\n{{/offer}}\n",
			"{{#offer \"weekly-digest\" placement=\"hero\"}}\n<p><strong>{{name}}</strong></p>\n<p>{{content}}</p>\n{{/offer}}\n"},
		{"table rows", "| Item | Qty |\n|------|----:|\n{{#each profile.items}}\n| {{name}} | {{qty}} |\n{{/each}}\n\nAfter.\n",
			"<table>\n<thead>\n<tr>\n<th>Item</th>\n<th style=\"text-align:right\">Qty</th>\n</tr>\n</thead>\n<tbody>\n{{#each profile.items}}\n<tr>\n<td>{{name}}</td>\n<td style=\"text-align:right\">{{qty}}</td>\n</tr>\n{{/each}}\n</tbody>\n</table>\n<p>After.</p>\n"},
		{"paragraph split", "Hello\n{{#if profile.vip}}\nVIP\n{{/if}}\nbye\n",
			"<p>Hello</p>\n{{#if profile.vip}}\n<p>VIP</p>\n{{/if}}\n<p>bye</p>\n"},
		{"list items", "- a\n{{#each profile.interests}}\n- {{this}}\n{{/each}}\n",
			"<ul>\n<li>a</li>\n{{#each profile.interests}}\n<li>{{this}}</li>\n{{/each}}\n</ul>\n"},
		{"list opened by a tag", "Interests:\n\n{{#each profile.interests}}\n{{#if this}}\n1. {{this}}\n{{/if}}\n{{/each}}\n",
			"<p>Interests:</p>\n<ol>\n{{#each profile.interests}}\n{{#if this}}\n<li>{{this}}</li>\n{{/if}}\n{{/each}}\n</ol>\n"},
		{"links", "See <https://n.example/?u={{recipient.id}}> and [link]({{context.url}}).\n",
			"<p>See <a href=\"https://n.example/?u={{recipient.id}}\">https://n.example/?u={{recipient.id}}</a> and <a href=\"{{context.url}}\">link</a>.</p>\n"},
		{"escapes and code", "Escaped \\{{not}} and \\\\{{profile.x}} and `{{profile.y}}`\n\n~~old~~ {{! note }}\n",
			"<p>Escaped \\{{not}} and \\\\{{profile.x}} and <code>{{profile.y}}</code></p>\n<p><del>old</del> {{! note }}</p>\n"},
		{"partials and raw output", "{{> footer}}\n\n{{{profile.html}}}\n", "{{> footer}}\n{{{profile.html}}}\n"},
	}
	for _, tt := range tests {
		src, err := markdownSource("t.md", tt.md, 1)
		if err != nil {
			t.Errorf("%s: convert(%q): %v", tt.name, tt.md, err)
			continue
		}
		if src.text != tt.want {
			t.Errorf("%s: convert(%q) = %q, want %q", tt.name, tt.md, src.text, tt.want)
		}
	}
}

// TestMarkdownProtection checks that recipient data is never read as
// Markdown: it comes after the conversion, and is escaped like any value.
func TestMarkdownProtection(t *testing.T) {
	files := map[string]string{"digest.md": "---\nsubject: \"{{profile.firstName}}'s digest\"\n---\n# Hello {{profile.firstName}}\n\nYour city: *{{profile.city}}*\n"}
	tmpl, err := loadOne(t, "digest.md", files)
	if err != nil {
		t.Fatal(err)
	}
	in := &Input{Recipient: Recipient{Profile: map[string]any{"firstName": "**Bo** [x](y) <i>_it_</i>", "city": "`Port` & land"}}}
	m, html, err := tmpl.execute(in)
	if err != nil {
		t.Fatal(err)
	}
	want := "<h1>Hello **Bo** [x](y) &lt;i&gt;_it_&lt;/i&gt;</h1>\n<p>Your city: <em>&#x60;Port&#x60; &amp; land</em></p>\n"
	if html != want {
		t.Errorf("Execute(digest.md) = %q, want %q", html, want)
	}
	if want := "**Bo** [x](y) <i>_it_</i>'s digest"; m.Subject != want {
		t.Errorf("Subject = %q, want %q (a subject is text, never escaped)", m.Subject, want)
	}
}

// TestMarkdownRowsRender renders table rows from a list.
func TestMarkdownRowsRender(t *testing.T) {
	files := map[string]string{"order.md": "| Item | Qty |\n|---|---|\n{{#each profile.items}}\n| {{name}} | {{qty}} |\n{{/each}}\n"}
	tmpl, err := loadOne(t, "order.md", files)
	if err != nil {
		t.Fatal(err)
	}
	in := &Input{Recipient: Recipient{Profile: map[string]any{"items": []any{
		map[string]any{"name": "Trail Runner 4", "qty": 1.0}, map[string]any{"name": "Socks | wool", "qty": 3.0}}}}}
	_, html, err := tmpl.execute(in)
	want := "<tr>\n<td>Trail Runner 4</td>\n<td>1</td>\n</tr>\n<tr>\n<td>Socks | wool</td>\n<td>3</td>\n</tr>\n</tbody>"
	if err != nil || !strings.Contains(html, want) {
		t.Errorf("Execute(order.md) = %q, %v, want it to contain %q", html, err, want)
	}
}
