package render

import (
	"reflect"
	"strings"
	"testing"

	"github.com/offermail/offermail/diag"
)

const strictTemplate = `---
subject: 'Hi {{default profile.firstName "there"}}'
---
<p>{{profile.firstName}} {{profile.loyalty.tier}}</p>
{{#if profile.nickname}}{{profile.nickname}}{{/if}}
{{default profile.nickname "friend"}}
{{#with profile.lastOrder}}{{id}}{{else}}no order{{/with}}
{{^profile.coupons}}no coupons{{/profile.coupons}}
{{#each profile.interests}}{{this}}{{/each}}
{{context.weather}}`

// TestStrict checks which references are strict: written out or a block's
// context without {{else}}, never a helper argument.
func TestStrict(t *testing.T) {
	tmpl, err := loadOne(t, "main.hbs", map[string]string{"main.hbs": strictTemplate})
	if err != nil {
		t.Fatal(err)
	}
	full := map[string]any{"firstName": "Maya", "loyalty": map[string]any{"tier": "gold"}, "interests": []any{"run"}}
	sparse := map[string]any{"firstName": "Sam"}
	weather := map[string]any{"weather": "snow"}
	tests := []struct {
		name    string
		profile map[string]any
		context map[string]any
		strict  bool
		wantErr string
		missing []Missing
	}{
		{"complete", full, weather, true, "", nil},
		{"sparse, not strict", sparse, nil, false, "", []Missing{
			{Field: "profile.loyalty.tier", File: "main.hbs", Line: 4, Col: 28},
			{Field: "profile.interests", File: "main.hbs", Line: 9, Col: 9},
		}},
		{"sparse, strict", sparse, weather, true, "main.hbs:4:28: missing field profile.loyalty.tier (strict mode)", nil},
		{"context, strict", full, nil, true, "main.hbs:10:3: missing field context.weather (strict mode)", nil},
	}
	for _, tt := range tests {
		in := &Input{Recipient: Recipient{Profile: tt.profile, Context: tt.context}, Strict: tt.strict}
		m, _, err := tmpl.execute(in)
		if tt.wantErr != "" {
			if !strings.HasPrefix(short(err), tt.wantErr) {
				t.Errorf("%s: Execute error = %v, want %q", tt.name, short(err), tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: Execute: %v", tt.name, err)
			continue
		}
		for i := range m.Missing {
			m.Missing[i].File = shortErr(&diag.Error{File: m.Missing[i].File})[:len("main.hbs")]
		}
		if !reflect.DeepEqual(m.Missing, tt.missing) {
			t.Errorf("%s: Missing = %+v, want %+v", tt.name, m.Missing, tt.missing)
		}
	}
}

// TestMissingNames checks that a missing field is named from the root
// through with and each, once per field.
func TestMissingNames(t *testing.T) {
	src := "{{#with profile.lastOrder}}{{total}}{{/with}}{{#each profile.lastOrder.items}}{{sku}}{{/each}}" +
		"{{profile.x}}{{profile.x}}{{#each profile.loyalty}}{{this.y}}{{/each}}{{> card profile.lastOrder}}{{recipient.id}}"
	files := map[string]string{"main.hbs": src, "partials/card.hbs": "{{currency}}"}
	tmpl, err := loadOne(t, "main.hbs", files)
	if err != nil {
		t.Fatal(err)
	}
	profile := map[string]any{"loyalty": map[string]any{"tier": map[string]any{}}, "lastOrder": map[string]any{"id": "NW-1", "items": []any{map[string]any{}, map[string]any{}}}}
	m, _, err := tmpl.execute(&Input{Recipient: Recipient{Profile: profile}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, mi := range m.Missing {
		got = append(got, mi.Field)
	}
	want := []string{"profile.lastOrder.total", "profile.lastOrder.items.0.sku", "profile.lastOrder.items.1.sku", "profile.x", "profile.loyalty.tier.y", "profile.lastOrder.currency"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Missing = %q, want %q", got, want)
	}
}

func TestStrictSubject(t *testing.T) {
	tmpl, err := loadOne(t, "main.hbs", map[string]string{"main.hbs": "---\nsubject: 'Hi {{profile.firstName}}'\n---\nbody"})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = tmpl.execute(&Input{Strict: true})
	if want := "main.hbs:2:16: missing field profile.firstName (strict mode)"; !strings.HasPrefix(short(err), want) {
		t.Errorf("Execute(strict subject) = %v, want %q", short(err), want)
	}
}
