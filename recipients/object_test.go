package recipients

import "testing"

func TestSuggestKey(t *testing.T) {
	tests := []struct{ key, want string }{
		{"profle", "profile"}, {"porfile", "profile"}, {"Profile", "profile"}, {"PROFILE", "profile"},
		{"mail", "email"}, {"e-mail", "email"}, {"EMail", "email"},
		{"ID", "id"}, {"Id", "id"}, {"ip", "id"},
		{"contxt", "context"}, {"contexts", "context"},
		{"x", ""}, {"name", ""}, {"age", ""}, {"segment", ""}, {"", ""},
	}
	for _, tt := range tests {
		want := ""
		if tt.want != "" {
			want = ` (did you mean "` + tt.want + `"?)`
		}
		if got := suggestKey(tt.key); got != want {
			t.Errorf("suggestKey(%q) = %q, want %q", tt.key, got, want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"id", "", 2}, {"", "id", 2}, {"email", "emial", 2}, {"profile", "profle", 1},
		{"kitten", "sitting", 3}, {"id", "id", 0},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
