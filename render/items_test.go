package render

import (
	"strings"
	"testing"
	"testing/fstest"
)

// itemsCatalog is sampleCatalog with default items: hero shows one offer,
// sidebar two.
type itemsCatalog struct{ fakeCatalog }

func (itemsCatalog) DefaultItems(activity, placement string) int {
	if placement == "sidebar" {
		return 2
	}
	return 1
}

// TestInlineAndBlockItems: an inline placeholder (one offer) and a block
// without items= name one decision; they agree when the library's
// default is one, and not otherwise.
func TestInlineAndBlockItems(t *testing.T) {
	tests := []struct {
		name, src, wantErr string
		wantItems          int
	}{
		{"default one", `{{offer "winter-sale" placement="hero"}}{{#offer "winter-sale" placement="hero"}}{{name}}{{/offer}}`, "", 1},
		{"block first", `{{#offer "winter-sale" placement="hero"}}{{name}}{{/offer}}{{offer "winter-sale" placement="hero"}}`, "", 1},
		{"explicit equal", `{{#offer "winter-sale" placement="sidebar" items=2}}{{content}}{{/offer}}{{#offer "winter-sale" placement="sidebar"}}{{content}}{{/offer}}`, "", 2},
		{"default two", `{{offer "winter-sale" placement="sidebar"}}{{#offer "winter-sale" placement="sidebar"}}{{content}}{{/offer}}`, "give them the same items=", 0},
	}
	for _, tt := range tests {
		set, err := LoadFS(fstest.MapFS{"t.hbs": {Data: []byte(tt.src)}}, itemsCatalog{sampleCatalog})
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: LoadFS error = %v, want %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: LoadFS: %v", tt.name, err)
			continue
		}
		scopes := set.Lookup("t.hbs").Scopes()
		if len(scopes) != 1 || scopes[0].Items != tt.wantItems {
			t.Errorf("%s: Scopes() = %+v, want one scope with items %d", tt.name, scopes, tt.wantItems)
		}
	}
}
