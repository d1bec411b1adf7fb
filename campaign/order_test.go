package campaign

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/offermail/offermail/recipients"
	"github.com/offermail/offermail/render"
)

// TestEachFollowsJSONOrder: a profile read by the recipients reader keeps
// its objects' key order through Recipient, so {{#each}} over an object
// goes in the JSON's order as handlebars.js does (integer-like keys
// first), not in Go's sorted order.
func TestEachFollowsJSONOrder(t *testing.T) {
	p, err := Load("../templates/library")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src := "{{#each profile.loyalty}}{{@key}}={{this}};{{/each}}|{{#each context}}{{@key}};{{/each}}"
	if err := os.WriteFile(filepath.Join(dir, "order.hbs"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	tpl, err := p.LoadTemplate(filepath.Join(dir, "order.hbs"))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := recipients.ParseProfile("p.json", []byte(`{"id":"u-1","email":"a@example.com",
		"profile":{"loyalty":{"tier":"gold","points":12840,"since":"2019","2":"b","1":"a"}},"context":{"weather":"snow","channel":"email"}}`))
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Campaign: render.Campaign{ID: "c"}, Now: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
	msg, _, err := p.Preview(context.Background(), tpl, Recipient(rec), o)
	if err != nil {
		t.Fatal(err)
	}
	if want := "1=a;2=b;tier=gold;points=12840;since=2019;|weather;channel;"; !strings.Contains(msg.HTML, want) {
		t.Errorf("Preview(%q).HTML = %q, want it to hold %q", src, msg.HTML, want)
	}
}
