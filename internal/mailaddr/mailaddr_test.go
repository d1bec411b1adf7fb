package mailaddr

import "testing"

func TestASCIIDomain(t *testing.T) {
	tests := []struct{ in, want string }{
		{"anna@bücher.example", "anna@xn--bcher-kva.example"},
		{"anna@BÜCHER.example", "anna@xn--bcher-kva.example"},
		{"jörg@example.com", "jörg@example.com"},
		{"jörg@bücher.example", "jörg@xn--bcher-kva.example"},
		{"plain@example.com", "plain@example.com"},
		{"no-at", "no-at"},
	}
	for _, tt := range tests {
		if got, err := ASCIIDomain(tt.in); err != nil || got != tt.want {
			t.Errorf("ASCIIDomain(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if got, err := ASCIIDomain("a@xn--a.ü"); err == nil {
		t.Errorf("ASCIIDomain(a@xn--a.ü) = %q, want an error", got)
	}
}

func TestNeedsUTF8(t *testing.T) {
	for addr, want := range map[string]bool{
		"anna@bücher.example": false, "jörg@example.com": true, "plain@example.com": false, "ü": true,
	} {
		if got := NeedsUTF8(addr); got != want {
			t.Errorf("NeedsUTF8(%q) = %v, want %v", addr, got, want)
		}
	}
}
