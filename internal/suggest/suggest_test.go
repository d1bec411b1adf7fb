package suggest

import "testing"

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "ab", 2}, {"kitten", "sitting", 3},
		{"prority", "priority", 1}, {"hreo", "hero", 2}, {"same", "same", 0},
	}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestClosest(t *testing.T) {
	words := []string{"priority", "placement", "Profile"}
	tests := []struct {
		word    string
		maxDist int
		want    string
	}{
		{"prority", 2, "priority"},
		{"profile", 2, "Profile"}, // case is ignored
		{"priority", 2, ""},       // the word itself is no suggestion
		{"zzz", 2, ""},
		{"plcmnt", 2, ""}, // 3 edits
		{"plcmnt", 3, "placement"},
	}
	for _, tt := range tests {
		if got := Closest(tt.word, words, tt.maxDist); got != tt.want {
			t.Errorf("Closest(%q, %d) = %q, want %q", tt.word, tt.maxDist, got, tt.want)
		}
	}
}

func TestDidYouMean(t *testing.T) {
	for _, tt := range []struct {
		word string
		want string
	}{
		{"winter-sal", ` (did you mean "winter-sale"?)`},
		{"heroo", ` (did you mean "hero"?)`},
		{"footr", ` (did you mean "footer"?)`},
		{"xyz", ""},
		{"hero", ""},
	} {
		if got := DidYouMean(tt.word, []string{"winter-sale", "hero", "footer"}); got != tt.want {
			t.Errorf("DidYouMean(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}
